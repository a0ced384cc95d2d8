"""The library API: the same workflows the CLI runs, wired the same way.

from iotforge import Settings, api
report = api.doctor(Settings(region="eu-west-1"))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iotforge.settings import Settings
from iotforge.wiring import Wiring
from iotforge.workflows.doctor import DoctorReport, run_doctor

if TYPE_CHECKING:
    import threading

    from iotforge.device import FleetProgress, FleetReport, SimulationOptions


def doctor(settings: Settings | None = None) -> DoctorReport:
    """Check credentials, region, endpoint and access; never raises for a failed check."""
    return run_doctor(Wiring(settings or Settings.from_environment()).account())


def endpoint(settings: Settings | None = None, endpoint_type: str = "iot:Data-ATS") -> str:
    """The account's device endpoint address."""
    return Wiring(settings or Settings.from_environment()).account().data_endpoint(endpoint_type)


def simulate_devices(
    project_path: Path,
    options: SimulationOptions | None = None,
    settings: Settings | None = None,
    things: str | None = None,
    progress: FleetProgress | None = None,
    *,
    stop: threading.Event | None = None,
) -> FleetReport:
    """Run one simulated device per thing of the project (`iotforge device simulate`).

    `things`: what `iotforge each --things` takes: None or "all", else thing names, ids and id
    ranges ("0-99,120" is the things with ids 0 to 99 and 120; a bare number is an id, not a count).
    Without a code-signing certificate in `options`, the project's
    (.iotforge/code-signing/ota-signer.crt) is used if present.

    Ctrl-C (KeyboardInterrupt) does not raise, and setting `stop` (from another thread) ends the run
    the same way: running device steps finish, none start, and the report comes back with
    stopped="interrupted" (else "idle", or "duration" with options.duration).
    Check `report.stopped` to tell an interrupted run from a finished one.
    """
    from dataclasses import replace

    from iotforge.device import (
        SimulationOptions,
        devices_from_project,
        load_code_signing_certificate,
        project_code_signing_certificate,
        simulate_fleet,
    )

    wiring = Wiring(settings or Settings.from_environment())
    project = wiring.project(Path(project_path))
    options = options or SimulationOptions()
    if options.code_signing_certificate is None:
        found = project_code_signing_certificate(project.root)
        if found is not None:
            options = replace(options, code_signing_certificate=load_code_signing_certificate(found))
    devices = devices_from_project(project, things)
    return simulate_fleet(devices, wiring.jobs_transports(), options, progress, stop=stop)
