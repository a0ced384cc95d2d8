"""What every scenario gets: run count, sizes, a work folder, and the tools to measure."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Sizes:
    provisioning_things: int = 1000
    aws_cli_things: int = 50
    boto3_things: int = 100
    overhead_things: int = 1000
    key_seconds: float = 2.0
    rsa_seconds: float = 2.0
    bulk_things: int = 10_000
    startup_invocations: int = 5
    ota_devices: int = 1000
    ota_rate_per_minute: int = 1000
    faults_things: int = 300


FULL = Sizes()
QUICK = Sizes(
    provisioning_things=10,
    aws_cli_things=1,
    boto3_things=3,
    overhead_things=10,
    key_seconds=0.2,
    rsa_seconds=0.2,
    bulk_things=50,
    startup_invocations=2,
    ota_devices=10,
    faults_things=10,
)


@dataclass(frozen=True)
class Tools:
    """The commands measured; `aws_cli` is None (with the reason) when the AWS CLI is not installed."""

    iotforge: tuple[str, ...]
    aws_cli: tuple[str, ...] | None
    aws_cli_missing: str | None
    aws_cli_version: str | None


@dataclass
class Context:
    runs: int
    quick: bool
    sizes: Sizes
    settle: float
    work: Path
    tools: Tools
    _counter: dict[str, int] = field(default_factory=dict)

    def fresh_dir(self, name: str) -> Path:
        """A new, empty folder under the work folder (name-1, name-2, ...)."""
        number = self._counter[name] = self._counter.get(name, 0) + 1
        path = self.work / f"{name}-{number}"
        path.mkdir(parents=True)
        return path

    def pause(self) -> None:
        """Wait so the emulator's quota buckets refill before the next measured run."""
        time.sleep(self.settle)

    def log(self, message: str) -> None:
        sys.stderr.write(f"[bench] {message}\n")
        sys.stderr.flush()


def find_tools() -> Tools:
    """The iotforge and aws scripts installed beside this interpreter (the bench venv), else on PATH."""
    bin_dir = Path(sys.executable).parent
    script = bin_dir / "iotforge"
    iotforge = (str(script),) if script.exists() else (sys.executable, "-m", "iotforge")
    candidate = bin_dir / "aws"
    aws = str(candidate) if candidate.exists() else shutil.which("aws")
    if aws is None:
        return Tools(iotforge, None, "the AWS CLI is not installed: pip install -e '.[bench]' (or make bench)", None)
    try:
        found = subprocess.run([aws, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Tools(iotforge, None, f"`{aws} --version` failed: {error}", None)
    version = (found.stdout or found.stderr).strip()
    if found.returncode != 0 or not version.startswith("aws-cli/"):
        return Tools(iotforge, None, f"`{aws} --version` failed: {version[:200]}", None)
    return Tools(iotforge, (aws,), None, version)
