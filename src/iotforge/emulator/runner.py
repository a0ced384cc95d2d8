"""Serve the emulator in the foreground until interrupted; shared by the CLI and `python -m`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

from iotforge.emulator.server import Emulator, EmulatorOptions


def serve(options: EmulatorOptions, announce: Callable[[str], None]) -> None:
    """Start, call `announce(url)`, and block until SIGINT or SIGTERM."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    emulator = Emulator(options)
    try:
        announce(emulator.start())
        stop.wait()
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
