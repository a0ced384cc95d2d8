"""The emulator as its own process on 127.0.0.1, with the knobs a scenario needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmarks.measure import BenchmarkError
from iotforge.emulator.server import DEFAULT_REGION, emulator_environment

START_TIMEOUT = 30.0
_LISTENING = "listening on "


class EmulatorProcess:
    """`with EmulatorProcess(knobs, log) as emulator:` runs `python -m iotforge.emulator --port 0`."""

    def __init__(self, knobs: dict[str, Any], log_path: Path) -> None:
        self.knobs = dict(knobs)
        self.log_path = log_path
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._clients: dict[str, Any] = {}

    def start(self) -> str:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "iotforge.emulator", "--port", "0", "--knobs", json.dumps(self.knobs)]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BenchmarkError(f"the emulator exited during start; see {self.log_path}")
            for line in self.log_path.read_text(errors="replace").splitlines():
                if _LISTENING in line:
                    self.url = line.split(_LISTENING, 1)[1].strip()
                    return self.url
            time.sleep(0.05)
        self.stop()
        raise BenchmarkError(f"the emulator did not start within {START_TIMEOUT:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
        self._process = None

    def __enter__(self) -> EmulatorProcess:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        process = self._process
        died = process is not None and process.poll() is not None
        self.stop()
        if died and error is not None and process is not None:
            raise BenchmarkError(
                f"{error}\n(the emulator, pid {process.pid}, had exited with status {process.returncode}: "
                f"something outside the benchmark stopped it; see {self.log_path})"
            ) from error

    def control(self, command: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        method = "POST" if data is not None or command == "reset" else "GET"
        url = f"{self.url}/_iotforge/{command}"  # the emulator we started, on 127.0.0.1
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def set_knobs(self, knobs: dict[str, Any]) -> None:
        """Change the knobs; the quota buckets start over, full."""
        # Knobs missing from `knobs` go back to their defaults: the emulator merges into the live ones.
        defaults = {"latency_ms": 0, "quotas": None}
        self.control("knobs", {**defaults, **knobs})

    def reset(self, settle: float, knobs: dict[str, Any] | None = None) -> None:
        """Forget every resource, re-apply the knobs (a reset clears them), wait for quotas to refill."""
        self.control("reset")
        self.set_knobs(self.knobs if knobs is None else knobs)
        time.sleep(settle)

    def environment(self, home: Path) -> dict[str, str]:
        """A child process environment whose AWS is this emulator, and nothing of the caller's AWS setup."""
        home.mkdir(parents=True, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "IOTFORGE_"))}
        env.update(
            HOME=str(home),
            AWS_CONFIG_FILE=str(home / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_DEFAULT_REGION=DEFAULT_REGION,
            COLUMNS="200",
        )
        env.update(emulator_environment(self.url))
        return env

    def client(self, service: str) -> Any:
        """A boto3 client on the emulator, for setup and checks (not for what is measured)."""
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            env = emulator_environment(self.url)
            self._clients[service] = boto3.session.Session().client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.url,
                region_name=DEFAULT_REGION,
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                config=Config(retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=128),
            )
        return self._clients[service]
