"""The seed's `create-update-only` and `create-bucket-role-update`: bucket, role and OTA update for one thing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from iotforge.cli.commands.role import boundary_option, prefix_option
from iotforge.cli.commands.seed_options import check_given, log_level_option, need, project_root_option, seed_option
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.ota_setup import UpdateRequest, UpdateResult, create_update

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_OTA_BINARY = "keyword-detection-update_signed.bin"


def update_options(command: F) -> F:
    for option in reversed(
        (
            seed_option("thing_name", help="The existing thing the update is for."),
            seed_option("bucket_name", help="Bucket for the signed binary."),
            seed_option("iam_role_name", help="Role AWS IoT runs the update with."),
            seed_option("update_name", help="OTA update id; its job is AFR_OTA-<update_name>."),
            seed_option(
                "build_dir",
                type=click.Path(path_type=Path, file_okay=False),
                default=Path("build"),
                show_default=True,
                help="Where the build wrote update-signature.txt.",
            ),
            seed_option("ota_binary", default=DEFAULT_OTA_BINARY, show_default=True, help="The signed update binary."),
            seed_option(
                "ota_binary_build_dir",
                type=click.Path(path_type=Path, file_okay=False),
                help="Folder holding --ota_binary (default: the project root, then --build_dir).",
            ),
            seed_option(
                "code_signing_certificate",
                "--cert",
                type=click.Path(path_type=Path, dir_okay=False),
                help="The code-signing certificate: check the signature against the binary before uploading.",
            ),
            click.option(
                "--timeout", type=click.FloatRange(1), default=300, show_default=True, help="Seconds to wait."
            ),
        )
    ):
        command = option(command)
    return project_root_option(command)


def run_update(runtime: Runtime, options: dict[str, Any], create: bool) -> None:
    """Values given wrongly (`--bucket_name ""`) are named before any left out is asked for or reported missing;
    create-update-only (not `create`) also needs the thing's existing policy, asked for first."""
    names = ("thing_name", "bucket_name", "iam_role_name", "update_name", "policy_name")
    check_given(**{name: options.get(name) for name in names})
    if not create:
        options["policy_name"] = need(runtime, options["policy_name"], "policy_name", "Enter Policy Name")
    request = UpdateRequest(
        thing_name=need(runtime, options["thing_name"], "thing_name", "Enter existing Thing Name"),
        bucket_name=need(runtime, options["bucket_name"], "bucket_name", "Enter Bucket Name"),
        role_name=need(runtime, options["iam_role_name"], "iam_role_name", "Enter IAM Role Name"),
        update_name=need(runtime, options["update_name"], "update_name", "Enter Update ID"),
        ota_binary=options["ota_binary"],
        build_dir=options["build_dir"],
        binary_dir=options["ota_binary_build_dir"],
        project_root=options["project_root"],
        create_bucket_and_role=create,
        role_prefix=options.get("role_prefix"),
        permissions_boundary=options.get("permissions_boundary"),
        policy_name=options.get("policy_name"),
        code_signing_certificate=options["code_signing_certificate"],
        wait_seconds=options["timeout"],
    )
    wiring = runtime.wiring
    files = wiring.thing_gateways().files
    result = create_update(request, wiring.ota_gateways(), wiring.inventory, files, runtime.render.progress())
    runtime.render.warnings(result.warnings)
    runtime.render.document(dataclasses.asdict(result), lambda console: show_update(console, result))


def show_update(console: Console, result: UpdateResult) -> None:
    if result.bucket is not None:
        console.print(f"bucket {result.bucket.name}: {'created' if result.bucket.created else 'reused'}")
    if result.role is not None:
        console.print(f"role {result.role.name}: {'created' if result.role.created else 'reused'}")
    ota = result.ota
    console.print(f"OTA update {ota.update_id}: {ota.status} (job {ota.job_id})")
    if ota.key:
        console.print(f"  image s3://{ota.bucket}/{ota.key} version {ota.version_id}")


@click.command("create-bucket-role-update")
@update_options
@boundary_option
@prefix_option
@log_level_option
@global_options
@click.pass_context
def create_bucket_role_update(ctx: click.Context, /, **options: Any) -> None:
    """Create (or reuse) the bucket and the role, upload the signed binary, create the OTA update.

    Reads the signature from <build_dir>/update-signature.txt, pins the uploaded binary's S3
    version, waits for CREATE_COMPLETE and, on CREATE_FAILED, prints AWS's reason.

    \b
    Example:
      iotforge create-bucket-role-update --thing_name board1 --bucket_name board1-ota \\
          --iam_role_name Proj-ota_role --update_name board1_update \\
          --ota_binary keyword-detection-update_signed.bin \\
          --permissions_boundary arn:aws:iam::123456789012:policy/ProjBoundary
    """
    run_update(get_runtime(ctx), options, create=True)


@click.command("create-update-only")
@update_options
@seed_option("policy_name", help="The thing's existing policy (checked to exist).")
@log_level_option
@global_options
@click.pass_context
def create_update_only(ctx: click.Context, /, **options: Any) -> None:
    """Create the OTA update with an existing thing, policy, bucket and role.

    \b
    Example:
      iotforge create-update-only --thing_name board1 --policy_name board1_policy \\
          --bucket_name board1-ota --iam_role_name Proj-ota_role --update_name board1_update_2
    """
    run_update(get_runtime(ctx), options, create=False)
