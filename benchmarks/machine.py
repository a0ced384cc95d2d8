"""The machine and the versions a result was measured with."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("iotforge", "boto3", "botocore", "moto", "cryptography", "werkzeug", "awscli", "matplotlib")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def machine() -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_bytes": memory_bytes(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def versions(aws_cli_version: str | None) -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": f"{platform.python_implementation()} {platform.python_version()}"}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    found["aws --version"] = aws_cli_version
    return found


def source(root: Path) -> dict[str, str | bool | None]:
    """The commit measured, and whether tracked files differed from it (uncommitted changes)."""

    def git(*arguments: str) -> str | None:
        try:
            found = subprocess.run(
                ["git", *arguments], cwd=root, capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return found.stdout.strip() if found.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    changes = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "uncommitted_changes": None if changes is None else bool(changes)}
