"""Shared fixtures: one emulator process per test worker, reset before every test that uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.emulator import EmulatorHandle, start_emulator_process

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorHandle]:
    process, url = start_emulator_process()
    handle = EmulatorHandle(url=url, process=process)
    yield handle
    handle.stop()


@pytest.fixture
def emulator(emulator_process: EmulatorHandle) -> EmulatorHandle:
    emulator_process.reset()
    return emulator_process


def clean_environment(home: Path) -> dict[str, str]:
    """The process environment minus anything that could reach a real AWS account."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "IOTFORGE_"))}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        IOTFORGE_MAX_ATTEMPTS="3",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return env


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS credentials, region or endpoint at all."""
    home = tmp_path / "home"
    home.mkdir()
    return clean_environment(home)


@pytest.fixture
def aws_env(bare_env: dict[str, str], emulator: EmulatorHandle) -> dict[str, str]:
    """An environment whose AWS is the emulator."""
    return {**bare_env, **emulator.env}


@pytest.fixture
def run_cli(aws_env: dict[str, str], tmp_path: Path) -> CliRunner:
    """Run `python -m iotforge ARGS` as a subprocess against the emulator."""

    def run(
        *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "iotforge", *args],
            env=env if env is not None else aws_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
            check=False,
        )

    return run
