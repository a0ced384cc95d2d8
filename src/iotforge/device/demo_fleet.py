"""The demo's FleetSimulator port, implemented with the device simulator."""

from __future__ import annotations

from dataclasses import replace

from iotforge.device.fleet import simulate_fleet
from iotforge.device.models import SimulationOptions
from iotforge.device.project import ThingFolders, devices_from_project
from iotforge.device.transport import TransportFactory
from iotforge.workflows.demo import ExecutionResult


class ProjectFleetSimulator:
    def __init__(self, transports: TransportFactory, options: SimulationOptions | None = None) -> None:
        self._transports = transports
        self._options = options or SimulationOptions(reject_unsigned=True, poll_interval=0.1, max_poll_interval=0.5)

    def run(self, project: ThingFolders, code_signing_certificate: bytes) -> list[ExecutionResult]:
        options = replace(self._options, code_signing_certificate=code_signing_certificate)
        report = simulate_fleet(devices_from_project(project), self._transports, options)
        if report.stopped == "interrupted":
            raise KeyboardInterrupt  # the demo cannot go on with half a fleet: Ctrl-C ends it (exit 130) as before
        return [
            ExecutionResult(device.thing_name, job.job_id, job.status, job.reason)
            for device in report.devices
            for job in device.jobs
        ]
