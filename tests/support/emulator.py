"""A handle on an emulator running as its own process on 127.0.0.1, for tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from iotforge.emulator.server import emulator_environment


def start_emulator_process(*extra_args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "iotforge.emulator", "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, line.split()[-1]


@dataclass
class EmulatorHandle:
    url: str
    process: subprocess.Popen[str] | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return emulator_environment(self.url)

    def control(self, command: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.url}/_iotforge/{command}",
            data=data,
            method="POST" if data is not None or command == "reset" else "GET",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def reset(self) -> None:
        self.control("reset")

    def set_knobs(self, **knobs: Any) -> None:
        self.control("knobs", knobs)

    def calls_of(self, operation: str) -> int:
        """Calls of `operation` the emulator has begun to serve (after its latency) since the last knob change."""
        return int(self.control("calls")["by_operation"].get(operation, 0))

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = f"{service}/{region}"
        if key not in self._clients:
            env = self.env
            self._clients[key] = boto3.session.Session().client(
                service,
                endpoint_url=self.url,
                region_name=region,
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                config=Config(retries={"mode": "standard", "max_attempts": 2}),
            )
        return self._clients[key]

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
