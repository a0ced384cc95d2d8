"""Run a user's command (build, flash) for one thing, its output to a per-thing log file."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from iotforge.errors import BadInputError
from iotforge.local.files import ensure_private_dir


class SubprocessRunner:
    def run(self, command: Sequence[str], environment: Mapping[str, str], cwd: Path, log_path: Path) -> int:
        ensure_private_dir(log_path.parent)
        with open(log_path, "wb") as log:
            try:
                done = subprocess.run(
                    list(command),
                    cwd=cwd,
                    env={**os.environ, **environment},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            except FileNotFoundError as error:
                raise BadInputError(f"Command not found: {command[0]}.", "Check the command after --.") from error
            except PermissionError as error:
                raise BadInputError(f"{command[0]} is not executable.", f"Run: chmod +x {command[0]}") from error
        return done.returncode
