"""Feature modules of the emulator, each with ROUTES (and its own store in the state)."""

from types import ModuleType

from iotforge.emulator.features import bulk_registration, jobs, jobs_data, ota, streams, tags

MODULES: tuple[ModuleType, ...] = (bulk_registration, jobs, jobs_data, ota, streams, tags)
