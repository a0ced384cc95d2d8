"""Private keys stay in 0600 files inside 0700 folders: never in output, journal, logs, or git."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from tests.conftest import CliRunner
from tests.support.fleet import mode_of

KEY_FILE = "private.pem.key"
# By design it holds the active thing's key for the firmware build (checked: mode 0600, ignored by git).
C_KEYS_HEADER = "aws_clientcredential_keys.h"


def _key_lines(project: Path) -> set[str]:
    """The base64 body lines of every private key the project holds."""
    lines: set[str] = set()
    for key in project.rglob(KEY_FILE):
        lines.update(line for line in key.read_text().splitlines() if line and not line.startswith("-----"))
    return lines


def test_the_whole_workflow_with_v_never_shows_a_private_key(run_cli: CliRunner, tmp_path: Path) -> None:
    outputs: list[str] = []

    def run(*args: str) -> None:
        done = run_cli("-v", *args)
        assert done.returncode == 0, done.stderr
        outputs.extend((done.stdout, done.stderr))

    run("thing-project-from-template", "p", str(tmp_path), "--template", "freertos-c")
    project = tmp_path / "p"
    run("add-things", str(project), "--things-base-name", "dev", "--things-number", "3")
    run("add-things", str(project), "--things-base-name", "legacy", "--key-source", "aws")  # AWS sends this key
    run("set-active-thing", str(project), "--thing-id", "1")
    run("each", str(project), "--", "sh", "-c", 'echo "building for $IOTFORGE_THING_NAME with key at $IOTFORGE_KEY"')
    run("project", "status", str(project), "--remote")
    run("project", "status", str(project), "--output", "json")
    run("iot-cleanup", str(project), "--dry-run")

    secrets = _key_lines(project)
    assert len(secrets) > 4 * 3  # four keys, several lines each
    for output in outputs:
        assert "PRIVATE KEY" not in output
        assert not any(line in output for line in secrets)
    checked = 0
    for path in project.rglob("*"):
        if path.is_dir() or path.name == KEY_FILE or path.name == C_KEYS_HEADER:
            continue
        text = path.read_bytes().decode(errors="replace")
        assert "PRIVATE KEY" not in text, path
        assert not any(line in text for line in secrets), path
        checked += 1
    assert checked >= 10  # config, certificates, journal, each logs, template sources

    keys = [*project.rglob(KEY_FILE), project / C_KEYS_HEADER]
    assert len(keys) == 1 + 4 + 1  # the active copy, one per thing, the C header
    for key in keys:
        assert mode_of(key) == 0o600, key
        assert mode_of(key.parent) == 0o700, key.parent
        assert stat.S_ISREG(key.lstat().st_mode), key


def test_gitignore_keeps_every_key_out_of_git(run_cli: CliRunner, tmp_path: Path) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--template", "freertos-c").returncode == 0
    project = tmp_path / "p"
    done = run_cli("add-things", str(project), "--things-base-name", "dev", "--things-number", "2")
    assert done.returncode == 0, done.stderr
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"]):
        assert subprocess.run([*git, *command], cwd=project, capture_output=True, check=False).returncode == 0
    staged = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert staged, "nothing staged: the test would prove nothing"
    assert any(line.endswith("thing.conf.json") for line in staged)
    for line in staged:
        assert KEY_FILE not in line, line
        assert ".aws_things_resources" not in line, line
        assert C_KEYS_HEADER not in line, line
        assert ".iotforge" not in line, line
