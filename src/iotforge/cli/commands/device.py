"""Simulated devices: `iotforge device simulate` runs one device per thing of a project."""

from __future__ import annotations

import dataclasses
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click
from rich.console import Console

from iotforge.cli.fleet_view import FleetView
from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import get_runtime
from iotforge.device.models import DOWNLOADING, VERIFYING
from iotforge.errors import BadInputError, ExitCode

_SHOWN_FAILURES = 20


@click.group("device")
def device_group() -> None:
    """Simulated devices that take the fleet's IoT jobs and check OTA images like real ones.

    \b
    Example:
      iotforge device simulate ./sensor --output json
    """


@device_group.command("simulate")
@click.argument("project_path", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--things",
    "selection",
    help="all (default), or thing names, ids and id ranges, as for `each`: 0-99,120 is ids 0 to 99 and 120.",
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Fraction of devices that fail every job on purpose (to exercise abort criteria).",
)
@click.option("--seed", type=int, help="Pick the same failing devices every run.")
@click.option(
    "--duration",
    type=click.FloatRange(0.0, min_open=True),
    help="Run this many seconds (default: stop once no device has a pending job).",
)
@click.option("--reject-unsigned", is_flag=True, help="Fail OTA jobs whose image carries no signature.")
@click.option(
    "--code-signing-cert",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Certificate the devices verify images with (default: PROJECT/.iotforge/code-signing/ota-signer.crt).",
)
@click.option(
    "--transport",
    type=click.Choice(["auto", "http", "mqtt"]),
    default="auto",
    show_default=True,
    help="auto: HTTP when --endpoint-url is set (the emulator), else MQTT over mutual TLS to AWS IoT.",
)
@click.option("--workers", type=click.IntRange(1, 256), default=32, show_default=True, help="Devices stepped at once.")
@click.option("--poll-interval", type=click.FloatRange(0.05, 60.0), default=0.5, show_default=True, help="Seconds.")
@global_options
@click.pass_context
def simulate(
    ctx: click.Context,
    project_path: Path,
    selection: str | None,
    fail_rate: float,
    seed: int | None,
    duration: float | None,
    reject_unsigned: bool,
    code_signing_cert: Path | None,
    transport: str,
    workers: int,
    poll_interval: float,
) -> int:
    """Run one simulated device per thing: take pending jobs, download and check OTA images, report.

    Each device uses its thing's identity, asks for its pending jobs and takes the next one. For an
    OTA or FOTA job it downloads the image from the presigned URL, checks size, SHA-256 and the code
    signature, and reports IN_PROGRESS, then SUCCEEDED, or FAILED with the reason in statusDetails.
    Exits 1 when a device could not reach AWS IoT Jobs. Ctrl-C or SIGTERM stops it: running steps
    finish, the report is printed (stopped: interrupted) and it exits 130.

    \b
    Example:
      iotforge ota keygen --out ./sensor/.iotforge/code-signing
      iotforge device simulate ./sensor
      iotforge device simulate ./sensor --things 0-99 --fail-rate 0.3 --seed 7 --output json
      iotforge device simulate ./sensor --duration 120 --reject-unsigned
    """
    from iotforge.device import (
        SimulationOptions,
        devices_from_project,
        load_code_signing_certificate,
        project_code_signing_certificate,
        simulate_fleet,
    )

    runtime = get_runtime(ctx)
    project = runtime.wiring.project(project_path)
    devices = devices_from_project(project, selection)
    certificate_path = code_signing_cert or project_code_signing_certificate(project.root)
    certificate = load_code_signing_certificate(certificate_path) if certificate_path else None
    if certificate is None:
        if reject_unsigned:
            raise BadInputError(
                "--reject-unsigned needs the code-signing certificate to check signatures with.",
                "Pass --code-signing-cert, or put it in PROJECT/.iotforge/code-signing/ota-signer.crt.",
            )
        runtime.render.warn("no code-signing certificate: image signatures are not checked (see --code-signing-cert)")
    options = SimulationOptions(
        code_signing_certificate=certificate,
        reject_unsigned=reject_unsigned,
        fail_rate=fail_rate,
        seed=seed,
        duration=duration,
        poll_interval=poll_interval,
        max_poll_interval=max(poll_interval, 2.0),
        workers=workers,
    )
    view = FleetView(runtime.render.err, enabled=runtime.render.progress_enabled)
    stop = threading.Event()
    with _stop_on_signals(stop):
        report = simulate_fleet(devices, runtime.wiring.jobs_transports(transport), options, view, stop=stop)
    document = dataclasses.asdict(report) | {"code_signing_certificate": str(certificate_path or "") or None}

    def human(console: Console) -> None:
        counts = ", ".join(f"{count} {status.lower()}" for status, count in report.jobs.items())
        console.print(
            f"{len(report.devices)} devices, {report.seconds:.1f} s (stopped: {report.stopped}); jobs: {counts}"
        )
        failures = [(d.thing_name, j.job_id, j.status, j.reason) for d in report.devices for j in d.jobs if j.reason]
        if failures:
            console.print(table(None, ("thing", "job", "status", "reason"), failures[:_SHOWN_FAILURES]))
            if len(failures) > _SHOWN_FAILURES:
                console.print(f"... and {len(failures) - _SHOWN_FAILURES} more (--output json lists them all)")
        for device in report.offline:
            console.print(f"[red]offline[/red] {device.thing_name}: {device.error}")

    runtime.render.document(document, human)
    if report.stopped == "interrupted":
        mid_job = sum(device.state in (DOWNLOADING, VERIFYING) for device in report.devices)
        if mid_job:
            runtime.render.info(f"Interrupted: {mid_job} devices left a job IN_PROGRESS; run again to finish them.")
        return ExitCode.INTERRUPTED
    return 1 if report.offline else 0


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop`, so the fleet winds down and still reports; a second one raises KeyboardInterrupt.

    Without this, SIGTERM would kill the process with no report, and Ctrl-C would raise KeyboardInterrupt
    at whatever line the main thread was on. The second signal is for a user who will not wait for a slow step.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install signal handlers (an embedding caller's thread keeps its own)
        return

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {number: signal.signal(number, request_stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            # None: a handler installed outside Python, which signal.signal cannot put back; the default is closest.
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
