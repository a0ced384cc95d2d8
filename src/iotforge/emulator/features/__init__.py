"""Feature modules of the emulator, each with ROUTES (and its own store in the state)."""

from types import ModuleType

MODULES: tuple[ModuleType, ...] = ()
