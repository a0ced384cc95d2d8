"""The live fleet view of `iotforge device simulate`: devices by state, redrawn on stderr."""

from __future__ import annotations

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from iotforge.device.models import DEVICE_STATES, FleetSnapshot

_STYLES = {
    "waiting": "dim",
    "downloading": "cyan",
    "verifying": "blue",
    "succeeded": "green",
    "failed": "red",
    "canceled": "yellow",
    "offline": "magenta",
}
_BAR_WIDTH = 40


class FleetView:
    """A FleetProgress drawn with rich.live; draws nothing when disabled (JSON, --no-progress, no TTY)."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        self._console = console
        self._enabled = enabled
        self._live: Live | None = None

    def start(self, devices: int) -> None:
        if not self._enabled:
            return
        empty = FleetSnapshot(devices, {"waiting": devices}, {}, 0.0)
        self._live = Live(_draw(empty), console=self._console, refresh_per_second=8, transient=False)
        self._live.start()

    def update(self, snapshot: FleetSnapshot) -> None:
        if self._live is not None:
            self._live.update(_draw(snapshot))

    def finish(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def _draw(snapshot: FleetSnapshot) -> Group:
    table = Table(title=f"{snapshot.devices} simulated devices", show_header=True, header_style="bold")
    table.add_column("state")
    table.add_column("devices", justify="right")
    table.add_column("")
    for state in DEVICE_STATES:
        count = snapshot.states.get(state, 0)
        width = round(_BAR_WIDTH * count / snapshot.devices) if snapshot.devices else 0
        style = _STYLES.get(state, "")
        table.add_row(Text(state, style=style), str(count), Text("█" * width, style=style))
    jobs = ", ".join(f"{count} {status.lower()}" for status, count in snapshot.jobs.items()) or "none yet"
    return Group(table, Text(f"jobs finished: {jobs}   {snapshot.elapsed:.1f} s", style="dim"))
