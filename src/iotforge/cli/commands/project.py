"""Firmware projects and their things: `iotforge project ...`, and the seed's `ztc aws` names (compat.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.errors import BadInputError
from iotforge.workflows.cleanup import CleanupResult, cleanup_project
from iotforge.workflows.project import create_project, project_status, set_active_thing
from iotforge.workflows.provisioning import AddThingsRequest, ProvisionResult, add_things

KEY_TYPES = ("ec-p256", "ec-p384", "rsa-2048", "rsa-3072")
project_path_argument = click.argument("project_path", type=click.Path(path_type=Path, file_okay=False))


@click.command("thing-project-from-template")
@click.argument("project_name")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--aws-endpoint", help="MQTT endpoint to put in thing.conf.json (default: looked up with DescribeEndpoint)."
)
@click.option("--aws-policy-name", help="IoT policy the project's things get (created on first add-things if missing).")
@click.option(
    "--template",
    type=click.Choice(["zerynth-python", "freertos-c"]),
    default="zerynth-python",
    show_default=True,
    help="Project template.",
)
@global_options
@click.pass_context
def create(
    ctx: click.Context,
    project_name: str,
    path: Path,
    aws_endpoint: str | None,
    aws_policy_name: str | None,
    template: str,
) -> None:
    """Create PATH/PROJECT_NAME from a template (refuses a non-empty folder).

    \b
    Example:
      iotforge thing-project-from-template sensor ~/work --aws-policy-name sensor_policy
      iotforge project create sensor ~/work --template freertos-c
    """
    runtime = get_runtime(ctx)
    account = runtime.wiring.account() if aws_endpoint is None else None
    made = create_project(
        project_name, path, template, runtime.wiring.create_project_folder, aws_endpoint, aws_policy_name, account
    )
    runtime.render.warnings(made.warnings)
    runtime.render.document(dataclasses.asdict(made), lambda console: console.print(f"created project {made.root}"))


def _parse_attributes(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        key, separator, item = value.partition("=")
        if not separator or not key:
            raise BadInputError(f"--attribute {value!r} is not key=value.", "Write it as --attribute color=red.")
        pairs.append((key, item))
    return tuple(pairs)


@click.command("add-things")
@project_path_argument
@click.option("--things-number", "count", type=int, default=1, show_default=True, help="How many things to add.")
@click.option(
    "--things-base-name",
    "--thing-base-name",
    "base_name",
    help="Things are named BASE_<n>, numbering on after the project's highest n (default: the last base name).",
)
@click.option("--policy-name", help="IoT policy to attach (default: thing.conf.json's, else BASE_policy).")
@click.option(
    "--policy-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Your own policy document for a policy that does not exist yet (checked for wildcards).",
)
@click.option("--key-type", type=click.Choice(KEY_TYPES), default="ec-p256", show_default=True)
@click.option(
    "--key-source",
    type=click.Choice(["local", "aws"]),
    default="local",
    show_default=True,
    help="local: the key never leaves this machine (CSR); aws: CreateKeysAndCertificate, as the seeds do.",
)
@click.option("--thing-group", "thing_groups", multiple=True, help="Add each thing to this existing thing group.")
@click.option("--attribute", "attributes", multiple=True, help="Thing attribute key=value (repeatable, at most 2).")
@click.option("--thing-type", help="Existing thing type for the things.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--discard-incomplete", is_flag=True, help="First remove an unfinished earlier batch.")
@global_options
@click.pass_context
def add_things_command(
    ctx: click.Context,
    project_path: Path,
    count: int,
    base_name: str | None,
    policy_name: str | None,
    policy_file: Path | None,
    key_type: str,
    key_source: str,
    thing_groups: tuple[str, ...],
    attributes: tuple[str, ...],
    thing_type: str | None,
    concurrency: int,
    discard_incomplete: bool,
) -> None:
    """Create things with keys made here, certificates from CSRs, and the project's policy.

    Rerunning the same command after a crash or Ctrl-C finishes the interrupted batch.

    \b
    Example:
      iotforge add-things ./sensor --things-base-name sensor --things-number 100
      iotforge project add-things ./sensor --things-number 10 --key-type ec-p384
    """
    runtime = get_runtime(ctx)
    key_type_value: Any = key_type
    request = AddThingsRequest(
        count=count,
        base_name=base_name,
        policy_name=policy_name,
        policy_document=policy_file.read_text() if policy_file else None,
        key_type=key_type_value if key_source == "local" else "rsa-2048",
        key_source="aws" if key_source == "aws" else "local",
        thing_groups=thing_groups,
        attributes=_parse_attributes(attributes),
        thing_type=thing_type,
        concurrency=concurrency,
        discard_incomplete=discard_incomplete,
    )
    _run_add_things(runtime, project_path, request)


def _run_add_things(runtime: Runtime, project_path: Path, request: AddThingsRequest) -> None:
    wiring = runtime.wiring
    project = wiring.project(project_path)
    result = add_things(project, wiring.iot, wiring.account(), request, runtime.render.progress())
    runtime.render.warnings(result.warnings)
    runtime.render.document(_provision_document(result), lambda console: _show_provisioned(console, result))


def _provision_document(result: ProvisionResult) -> dict[str, Any]:
    return dataclasses.asdict(result) | {"things": list(result.things), "warnings": list(result.warnings)}


def _show_provisioned(console: Console, result: ProvisionResult) -> None:
    if not result.things:
        console.print("nothing to resume: every batch is complete")
        return
    verb = "resumed and finished" if result.resumed else "provisioned"
    console.print(f"{verb} {len(result.things)} things: {result.things[0]} .. {result.things[-1]}")
    console.print(
        f"policy {result.policy_name}{' (created)' if result.policy_created else ''}; active: {result.active_thing}"
    )


@click.command("resume")
@project_path_argument
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True)
@global_options
@click.pass_context
def resume(ctx: click.Context, project_path: Path, concurrency: int) -> None:
    """Finish the project's interrupted add-things batch, whatever its options were.

    \b
    Example:
      iotforge project resume ./sensor
    """
    _run_add_things(get_runtime(ctx), project_path, AddThingsRequest(resume_only=True, concurrency=concurrency))


@click.command("set-active-thing")
@project_path_argument
@click.option("--thing-id", type=click.IntRange(0), help="The N of BASE_N.")
@click.option("--thing-name", help="The thing's full name.")
@global_options
@click.pass_context
def set_active(ctx: click.Context, project_path: Path, thing_id: int | None, thing_name: str | None) -> None:
    """Make a thing active: its key and certificate at the project root, its fields in thing.conf.json.

    \b
    Example:
      iotforge set-active-thing ./sensor --thing-id 3
      iotforge project set-active ./sensor --thing-name sensor_3
    """
    runtime = get_runtime(ctx)
    name = set_active_thing(runtime.wiring.project(project_path), thing_id, thing_name)
    runtime.render.document({"active_thing": name}, lambda console: console.print(f"active thing: {name}"))


@click.command("iot-cleanup")
@project_path_argument
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True)
@global_options
@click.pass_context
def cleanup(ctx: click.Context, project_path: Path, dry_run: bool, concurrency: int) -> int:
    """Remove the project's things, certificates and the policy it created — remote first, then local.

    Certificates or policies someone else attached to the project's things are detached, not deleted.
    Exits 1 when something could not be removed (it is listed with the reason).

    \b
    Example:
      iotforge iot-cleanup ./sensor --dry-run
      iotforge project cleanup ./sensor
    """
    runtime = get_runtime(ctx)
    project = runtime.wiring.project(project_path)
    result = cleanup_project(project, runtime.wiring.iot, dry_run, runtime.render.progress(), concurrency)
    runtime.render.document(dataclasses.asdict(result), lambda console: _show_cleanup(console, result))
    return 1 if result.remaining else 0


def _show_cleanup(console: Console, result: CleanupResult) -> None:
    verb = "would remove" if result.dry_run else "removed"
    console.print(
        f"{verb} {len(result.things_removed)} things, {len(result.certificates_deleted)} certificates, "
        f"{len(result.policies_deleted)} policies"
    )
    if result.foreign_detached:
        console.print(
            f"{'would detach' if result.dry_run else 'detached'} (not deleted, not ours): "
            + ", ".join(result.foreign_detached)
        )
    if result.remaining:
        console.print(table("left in place", ("resource", "reason"), result.remaining))


@click.command("status")
@project_path_argument
@click.option("--remote", is_flag=True, help="Also ask AWS for each certificate's status.")
@global_options
@click.pass_context
def status(ctx: click.Context, project_path: Path, remote: bool) -> None:
    """Things, the active one, certificate status, and what the journal says is unfinished.

    \b
    Example:
      iotforge project status ./sensor --remote
    """
    runtime = get_runtime(ctx)
    found = project_status(runtime.wiring.project(project_path), runtime.wiring.iot if remote else None)

    def human(console: Console) -> None:
        rows = [
            (
                "*" if t.active else "",
                t.name,
                "complete" if t.complete else "INCOMPLETE",
                t.remote_status or "",
                t.certificate_arn,
            )
            for t in found.things
        ]
        console.print(
            table(f"project {found.root}", ("active", "thing", "local", "certificate", "certificate ARN"), rows)
        )
        if found.incomplete_batch:
            console.print(f"unfinished batch of {len(found.incomplete_batch)} things: run `iotforge project resume`")

    runtime.render.document(dataclasses.asdict(found), human)


@click.group("project")
def project_group() -> None:
    """Firmware projects: create, add things, set the active thing, status, cleanup.

    \b
    Example:
      iotforge project create sensor . && iotforge project add-things sensor --things-base-name s --things-number 5
    """


project_group.add_command(create, "create")
project_group.add_command(add_things_command, "add-things")
project_group.add_command(set_active, "set-active")
project_group.add_command(cleanup, "cleanup")
project_group.add_command(resume, "resume")
project_group.add_command(status, "status")

# The Zerynth toolchain's `ztc aws` names, same arguments (see compat.py for the full map).
SEED_COMMANDS = {
    "thing-project-from-template": create,
    "add-things": add_things_command,
    "set-active-thing": set_active,
    "iot-cleanup": cleanup,
}


@click.command("each", context_settings={"ignore_unknown_options": True})
@project_path_argument
@click.option(
    "--things", "selection", help="all (default), or thing names, ids and id ranges: 0-99,120 is ids 0 to 99 and 120."
)
@click.option("--keep-going", is_flag=True, help="Go on after a thing's command fails.")
@click.option("--resume", is_flag=True, help="Skip things this same command already succeeded for.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@global_options
@click.pass_context
def each(
    ctx: click.Context,
    project_path: Path,
    selection: str | None,
    keep_going: bool,
    resume: bool,
    command: tuple[str, ...],
) -> int:
    """For every thing in turn: make it active, then run COMMAND (e.g. compile and flash).

    COMMAND gets IOTFORGE_THING_NAME, IOTFORGE_THING_DIR, IOTFORGE_CERT, IOTFORGE_KEY and
    IOTFORGE_ENDPOINT; its output goes to .iotforge/each/<thing>.log.

    \b
    Example:
      iotforge each ./sensor -- sh -c 'ztc compile . board && ztc uplink board main.vbo'
      iotforge each ./sensor --things 0-99 --resume -- make flash
    """
    runtime = get_runtime(ctx)
    from iotforge.workflows.each import EachRequest, run_each

    request = EachRequest(tuple(command), selection, keep_going, resume)
    result = run_each(
        runtime.wiring.project(project_path), runtime.wiring.command_runner(), request, runtime.render.progress()
    )
    document = {
        "command": list(result.command),
        "outcomes": [dataclasses.asdict(outcome) for outcome in result.outcomes],
        "failed": [outcome.thing for outcome in result.failed],
    }

    def human(console: Console) -> None:
        rows = [(o.thing, "skipped" if o.exit_code is None else o.exit_code, o.log) for o in result.outcomes]
        console.print(table(None, ("thing", "exit", "log"), rows))

    runtime.render.document(document, human)
    return 1 if result.failed else 0


project_group.add_command(each, "each")
SEED_COMMANDS["each"] = each
