"""Run many simulated devices at once on a bounded pool of workers.

Each device is a cooperative loop (agent.py): the scheduler keeps a heap of (when, device), hands
ready devices to at most `options.workers` threads, and puts each back with the delay its step
asked for. A thousand devices cost a thousand small objects, not a thousand threads.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from iotforge.device.agent import DeviceAgent
from iotforge.device.firmware import Fetch, download_image
from iotforge.device.models import (
    DEVICE_STATES,
    JOB_STATUSES,
    DeviceIdentity,
    FleetProgress,
    FleetReport,
    FleetSnapshot,
    SilentFleetProgress,
    SimulationOptions,
    StopReason,
)
from iotforge.device.transport import TransportFactory
from iotforge.errors import BadInputError

_TICK = 0.1  # the longest the scheduler sleeps between looks at the clock; also the view's refresh


def choose_failing(names: Sequence[str], fail_rate: float, seed: int | None) -> frozenset[str]:
    """The devices that fail on purpose: round(rate x fleet) of them, the same ones for the same seed.

    >>> choose_failing(["a", "b", "c", "d"], 0.5, seed=1) == choose_failing(["d", "c", "b", "a"], 0.5, seed=1)
    True
    >>> len(choose_failing([str(n) for n in range(10)], 0.8, seed=None))
    8
    """
    count = round(fail_rate * len(names))
    return frozenset(random.Random(seed).sample(sorted(names), count))


def check_options(options: SimulationOptions) -> None:
    """Refuse options no simulation can run with (BadInputError, before any call)."""
    problems = [
        (not 0.0 <= options.fail_rate <= 1.0, f"--fail-rate {options.fail_rate} is not between 0 and 1"),
        (options.duration is not None and not options.duration > 0, f"--duration {options.duration} is not > 0"),
        (not options.poll_interval > 0, f"the poll interval {options.poll_interval} is not > 0"),
        (options.workers < 1, f"{options.workers} workers: at least one is needed"),
        (options.max_image_bytes < 1, "the image size limit must be at least one byte"),
    ]
    for failed, message in problems:
        if failed:
            raise BadInputError(f"{message}.", "See `iotforge device simulate --help`.")
    if options.duration is not None and not math.isfinite(options.duration):
        raise BadInputError("--duration must be a finite number of seconds.", "For example --duration 60.")


def simulate_fleet(
    devices: Sequence[DeviceIdentity],
    transport_factory: TransportFactory,
    options: SimulationOptions | None = None,
    progress: FleetProgress | None = None,
    *,
    fetch: Fetch = download_image,
    clock: Callable[[], float] = time.monotonic,
) -> FleetReport:
    """Simulate one device per identity until none has a pending job (or `options.duration` passes)."""
    options = options or SimulationOptions()
    progress = progress or SilentFleetProgress()
    check_options(options)
    if not devices:
        raise BadInputError("No devices to simulate.", "Provision things first: `iotforge add-things PROJECT`.")
    failing = choose_failing([device.thing_name for device in devices], options.fail_rate, options.seed)
    agents = [
        DeviceAgent(identity, transport_factory(identity), options, identity.thing_name in failing, fetch)
        for identity in devices
    ]
    started = clock()
    progress.start(len(agents))
    try:
        stopped = _run(agents, options, progress, clock, started)
    finally:
        for agent in agents:
            agent.transport.close()
        progress.finish()
    snapshot = _snapshot(agents, clock() - started)
    return FleetReport(
        devices=tuple(agent.outcome() for agent in agents),
        jobs=snapshot.jobs,
        states=snapshot.states,
        seconds=round(snapshot.elapsed, 3),
        stopped=stopped,
    )


def _run(
    agents: list[DeviceAgent],
    options: SimulationOptions,
    progress: FleetProgress,
    clock: Callable[[], float],
    started: float,
) -> StopReason:
    workers = min(options.workers, len(agents))
    deadline = None if options.duration is None else started + options.duration
    ready = [(started, index) for index in range(len(agents))]
    in_flight: dict[Future[float], int] = {}
    shown = started
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iotforge-device") as pool:
        try:
            while True:
                now = clock()
                if deadline is not None and now >= deadline:
                    return "duration"
                if deadline is None and not in_flight and all(agent.idle for agent in agents):
                    return "idle"
                while ready and ready[0][0] <= now and len(in_flight) < workers:
                    _, index = heapq.heappop(ready)
                    in_flight[pool.submit(agents[index].step)] = index
                pause = min(_TICK, ready[0][0] - now if ready else _TICK)
                if deadline is not None:
                    pause = min(pause, deadline - now)
                pause = max(pause, 0.0)
                if not in_flight:
                    time.sleep(pause)
                    continue
                done, _ = wait(in_flight, timeout=pause, return_when=FIRST_COMPLETED)
                for future in done:
                    index = in_flight.pop(future)
                    delay = future.result()  # a bug in a step ends the run with its traceback
                    if not agents[index].offline:
                        heapq.heappush(ready, (clock() + delay, index))
                if clock() - shown >= _TICK:
                    shown = clock()
                    progress.update(_snapshot(agents, shown - started))
        finally:
            wait(in_flight)  # let running steps finish, so no report is cut in half


def _snapshot(agents: list[DeviceAgent], elapsed: float) -> FleetSnapshot:
    states = Counter(agent.state for agent in agents)
    jobs = Counter(outcome.status for agent in agents for outcome in list(agent.outcomes))
    return FleetSnapshot(
        devices=len(agents),
        states={state: states[state] for state in DEVICE_STATES},
        jobs={status: jobs[status] for status in JOB_STATUSES},
        elapsed=elapsed,
    )
