"""`iotforge cert create|list|delete` and the seed's `delete-certificate`."""

from __future__ import annotations

from typing import Any

import click

from iotforge.cli.commands.noun_commands import delete_command, noun_group, show_removal
from iotforge.cli.commands.seed_options import force_option, need, project_root_option, seed_option
from iotforge.cli.commands.thing import credential_options, run_setup, setup_request
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
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


@delete_command(
    "delete-certificate",
    "certificate_id",
    help="The certificate's id (or ARN).",
    prompt="Enter certificate id",
    flag=force_option("Delete it even when things or policies use it: those are deleted as well (the seed's meaning)."),
)
def delete_certificate_command(runtime: Runtime, certificate: str, force: bool) -> None:
    """Deactivate and delete a certificate; refused while attached unless -f.

    \b
    Example:
      iotforge delete-certificate --certificate_id 3f2a...c9
      iotforge cert delete --certificate-id 3f2a...c9 -f
    """
    show_removal(runtime, delete_certificate(runtime.wiring.inventory, certificate, force))


@noun_group("cert", create_certificate, "certificates", delete_certificate_command)
def cert_group() -> None:
    """Device certificates: create (key made here), list, delete.

    \b
    Example:
      iotforge cert list --max-listed 100
    """
