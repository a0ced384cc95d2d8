"""`iotforge job create|list|delete` and the seed's `delete-job`, `delete-ota-update`, `list-jobs`, `list-ota-updates`.

Deleting a job or an OTA update is workflows/ota_jobs.py's `delete_ota` (the OTA commands' own).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
from rich.console import Console

from iotforge.cli.commands.noun_commands import delete_command, noun_group
from iotforge.cli.commands.seed_options import force_option, need, seed_option
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.ota_jobs import DeleteResult, delete_ota
from iotforge.workflows.plain_jobs import JobRequest, create_plain_job


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


@delete_command(
    "delete-job",
    "job_name",
    "--job_id",
    "--job-id",
    help="Id of the job to delete.",
    prompt="Enter job name",
    flag=force_option("Delete it even while devices are running it."),
)
def delete_job(runtime: Runtime, name: str, force: bool) -> None:
    """Delete a job (and wait until AWS has); -f also while devices run it.

    \b
    Example:
      iotforge delete-job --job_name AFR_OTA-board1_update -f
      iotforge job delete --job-id reboot-1
    """
    _show_deleted(runtime, delete_ota(runtime.wiring.ota, name, force))


@delete_command(
    "delete-ota-update",
    "ota_update_name",
    help="Name (id) of the OTA update to delete.",
    prompt="Enter ota update name",
    flag=force_option("Delete it even if it has not finished (its running job is stopped)."),
)
def delete_ota_update(runtime: Runtime, name: str, force: bool) -> None:
    """Delete an OTA update with its job and stream, before its role (AWS IoT needs the role for this).

    \b
    Example:
      iotforge delete-ota-update --ota_update_name board1_update -f
    """
    _show_deleted(runtime, delete_ota(runtime.wiring.ota, name, force))


@noun_group("job", create_job, "jobs", delete_job)
def job_group() -> None:
    """IoT jobs: create, list, delete.

    \b
    Example:
      iotforge job list --max-listed 50
    """
