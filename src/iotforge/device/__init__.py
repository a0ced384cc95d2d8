"""The device simulator: one simulated device per thing, taking its IoT jobs and checking OTA images.

Library use (the CLI's `iotforge device simulate` does the same)::

    from iotforge.device import SimulationOptions, devices_from_project, simulate_fleet
    from iotforge.wiring import Wiring
    wiring = Wiring(settings)
    report = simulate_fleet(devices_from_project(wiring.project(path)), wiring.jobs_transports(), SimulationOptions())

Transports (boto3, paho-mqtt) are built by wiring.py and imported only when used.
"""

from iotforge.device.fleet import choose_failing, simulate_fleet
from iotforge.device.models import (
    DeviceIdentity,
    DeviceOutcome,
    FleetProgress,
    FleetReport,
    FleetSnapshot,
    JobExecution,
    JobOutcome,
    PendingJobs,
    SimulationOptions,
)
from iotforge.device.project import (
    CODE_SIGNING_CERTIFICATE,
    devices_from_project,
    load_code_signing_certificate,
    project_code_signing_certificate,
)
from iotforge.device.transport import JobsTransport, TransportError, TransportFactory

__all__ = [
    "CODE_SIGNING_CERTIFICATE",
    "DeviceIdentity",
    "DeviceOutcome",
    "FleetProgress",
    "FleetReport",
    "FleetSnapshot",
    "JobExecution",
    "JobOutcome",
    "JobsTransport",
    "PendingJobs",
    "SimulationOptions",
    "TransportError",
    "TransportFactory",
    "choose_failing",
    "devices_from_project",
    "load_code_signing_certificate",
    "project_code_signing_certificate",
    "simulate_fleet",
]
