"""The library API: the same workflows the CLI runs, wired the same way.

from iotforge import Settings, api
report = api.doctor(Settings(region="eu-west-1"))
"""

from __future__ import annotations

from iotforge.settings import Settings
from iotforge.wiring import Wiring
from iotforge.workflows.doctor import DoctorReport, run_doctor


def doctor(settings: Settings | None = None) -> DoctorReport:
    """Check credentials, region, endpoint and access; never raises for a failed check."""
    return run_doctor(Wiring(settings or Settings.from_environment()).account())


def endpoint(settings: Settings | None = None, endpoint_type: str = "iot:Data-ATS") -> str:
    """The account's device endpoint address."""
    return Wiring(settings or Settings.from_environment()).account().data_endpoint(endpoint_type)
