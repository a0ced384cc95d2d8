"""`each`: the seed's mass-programming loop — for every thing, make it active and run a command."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from iotforge.errors import BadInputError, IotforgeError
from iotforge.workflows.journal_state import fold
from iotforge.workflows.ports import ProgressPort, ProjectFiles, SilentProgress
from iotforge.workflows.project import activate_thing, repair_activation


class CommandRunner(Protocol):
    def run(self, command: Sequence[str], environment: Mapping[str, str], cwd: Path, log_path: Path) -> int: ...


@dataclass(frozen=True)
class EachRequest:
    command: tuple[str, ...]
    selection: str | None = None
    keep_going: bool = False
    resume: bool = False


@dataclass(frozen=True)
class EachOutcome:
    thing: str
    exit_code: int | None  # None: skipped by --resume
    log: str


@dataclass(frozen=True)
class EachResult:
    command: tuple[str, ...]
    outcomes: tuple[EachOutcome, ...]

    @property
    def failed(self) -> tuple[EachOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if outcome.exit_code not in (0, None))


def select_things(names: Iterable[str], selection: str | None) -> list[str]:
    """The things `--things` picks, for `iotforge each` and `iotforge device simulate` alike.

    `all` (or nothing) for every thing in natural order (dev_2 before dev_10); else a comma list
    of thing names, ids (the number after the last `_`: 7 is dev_7) and id ranges (0-99), in the
    order given. A part that matches no thing is refused, so a typo never quietly shrinks the set.

    >>> select_things(["a_10", "a_2", "a_1", "a_0"], None)
    ['a_0', 'a_1', 'a_2', 'a_10']
    >>> select_things(["a_0", "a_1", "a_2", "a_10"], "1-2,a_10")
    ['a_1', 'a_2', 'a_10']
    >>> select_things(["a_0", "a_1", "a_2", "a_10"], "10")
    ['a_10']
    """
    names = sorted(names, key=_natural)
    if selection in (None, "", "all"):
        return names
    assert selection is not None
    by_id = {int(match.group(1)): name for name in names if (match := re.fullmatch(r".*_(\d+)", name))}
    chosen: list[str] = []
    for part in selection.split(","):
        part = part.strip()
        if part in names:
            matched = [part]
        elif re.fullmatch(r"\d+-\d+", part):
            low, high = (int(value) for value in part.split("-"))
            matched = [name for index, name in sorted(by_id.items()) if low <= index <= high]
        elif part.isdigit():
            matched = [by_id[int(part)]] if int(part) in by_id else []
        else:
            matched = []
        if not matched:
            raise BadInputError(
                f"--things {selection!r}: no thing matches {part!r}.",
                "Use `all`, thing names, ids or ranges such as 0-9 (see `iotforge project status`).",
            )
        chosen.extend(matched)
    return list(dict.fromkeys(chosen))


def run_each(
    project: ProjectFiles, runner: CommandRunner, request: EachRequest, progress: ProgressPort | None = None
) -> EachResult:
    if not request.command:
        raise BadInputError("No command to run.", "Put it after --, e.g. `iotforge each PROJECT -- make flash`.")
    progress = progress or SilentProgress()
    repair_activation(project, fold(project.journal.records()))
    things = select_things(project.local_things(), request.selection)
    succeeded = _succeeded_before(project, request.command) if request.resume else set()
    outcomes: list[EachOutcome] = []
    progress.start(len(things), f"running on {len(things)} things")
    try:
        for name in things:
            log = project.root / ".iotforge" / "each" / f"{name}.log"
            if name in succeeded:
                outcomes.append(EachOutcome(name, None, str(log)))
                progress.advance()
                continue
            activate_thing(project, name)
            config = project.config()
            environment = {
                "IOTFORGE_THING_NAME": name,
                "IOTFORGE_THING_DIR": str(project.thing_folder(name)),
                "IOTFORGE_CERT": str(project.root / "certificate.pem.crt"),
                "IOTFORGE_KEY": str(project.root / "private.pem.key"),
                "IOTFORGE_ENDPOINT": str(config.get("endpoint", "")),
            }
            code = runner.run(request.command, environment, project.root, log)
            project.journal.append(
                {"type": "each", "command": list(request.command), "thing": name, "exit_code": code, "at": _now()}
            )
            outcomes.append(EachOutcome(name, code, str(log)))
            progress.advance()
            if code != 0 and not request.keep_going:
                raise IotforgeError(
                    f"The command failed for {name} (exit {code}); see {log}.",
                    "Fix it and rerun with --resume to skip the things already done, or use --keep-going.",
                )
    finally:
        progress.finish()
    return EachResult(request.command, tuple(outcomes))


def _succeeded_before(project: ProjectFiles, command: tuple[str, ...]) -> set[str]:
    latest: dict[str, int] = {}
    for record in project.journal.records():
        if record.get("type") == "each" and tuple(record.get("command", ())) == command:
            latest[str(record["thing"])] = int(record["exit_code"])
    return {name for name, code in latest.items() if code == 0}


def _natural(name: str) -> tuple[str, int]:
    match = re.fullmatch(r"(.*)_(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else (name, -1)


def _now() -> str:
    return datetime.now(UTC).isoformat()
