"""Run one function over many items on a bounded pool; the first fatal error stops the rest."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

from iotforge.workflows.ports import ProgressPort

Item = TypeVar("Item")


def run_parallel(
    items: Sequence[Item],
    work: Callable[[Item], None],
    concurrency: int,
    progress: ProgressPort,
    label: str,
    already_done: int = 0,
) -> None:
    """Call `work(item)` for each item; raise the first exception after running workers settle."""
    progress.start(len(items) + already_done, label)
    progress.advance(already_done)
    stop = threading.Event()

    def guarded(item: Item) -> None:
        if stop.is_set():
            return
        work(item)
        progress.advance()

    try:
        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="iotforge") as pool:
            futures = [pool.submit(guarded, item) for item in items]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failures = [future.exception() for future in done if future.exception() is not None]
            if failures:
                stop.set()
                for future in futures:
                    future.cancel()
                wait(futures)
                error = failures[0]
                assert error is not None
                raise error
    finally:
        progress.finish()
