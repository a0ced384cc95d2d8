"""`iotforge cert create|list|delete` and the seed's `delete-certificate`."""

from __future__ import annotations

from typing import Any

import click

from iotforge.cli.commands.listing import LIST_COMMANDS
from iotforge.cli.commands.seed_options import force_option, log_level_option, need, project_root_option, seed_option
from iotforge.cli.commands.thing import credential_options, run_setup, setup_request, show_removal
from iotforge.cli.options import global_options
from iotforge.cli.runtime import get_runtime
from iotforge.errors import BadInputError
from iotforge.workflows.removal import delete_certificate
from iotforge.workflows.thing_setup import CREATE_NEW_CERTIFICATE


@click.command("create")
@seed_option("thing_name", help="The thing the certificate is for: its common name and file names.")
@credential_options
@project_root_option
@global_options
@click.pass_context
def create_certificate(ctx: click.Context, /, thing_name: str | None, **options: Any) -> None:
    """Make a key here and get its certificate from AWS (CSR); no thing, no policy.

    Rerunning with the same --thing-name reuses the key file and its certificate.

    \b
    Example:
      iotforge cert create --thing-name board1 --credentials-path certificates
    """
    runtime = get_runtime(ctx)
    if (options.get("existing_certificate_arn") or CREATE_NEW_CERTIFICATE) != CREATE_NEW_CERTIFICATE:
        raise BadInputError("cert create makes a new certificate.", "Drop --existing-certificate-arn.")
    thing = need(runtime, thing_name, "thing_name", "Enter Thing Name")
    run_setup(runtime, setup_request(options, thing_name=thing, create_thing=False))


@click.command("delete-certificate")
@seed_option("certificate_id", help="The certificate's id (or ARN).")
@force_option("Delete it even when things or policies use it: those are deleted as well (the seed's meaning).")
@log_level_option
@global_options
@click.pass_context
def delete_certificate_command(ctx: click.Context, certificate_id: str | None, force: bool) -> None:
    """Deactivate and delete a certificate; refused while attached unless -f.

    \b
    Example:
      iotforge delete-certificate --certificate_id 3f2a...c9
      iotforge cert delete --certificate-id 3f2a...c9 -f
    """
    runtime = get_runtime(ctx)
    certificate = need(runtime, certificate_id, "certificate_id", "Enter certificate id")
    show_removal(runtime, delete_certificate(runtime.wiring.inventory, certificate, force))


@click.group("cert")
def cert_group() -> None:
    """Device certificates: create (key made here), list, delete.

    \b
    Example:
      iotforge cert list --max-listed 100
    """


cert_group.add_command(create_certificate, "create")
cert_group.add_command(LIST_COMMANDS["certificates"], "list")
cert_group.add_command(delete_certificate_command, "delete")
