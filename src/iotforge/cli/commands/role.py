"""`iotforge role create|list|delete` and the seed's `create-iam-role-only`, `delete-iam-role`."""

from __future__ import annotations

import dataclasses

import click

from iotforge.cli.commands.noun_commands import delete_command, noun_group, show_removal
from iotforge.cli.commands.seed_options import (
    check_given,
    consent,
    force_option,
    log_level_option,
    need,
    seed_option,
    unused_seed_options,
)
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.ota_setup import RoleRequest, create_role
from iotforge.workflows.removal import delete_role

boundary_option = seed_option(
    "permissions_boundary",
    metavar="ARN",
    help="Permissions boundary your account requires on new roles, e.g. arn:aws:iam::123456789012:policy/Boundary.",
)
prefix_option = seed_option("role_prefix", help="Prefix your account requires: the role is named PREFIX-NAME.")


@click.command("create-iam-role-only")
@seed_option("iam_role_name", help="Name of the role (PREFIX-NAME with --role_prefix).")
@prefix_option
@boundary_option
@seed_option("bucket_name", help="The bucket the role may read firmware from.")
@unused_seed_options
@log_level_option
@global_options
@click.pass_context
def create_iam_role_only(
    ctx: click.Context,
    iam_role_name: str | None,
    role_prefix: str | None,
    permissions_boundary: str | None,
    bucket_name: str | None,
) -> None:
    """Create the role AWS IoT uses for OTA updates: trusted by AWS IoT only, least privilege.

    Reusing an existing role checks its trust and permissions. A role that people assume (as the
    ones createIoTThings.py made) must be assumable with your credentials, which usually means
    they belong to the account that created it; iotforge tries and explains a failure.

    \b
    Example:
      iotforge create-iam-role-only --iam_role_name ota_role --role_prefix Proj \\
          --permissions_boundary arn:aws:iam::123456789012:policy/ProjBoundary --bucket_name board1-ota
    """
    runtime = get_runtime(ctx)
    check_given(iam_role_name=iam_role_name, bucket_name=bucket_name)
    name = need(runtime, iam_role_name, "iam_role_name", "Enter IAM Role Name")
    request = RoleRequest(name, role_prefix, permissions_boundary, bucket_name)
    result = create_role(request, runtime.wiring.ota_gateways())
    runtime.render.warnings(result.warnings)
    verb = "created" if result.created else "reused"
    runtime.render.document(dataclasses.asdict(result), lambda console: console.print(f"role ({verb}): {result.arn}"))


@delete_command(
    "delete-iam-role",
    "iam_role_name",
    help="Name of the role to delete.",
    prompt="Enter role name",
    flag=force_option("Delete it with its policies; a role an OTA update still uses only after you confirm."),
)
def delete_iam_role(runtime: Runtime, name: str, force: bool) -> None:
    """Delete a role; refused while policies are attached (-f removes them) or an OTA update uses it.

    Delete OTA updates before their role: AWS IoT deletes an update's job and stream with it.

    \b
    Example:
      iotforge delete-iam-role --iam_role_name Proj-ota_role -f
      iotforge role delete --iam-role-name Proj-ota_role -f --yes
    """
    wiring = runtime.wiring
    show_removal(runtime, delete_role(wiring.iam, wiring.inventory, wiring.ota, name, force, consent(runtime)))


@noun_group("role", create_iam_role_only, "roles", delete_iam_role)
def role_group() -> None:
    """IAM roles for OTA updates: create, list, delete.

    \b
    Example:
      iotforge role create --iam-role-name ota_role --role-prefix Proj --bucket-name board1-ota
    """
