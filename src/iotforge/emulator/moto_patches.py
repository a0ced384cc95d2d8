"""Every patch iotforge applies to moto, one function each, naming the moto defect it fixes.

Review this file, and only this file, when upgrading moto.
"""

from __future__ import annotations

from iotforge.emulator.ca import EmulatorCA
from iotforge.emulator.state import EmulatorState

_CA_ATTRIBUTE = "_iotforge_ca"


def emulator_ca(state: EmulatorState) -> EmulatorCA:
    ca: EmulatorCA | None = getattr(state, _CA_ATTRIBUTE, None)
    if ca is None:
        ca = EmulatorCA()
        setattr(state, _CA_ATTRIBUTE, ca)
    return ca


def apply_all(state: EmulatorState) -> None:
    emulator_ca(state)
