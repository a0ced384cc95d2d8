"""`iotforge job create|list|delete` and the seed's `delete-job`, `delete-ota-update`, `list-jobs`, `list-ota-updates`.

Deleting a job or an OTA update is workflows/ota_jobs.py's `delete_ota` (the OTA commands' own).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from iotforge.cli.commands.listing import LIST_COMMANDS
from iotforge.cli.commands.seed_options import log_level_option, need, seed_option
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.ota_jobs import DeleteResult, delete_ota
from iotforge.workflows.plain_jobs import JobRequest, create_plain_job

F = TypeVar("F", bound=Callable[..., Any])


def _force_option(help_text: str) -> Callable[[F], F]:
    return click.option("-f", "--force-delete", "--force_delete", "force", is_flag=True, help=help_text)


@click.command("create")
@seed_option("job_id", "--job_name", "--job-name", help="The job's id (letters, digits, '-' and '_').")
@seed_option(
    "document",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="The job document (JSON) devices receive.",
)
@click.option("--thing", "--thing_name", "--thing-name", "things", multiple=True, help="Target thing (repeatable).")
@click.option("--thing-group", "--thing_group", "thing_groups", multiple=True, help="Target thing group (repeatable).")
@click.option("--description")
@global_options
@click.pass_context
def create_job(
    ctx: click.Context,
    job_id: str | None,
    document: Path,
    things: tuple[str, ...],
    thing_groups: tuple[str, ...],
    description: str | None,
) -> None:
    """Create an IoT job with your own document for things and thing groups.

    \b
    Example:
      iotforge job create --job-id reboot-1 --document reboot.json --thing board1 --thing-group lab
    """
    runtime = get_runtime(ctx)
    ident = need(runtime, job_id, "job_id", "Enter job id")
    request = JobRequest(ident, document.read_text(), things, thing_groups, description)
    created = create_plain_job(runtime.wiring.ota, request)
    runtime.render.document(dataclasses.asdict(created), lambda console: console.print(f"job: {created.job_arn}"))


def _show_deleted(runtime: Runtime, result: DeleteResult) -> None:
    def human(console: Console) -> None:
        parts = [
            f"OTA update {result.update_id}" if result.update_deleted else "",
            f"job {result.job_id}" if result.job_deleted else "",
            f"stream {result.stream_id}" if result.stream_deleted else "",
        ]
        console.print("deleted " + ", ".join(part for part in parts if part))

    runtime.render.document(dataclasses.asdict(result), human)


@click.command("delete-job")
@seed_option("job_name", "--job_id", "--job-id", help="Id of the job to delete.")
@_force_option("Delete it even while devices are running it.")
@log_level_option
@global_options
@click.pass_context
def delete_job(ctx: click.Context, job_name: str | None, force: bool) -> None:
    """Delete a job (and wait until AWS has); -f also while devices run it.

    \b
    Example:
      iotforge delete-job --job_name AFR_OTA-board1_update -f
      iotforge job delete --job-id reboot-1
    """
    runtime = get_runtime(ctx)
    name = need(runtime, job_name, "job_name", "Enter job name")
    _show_deleted(runtime, delete_ota(runtime.wiring.ota, name, force))


@click.command("delete-ota-update")
@seed_option("ota_update_name", help="Name (id) of the OTA update to delete.")
@_force_option("Delete it even if it has not finished (its running job is stopped).")
@log_level_option
@global_options
@click.pass_context
def delete_ota_update(ctx: click.Context, ota_update_name: str | None, force: bool) -> None:
    """Delete an OTA update with its job and stream, before its role (AWS IoT needs the role for this).

    \b
    Example:
      iotforge delete-ota-update --ota_update_name board1_update -f
    """
    runtime = get_runtime(ctx)
    name = need(runtime, ota_update_name, "ota_update_name", "Enter ota update name")
    _show_deleted(runtime, delete_ota(runtime.wiring.ota, name, force))


@click.group("job")
def job_group() -> None:
    """IoT jobs: create, list, delete.

    \b
    Example:
      iotforge job list --max-listed 50
    """


job_group.add_command(create_job, "create")
job_group.add_command(LIST_COMMANDS["jobs"], "list")
job_group.add_command(delete_job, "delete")
