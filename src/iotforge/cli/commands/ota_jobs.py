"""`iotforge ota status | list | cancel | delete`: follow and clean up OTA updates and FOTA jobs."""

from __future__ import annotations

import dataclasses
from typing import Any

import click
from rich.console import Console

from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import get_runtime
from iotforge.workflows.ota_jobs import OtaStatus, cancel_ota, delete_ota, list_ota, ota_status, watch_status
from iotforge.workflows.ota_models import EXECUTION_STATUSES


def _status_document(status: OtaStatus, finished: bool | None = None) -> dict[str, Any]:
    job = status.job
    document: dict[str, Any] = {
        "job_id": job.job_id,
        "status": job.status,
        "done": job.done,
        "counts": dict(job.counts),
        "reason_code": job.reason_code,
        "comment": job.comment,
        "update": dataclasses.asdict(status.update) if status.update else None,
        "executions": [dataclasses.asdict(execution) for execution in status.executions],
    }
    if finished is not None:
        document["finished"] = finished
    return document


def _show_status(console: Console, status: OtaStatus) -> None:
    job = status.job
    title = f"job {job.job_id}: {job.status}" + (f" ({job.reason_code})" if job.reason_code else "")
    counts = [(name, job.counts.get(name, 0)) for name in EXECUTION_STATUSES if job.counts.get(name)]
    console.print(table(title, ("executions", "things"), counts or [("none yet", 0)]))
    if job.comment:
        console.print(job.comment)
    if status.executions:
        rows = [(e.thing_name, e.status, e.last_updated) for e in status.executions]
        console.print(table(None, ("thing", "status", "updated"), rows))


@click.command("status")
@click.argument("ident", metavar="ID")
@click.option("--watch", is_flag=True, help="Refresh until the job is done (bounded by --timeout).")
@click.option("--timeout", type=click.FloatRange(1), default=600, show_default=True, help="Seconds to watch.")
@click.option("--interval", type=click.FloatRange(0.1), default=5, show_default=True, help="Seconds between reads.")
@click.option("--things", "with_executions", is_flag=True, help="Also list each thing's execution.")
@global_options
@click.pass_context
def status(ctx: click.Context, ident: str, watch: bool, timeout: float, interval: float, with_executions: bool) -> int:
    """Per-status execution counts of an OTA update's job or a FOTA job (ID is either id).

    With --watch, exits 0 once the job is done, 1 if --timeout passes first.

    \b
    Example:
      iotforge ota status app-1-2-0
      iotforge ota status fota-sensor_0-1718000000 --watch --timeout 900 --output json
    """
    runtime = get_runtime(ctx)
    ota = runtime.wiring.ota
    if not watch:
        found = ota_status(ota, ident, with_executions)
        runtime.render.document(_status_document(found), lambda console: _show_status(console, found))
        return 0

    def report(fresh: OtaStatus) -> None:
        if not runtime.settings.json_output:
            counts = ", ".join(f"{n} {s}" for s, n in fresh.job.counts.items() if n)
            runtime.render.info(f"{fresh.job.job_id}: {fresh.job.status}; {counts or 'no executions yet'}")

    final, finished = watch_status(ota, ident, timeout, interval, report, with_executions)
    runtime.render.document(_status_document(final, finished), lambda console: _show_status(console, final))
    if not finished:
        runtime.render.warn(f"still {final.job.status} after {timeout:.0f} s; run the same command to keep watching")
    return 0 if finished else 1


@click.command("list")
@click.option("--job-status", type=click.Choice(["IN_PROGRESS", "CANCELED", "COMPLETED", "DELETION_IN_PROGRESS"]))
@global_options
@click.pass_context
def list_command(ctx: click.Context, job_status: str | None) -> None:
    """OTA updates and IoT jobs (FOTA jobs included) in this account and region.

    \b
    Example:
      iotforge ota list
      iotforge ota list --job-status IN_PROGRESS --output json
    """
    runtime = get_runtime(ctx)
    found = list_ota(runtime.wiring.ota, job_status)

    def human(console: Console) -> None:
        console.print(table("OTA updates", ("id", "created"), [(u.update_id, u.created) for u in found.updates]))
        console.print(table("jobs", ("id", "status", "created"), [(j.job_id, j.status, j.created) for j in found.jobs]))

    runtime.render.document(
        {
            "updates": [dataclasses.asdict(update) for update in found.updates],
            "jobs": [dataclasses.asdict(job) for job in found.jobs],
        },
        human,
    )


@click.command("cancel")
@click.argument("ident", metavar="ID")
@click.option("--force", is_flag=True, help="Also stop devices that are in the middle of the update.")
@click.option("--comment", help="Why (kept on the job).")
@global_options
@click.pass_context
def cancel(ctx: click.Context, ident: str, force: bool, comment: str | None) -> None:
    """Cancel an OTA update's job or a FOTA job: no further device gets it.

    \b
    Example:
      iotforge ota cancel app-1-2-0 --comment "bad build"
      iotforge ota cancel fota-sensor_0-1718000000 --force
    """
    runtime = get_runtime(ctx)
    done = cancel_ota(runtime.wiring.ota, ident, force, comment)
    runtime.render.document(
        dataclasses.asdict(done),
        lambda console: console.print(f"job {done.job_id}: {done.status_before} -> {done.status_after}"),
    )


@click.command("delete")
@click.argument("ident", metavar="ID")
@click.option("-f", "--force", is_flag=True, help="Stop and delete a job that is still running.")
@click.option("--timeout", type=click.FloatRange(1), default=60, show_default=True, help="Seconds to wait.")
@global_options
@click.pass_context
def delete(ctx: click.Context, ident: str, force: bool, timeout: float) -> None:
    """Delete an OTA update with its job and stream (or a FOTA job), and wait until they are gone.

    The update's role is left alone: AWS needs it to delete the job and stream. Delete the role
    afterwards if nothing else uses it.

    \b
    Example:
      iotforge ota delete app-1-2-0
      iotforge ota delete fota-sensor_0-1718000000 --force --output json
    """
    runtime = get_runtime(ctx)
    done = delete_ota(runtime.wiring.ota, ident, force, timeout)
    gone = [what for what, flag in (("update", done.update_deleted), ("job", done.job_deleted)) if flag]
    if done.stream_deleted:
        gone.append(f"stream {done.stream_id}")
    runtime.render.document(
        dataclasses.asdict(done), lambda console: console.print(f"deleted {', '.join(gone) or 'nothing'}: {ident}")
    )


COMMANDS = (status, list_command, cancel, delete)
