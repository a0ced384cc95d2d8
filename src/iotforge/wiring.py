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
    from iotforge.aws.iot import IotGateway
    from iotforge.aws.session import AwsSession
    from iotforge.emulator.daemon import BackgroundEmulator
    from iotforge.emulator.server import EmulatorOptions
    from iotforge.local.project import LocalProject
    from iotforge.local.runner import SubprocessRunner


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
