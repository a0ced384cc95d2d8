"""The only code that writes to the terminal: tables, JSON documents, messages, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from iotforge.errors import IotforgeError
from iotforge.settings import Settings


class Renderer:
    def __init__(self, settings: Settings, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> None:
        self.settings = settings
        self._stdout = stdout or sys.stdout
        self.out = Console(file=self._stdout, highlight=False, soft_wrap=True)
        self.err = Console(file=stderr or sys.stderr, highlight=False, soft_wrap=True)

    @property
    def progress_enabled(self) -> bool:
        return self.settings.show_progress and not self.settings.json_output and self.err.is_terminal

    def document(self, document: Mapping[str, Any], human: Callable[[Console], None] | None = None) -> None:
        """Print the result: one JSON document on stdout, or the human view."""
        if self.settings.json_output:
            self._stdout.write(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
            self._stdout.flush()
        elif human is not None:
            human(self.out)
        else:
            for key, value in document.items():
                self.out.print(f"{key}: {value}")

    def info(self, message: str) -> None:
        """A progress message: stderr, so stdout stays clean for results."""
        self.err.print(message)

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {message}")

    def warnings(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.warn(message)

    def error(self, error: IotforgeError, verbose: bool) -> None:
        self.err.print(f"[red]error:[/red] {error.message}", markup=True, highlight=False)
        if error.hint:
            self.err.print(f"  hint: {error.hint}")
        if verbose and error.details:
            self.err.print(f"  details: {error.details}")
        if self.settings.json_output:
            self.document(
                {
                    "ok": False,
                    "error": {
                        "message": error.message,
                        "hint": error.hint,
                        "exit_code": int(error.exit_code),
                        "code": getattr(error, "code", None),
                    },
                }
            )

    def progress(self, label: str = "") -> TerminalProgress:
        return TerminalProgress(self.err, enabled=self.progress_enabled, label=label)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    result = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*("" if cell is None else str(cell) for cell in row))
    return result


class TerminalProgress:
    """A ProgressPort drawn with rich on stderr: count, rate, ETA."""

    def __init__(self, console: Console, *, enabled: bool, label: str) -> None:
        self._enabled = enabled
        self._label = label
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._console = console

    def start(self, total: int, label: str) -> None:
        if not self._enabled:
            return
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[progress.data.speed]{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(label or self._label, total=total, rate="")

    def advance(self, amount: int = 1) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.advance(self._task, amount)
        speed = self._progress.tasks[0].speed
        self._progress.update(self._task, rate=f"{speed:.1f}/s" if speed else "")

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
