"""The composition root: the one place that builds aws, local and emulator pieces (for the CLI and the library)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iotforge.settings import Settings

if TYPE_CHECKING:
    from iotforge.aws.account import AccountGateway
    from iotforge.aws.iam import IamGateway
    from iotforge.aws.inventory import InventoryGateway
    from iotforge.aws.iot import IotGateway
    from iotforge.aws.ota import OtaGateway
    from iotforge.aws.s3 import S3Gateway
    from iotforge.aws.session import AwsSession
    from iotforge.device.demo_fleet import ProjectFleetSimulator
    from iotforge.device.models import DeviceIdentity
    from iotforge.device.transport import JobsTransport, TransportFactory
    from iotforge.emulator.daemon import BackgroundEmulator
    from iotforge.emulator.server import EmulatorOptions
    from iotforge.local.disk import LocalDisk
    from iotforge.local.project import LocalProject
    from iotforge.local.runner import SubprocessRunner
    from iotforge.local.settings_file import ResolvedSettings
    from iotforge.workflows.audit import AuditSources
    from iotforge.workflows.ota import OtaGateways
    from iotforge.workflows.rate_limit import AdaptiveRateLimiter
    from iotforge.workflows.simplified import SimplifiedGateways
    from iotforge.workflows.thing_setup import ThingGateways


class Wiring:
    def __init__(self, settings: Settings, static_credentials: tuple[str, str] | None = None) -> None:
        self.settings = settings
        self._static_credentials = static_credentials

    @cached_property
    def aws(self) -> AwsSession:
        from iotforge.aws.session import AwsSession

        return AwsSession(self.settings, self._static_credentials)

    def account(self) -> AccountGateway:
        from iotforge.aws.account import AccountGateway

        return AccountGateway(self.aws)

    # The emulator -------------------------------------------------------------------------------

    def _emulator_options(
        self, host: str, port: int, allow_remote: bool, knobs: dict[str, Any], state_dir: str | None = None
    ) -> EmulatorOptions:
        from iotforge.emulator.knobs import Knobs
        from iotforge.emulator.server import EmulatorOptions, check_host

        check_host(host, allow_remote)
        return EmulatorOptions(
            host=host, port=port, allow_remote=allow_remote, knobs=Knobs().updated(knobs), state_dir=state_dir
        )

    def serve_emulator(
        self,
        host: str,
        port: int,
        allow_remote: bool,
        knobs: dict[str, Any],
        announce: Callable[[str], None],
        state_dir: str | None = None,
    ) -> None:
        from iotforge.emulator.runner import serve

        serve(self._emulator_options(host, port, allow_remote, knobs, state_dir), announce)

    def start_background_emulator(
        self, host: str, port: int, allow_remote: bool, knobs: dict[str, Any], state_dir: str | None = None
    ) -> BackgroundEmulator:
        from iotforge.emulator.daemon import default_pid_dir, start_background

        options = self._emulator_options(host, port, allow_remote, knobs, state_dir)
        return start_background(options, default_pid_dir())

    def stop_background_emulators(self, port: int | None) -> list[int]:
        from iotforge.emulator.daemon import default_pid_dir, stop_background

        return stop_background(default_pid_dir(), port)

    def emulator_exports(self, url: str) -> dict[str, str]:
        from iotforge.emulator.server import emulator_environment

        return emulator_environment(url, self.settings.region or "us-east-1")

    def emulator_ca_pem(self, url: str | None) -> str:
        from iotforge.emulator.control import fetch_ca_pem

        return fetch_ca_pem(url)

    # Projects and IoT --------------------------------------------------------------------------------

    @cached_property
    def limiter(self) -> AdaptiveRateLimiter:
        """One set of token buckets for every IoT gateway: AWS counts the account's calls, not ours per gateway."""
        from iotforge.limits import scaled_rates
        from iotforge.workflows.rate_limit import AdaptiveRateLimiter

        return AdaptiveRateLimiter(scaled_rates(self.settings.rate_scale))

    @cached_property
    def iot(self) -> IotGateway:
        from iotforge.aws.iot import IotGateway

        return IotGateway(self.aws, self.limiter)

    def project(self, path: Path) -> LocalProject:
        from iotforge.local.project import LocalProject

        return LocalProject(path)

    def create_project_folder(self, root: Path, template: str, config: dict[str, Any]) -> list[Path]:
        from iotforge.local.project import create_project_folder

        return create_project_folder(root, template, config)

    def command_runner(self) -> SubprocessRunner:
        from iotforge.local.runner import SubprocessRunner

        return SubprocessRunner()

    def audit_sources(self) -> AuditSources:
        """The read-mostly gateways `iotforge audit` uses (aws/audit_reads.py)."""
        from iotforge.aws.audit_reads import IamAuditReads, IotAuditReads
        from iotforge.workflows.audit import AuditSources

        iot = IotAuditReads(self.aws, self.limiter)
        return AuditSources(iot=iot, roles=IamAuditReads(self.aws), buckets=self.s3)

    # OTA updates: S3, IAM, OTA/jobs gateways and the user's files ----------------------------------

    @cached_property
    def s3(self) -> S3Gateway:
        from iotforge.aws.s3 import S3Gateway

        return S3Gateway(self.aws)

    @cached_property
    def iam(self) -> IamGateway:
        from iotforge.aws.iam import IamGateway

        return IamGateway(self.aws)

    @cached_property
    def ota(self) -> OtaGateway:
        from iotforge.aws.ota import OtaGateway

        return OtaGateway(self.aws, self.limiter)

    def ota_gateways(self) -> OtaGateways:
        """What create_ota_update and start_fota take: S3, IAM, OTA/jobs and the account."""
        from iotforge.workflows.ota import OtaGateways

        return OtaGateways(storage=self.s3, roles=self.iam, ota=self.ota, account=self.account())

    def disk(self) -> LocalDisk:
        from iotforge.local.disk import LocalDisk

        return LocalDisk()

    # The device simulator -------------------------------------------------------------------------

    def jobs_transports(self, transport: str = "auto") -> TransportFactory:
        """Each simulated device's Jobs connection: HTTP when an endpoint URL is set (the emulator), else MQTT."""
        kind = transport if transport != "auto" else ("http" if self.settings.endpoint_url else "mqtt")
        if kind == "http":
            from iotforge.device.http_transport import JobsHttpTransport

            client = self.aws.client("iot-jobs-data")  # thread-safe: one client for the whole fleet
            return lambda identity: JobsHttpTransport(client, identity.thing_name)
        from iotforge.device.mqtt_transport import JobsMqttTransport, PahoLink

        def mqtt(identity: DeviceIdentity) -> JobsTransport:
            endpoint = identity.endpoint or self._ats_endpoint
            return JobsMqttTransport(PahoLink(identity, endpoint), identity.thing_name)

        return mqtt

    @cached_property
    def _ats_endpoint(self) -> str:
        return self.account().data_endpoint("iot:Data-ATS")

    # Resource commands (Arm's createIoTThings.py vocabulary) ---------------------------------------

    @cached_property
    def inventory(self) -> InventoryGateway:
        """IotGateway plus read-only listings across IoT, IAM and S3 (aws/inventory.py)."""
        from iotforge.aws.inventory import InventoryGateway

        return InventoryGateway(self.aws, self.limiter)

    def thing_gateways(self) -> ThingGateways:
        from iotforge.local.credential_header import CredentialHeaderFile
        from iotforge.local.user_files import UserFiles
        from iotforge.workflows.thing_setup import ThingGateways

        return ThingGateways(self.inventory, self.account(), UserFiles(), CredentialHeaderFile())

    def simplified_gateways(self) -> SimplifiedGateways:
        from iotforge.local.runner import SubprocessRunner
        from iotforge.workflows.simplified import SimplifiedGateways

        return SimplifiedGateways(self.thing_gateways(), self.ota_gateways(), SubprocessRunner())

    def seed_settings(
        self, project_root: Path, path: Path | None, target_application: str | None, need_target: bool = True
    ) -> ResolvedSettings:
        """The createIoTThings settings file: found, formatted and checked (local/seed_settings.py)."""
        from iotforge.local.seed_settings import load_seed_settings, settings_file_path

        found = settings_file_path(project_root, path)
        return load_seed_settings(found, target_application, need_target=need_target)

    def write_sample_settings(self, path: Path) -> Path:
        from iotforge.local.seed_settings import write_sample_settings

        return write_sample_settings(path)

    @contextmanager
    def embedded_emulator(self) -> Iterator[Wiring]:
        """Run an emulator in this process; yield a Wiring whose AWS is that emulator."""
        from iotforge.emulator.server import (
            DEFAULT_REGION,
            EMULATOR_ACCESS_KEY_ID,
            EMULATOR_SECRET_ACCESS_KEY,
            Emulator,
        )

        with Emulator() as url:
            settings = replace(self.settings, endpoint_url=url, region=DEFAULT_REGION, profile=None)
            yield Wiring(settings, (EMULATOR_ACCESS_KEY_ID, EMULATOR_SECRET_ACCESS_KEY))

    def fleet_simulator(self) -> ProjectFleetSimulator:
        from iotforge.device.demo_fleet import ProjectFleetSimulator

        return ProjectFleetSimulator(self.jobs_transports())
