"""`iotforge policy create|list|delete` and the seed's `create-policy-only`, `delete-policy`."""

from __future__ import annotations

from typing import Any

import click

from iotforge.cli.commands.noun_commands import delete_command, noun_group, show_removal
from iotforge.cli.commands.seed_options import (
    check_given,
    log_level_option,
    need,
    project_root_option,
    prune_option,
    seed_option,
    unused_seed_options,
)
from iotforge.cli.commands.thing import credential_options, policy_file_option, run_setup, setup_request
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.removal import delete_policy
from iotforge.workflows.thing_setup import CREATE_NEW_CERTIFICATE


@click.command("create-policy-only")
@seed_option("policy_name", help="Name of the policy to create (or reuse).")
@seed_option("thing_name", help="With a new certificate: the thing it is for (names its files).")
@policy_file_option
@credential_options
@project_root_option
@unused_seed_options
@log_level_option
@global_options
@click.pass_context
def create_policy_only(ctx: click.Context, /, policy_name: str | None, thing_name: str | None, **options: Any) -> None:
    """Create a policy (least privilege unless --policy_file) and attach it to a certificate.

    With --existing_certificate_arn the policy goes onto that certificate (the one create-thing-only
    printed); with CREATE_NEW_CERTIFICATE (the default) a key and certificate are made for
    --thing_name and written to --credentials_path.

    \b
    Example:
      iotforge create-policy-only --policy_name board1_policy --existing_certificate_arn arn:aws:iot:...
      iotforge policy create --policy-name board1_policy --thing-name board1
    """
    runtime = get_runtime(ctx)
    existing = options.get("existing_certificate_arn")
    check_given(policy_name=policy_name, thing_name=thing_name, existing_certificate_arn=existing)
    policy = need(runtime, policy_name, "policy_name", "Enter Policy Name")
    if (existing or CREATE_NEW_CERTIFICATE) == CREATE_NEW_CERTIFICATE:
        thing_name = need(runtime, thing_name, "thing_name", "Enter Thing Name")
    request = setup_request(options, thing_name=thing_name, policy_name=policy, create_thing=False)
    run_setup(runtime, request)


@delete_command(
    "delete-policy",
    "policy_name",
    help="Name of the policy to delete.",
    prompt="Enter policy name",
    flag=prune_option("Also delete each certificate that nothing else (no thing, no policy) uses afterwards."),
)
def delete_policy_command(runtime: Runtime, name: str, prune: bool) -> None:
    """Detach the policy from every certificate and delete it; -p prunes certificates left unused.

    \b
    Example:
      iotforge delete-policy -p --policy_name board1_policy
      iotforge policy delete --policy-name board1_policy
    """
    show_removal(runtime, delete_policy(runtime.wiring.inventory, name, prune))


@noun_group("policy", create_policy_only, "policies", delete_policy_command)
def policy_group() -> None:
    """AWS IoT policies: create (and attach), list, delete.

    \b
    Example:
      iotforge policy create --policy-name board1_policy --existing-certificate-arn ARN
    """
