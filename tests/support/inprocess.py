"""Run the real CLI entry point (error boundary included) inside the test process: fast, no mocks."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from iotforge.cli.main import run


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_iotforge(args: list[str], env: Mapping[str, str], cwd: Path) -> Ran:
    """`iotforge ARGS` with exactly `env` as the environment and `cwd` as the working folder."""
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            run(args)
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
    return Ran(code, stdout.getvalue(), stderr.getvalue())
