"""The composition root: the one place that builds aws, local and emulator pieces (for the CLI and the library)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iotforge.settings import Settings

if TYPE_CHECKING:
    from iotforge.aws.account import AccountGateway
    from iotforge.aws.iot import IotGateway
    from iotforge.aws.session import AwsSession
    from iotforge.emulator.daemon import BackgroundEmulator
    from iotforge.emulator.server import EmulatorOptions
    from iotforge.local.project import LocalProject
    from iotforge.local.runner import SubprocessRunner


class Wiring:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def aws(self) -> AwsSession:
        from iotforge.aws.session import AwsSession

        return AwsSession(self.settings)

    def account(self) -> AccountGateway:
        from iotforge.aws.account import AccountGateway

        return AccountGateway(self.aws)

    # The emulator -------------------------------------------------------------------------------

    def _emulator_options(self, host: str, port: int, allow_remote: bool, knobs: dict[str, Any]) -> EmulatorOptions:
        from iotforge.emulator.knobs import Knobs
        from iotforge.emulator.server import EmulatorOptions, check_host

        check_host(host, allow_remote)
        return EmulatorOptions(host=host, port=port, allow_remote=allow_remote, knobs=Knobs().updated(knobs))

    def serve_emulator(
        self,
        host: str,
        port: int,
        allow_remote: bool,
        knobs: dict[str, Any],
        announce: Callable[[str], None],
    ) -> None:
        from iotforge.emulator.runner import serve

        serve(self._emulator_options(host, port, allow_remote, knobs), announce)

    def start_background_emulator(
        self, host: str, port: int, allow_remote: bool, knobs: dict[str, Any]
    ) -> BackgroundEmulator:
        from iotforge.emulator.daemon import default_pid_dir, start_background

        return start_background(self._emulator_options(host, port, allow_remote, knobs), default_pid_dir())

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
    def iot(self) -> IotGateway:
        from iotforge.aws.iot import IotGateway
        from iotforge.limits import AWS_IOT_RATES
        from iotforge.workflows.rate_limit import AdaptiveRateLimiter

        return IotGateway(self.aws, AdaptiveRateLimiter(AWS_IOT_RATES))

    def project(self, path: Path) -> LocalProject:
        from iotforge.local.project import LocalProject

        return LocalProject(path)

    def create_project_folder(self, root: Path, template: str, config: dict[str, Any]) -> list[Path]:
        from iotforge.local.project import create_project_folder

        return create_project_folder(root, template, config)

    def command_runner(self) -> SubprocessRunner:
        from iotforge.local.runner import SubprocessRunner

        return SubprocessRunner()
