"""Run many simulated devices at once on a bounded pool of workers.

Each device is a cooperative loop (agent.py): the scheduler keeps a heap of (when, device), hands
ready devices to at most `options.workers` threads, and puts each back with the delay its step
asked for once the step's result comes back on a completion queue. A thousand devices cost a
thousand small objects, not a thousand threads.
"""

from __future__ import annotations

import heapq
import math
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

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
    stop: threading.Event | None = None,
) -> FleetReport:
    """Simulate one device per identity until none has a pending job (or `options.duration` passes).

    Setting `stop` (from a signal handler or another thread), or a KeyboardInterrupt, ends the run
    early: steps already running finish, none start, and the report says stopped="interrupted".
    """
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
        stopped = _run(agents, options, progress, clock, started, stop or threading.Event())
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


# What a worker hands back to the scheduler: (agent index, the delay its step asked for, or what it raised).
_Completions = queue.Queue[tuple[int, float | BaseException]]


def _step(agent: DeviceAgent, index: int, completions: _Completions) -> None:
    try:
        result: float | BaseException = agent.step()
    except BaseException as error:  # handed to the scheduler, which re-raises it in the caller's thread
        result = error
    completions.put((index, result))


def _run(
    agents: list[DeviceAgent],
    options: SimulationOptions,
    progress: FleetProgress,
    clock: Callable[[], float],
    started: float,
    stop: threading.Event,
) -> StopReason:
    workers = min(options.workers, len(agents))
    deadline = None if options.duration is None else started + options.duration
    ready = [(started, index) for index in range(len(agents))]
    # One blocking get per finished step: concurrent.futures.wait() on every loop cost more CPU than the devices.
    completions: _Completions = queue.Queue()
    running = 0
    # Devices whose last step did not leave them idle. Only a device's own step changes it, so updating
    # this set as steps finish replaces a scan of the whole fleet on every loop.
    busy = set(range(len(agents)))
    shown = started
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iotforge-device")
    try:
        while True:
            now = clock()
            if stop.is_set():
                return "interrupted"
            if deadline is not None and now >= deadline:
                return "duration"
            # With the whole fleet idle, start nothing new: with more devices than workers some step is
            # always running, so waiting for a moment with none in flight would never end. The steps
            # still running either find a job (the fleet goes on) or leave it idle with nothing in flight.
            dispatching = deadline is not None or bool(busy)
            if not dispatching and running == 0:
                return "idle"
            while dispatching and running < workers and ready and ready[0][0] <= now:
                _, index = heapq.heappop(ready)
                pool.submit(_step, agents[index], index, completions)
                running += 1
            # Wake for the next device due, else for the next finished step (the queue wakes us at once),
            # and at least every tick to check the stop event and redraw the view.
            pause = _TICK
            if dispatching and running < workers and ready:
                pause = min(pause, ready[0][0] - now)
            if deadline is not None:
                pause = min(pause, deadline - now)
            try:
                index, result = completions.get(timeout=max(pause, 0.0))
            except queue.Empty:
                pass
            else:
                running -= 1
                if isinstance(result, BaseException):
                    raise result  # a bug in a step ends the run with its traceback
                agent = agents[index]
                if agent.idle:
                    busy.discard(index)
                else:
                    busy.add(index)
                if not agent.offline:
                    heapq.heappush(ready, (clock() + result, index))
            if clock() - shown >= _TICK:
                shown = clock()
                progress.update(_snapshot(agents, shown - started))
    except KeyboardInterrupt:
        return "interrupted"
    finally:
        # Let running steps finish, so no report is cut in half; at most `workers` were ever submitted.
        pool.shutdown(wait=True, cancel_futures=True)


def _snapshot(agents: list[DeviceAgent], elapsed: float) -> FleetSnapshot:
    states = Counter(agent.state for agent in agents)
    jobs = Counter(outcome.status for agent in agents for outcome in list(agent.outcomes))
    return FleetSnapshot(
        devices=len(agents),
        states={state: states[state] for state in DEVICE_STATES},
        jobs={status: jobs[status] for status in JOB_STATUSES},
        elapsed=elapsed,
    )
