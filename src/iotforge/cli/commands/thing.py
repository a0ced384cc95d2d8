"""`iotforge thing create|list|delete` and the seed's `create-thing-only`, `create-thing-and-policy`, `delete-thing`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from rich.console import Console

from iotforge.cli.commands.noun_commands import delete_command, noun_group, show_removal
from iotforge.cli.commands.seed_options import (
    check_given,
    consent,
    log_level_option,
    need,
    project_root_option,
    prune_option,
    seed_option,
    unused_seed_options,
)
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.crypto import KEY_TYPES, KeyType
from iotforge.workflows.credential_header import header_path
from iotforge.workflows.removal import delete_thing
from iotforge.workflows.thing_credentials import credential_paths
from iotforge.workflows.thing_setup import (
    CREATE_NEW_CERTIFICATE,
    DEFAULT_CREDENTIALS_PATH,
    ThingSetupRequest,
    ThingSetupResult,
    set_up_thing,
)

F = TypeVar("F", bound=Callable[..., Any])


def credential_options(command: F) -> F:
    """Where the key and certificate come from and where their files go."""
    for option in reversed(
        (
            seed_option(
                "existing_certificate_arn",
                "--use_existing_certificate_arn",
                "--use-existing-certificate-arn",
                default=CREATE_NEW_CERTIFICATE,
                show_default=True,
                help="Attach this certificate instead of creating a key and certificate.",
            ),
            seed_option(
                "credentials_path",
                "-a",
                type=click.Path(path_type=Path, file_okay=False),
                default=DEFAULT_CREDENTIALS_PATH,
                show_default=True,
                help="Folder (relative to --project_root) for thing_{certificate,private_key,public_key}_<T> files.",
            ),
            click.option(
                "--key-source",
                "--key_source",
                "key_source",
                type=click.Choice(["local", "aws"]),
                default="local",
                show_default=True,
                help="local: the key is made here and never leaves (CSR); aws: CreateKeysAndCertificate (the seed's).",
            ),
            click.option(
                "--key-type",
                "--key_type",
                "key_type",
                type=click.Choice(KEY_TYPES),
                default="rsa-2048",
                show_default=True,
                help="The key made here (RSA-2048: what the Arm reference firmware is tested with).",
            ),
        )
    ):
        command = option(command)
    return command


# The seed's create-policy-only and create-thing-and-policy.
policy_file_option = seed_option(
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Your own policy document (default: least privilege, the device's own topics only).",
)


def header_options(command: F) -> F:
    for option in reversed(
        (
            seed_option(
                "target_application",
                help="keyword-detection, object-detection or speech-recognition: its "
                "applications/<app>/configs/aws_configs/aws_clientcredential.h gets the endpoint and thing name.",
            ),
            seed_option(
                "credentials_header",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Write the endpoint and thing name into this aws_clientcredential.h instead.",
            ),
        )
    ):
        command = option(command)
    return project_root_option(command)


def setup_request(options: dict[str, Any], **fields: Any) -> ThingSetupRequest:
    """The ThingSetupRequest the seed's create commands describe."""
    thing = fields.pop("thing_name", None)
    existing = options.get("existing_certificate_arn") or CREATE_NEW_CERTIFICATE
    root: Path = options.get("project_root") or Path(".")
    folder: Path = options.get("credentials_path") or DEFAULT_CREDENTIALS_PATH
    header = options.get("credentials_header")
    if header is None and options.get("target_application"):
        header = header_path(root, options["target_application"], None)
    policy_file: Path | None = options.get("policy_file")
    return ThingSetupRequest(
        thing_name=thing,
        existing_certificate_arn=None if existing == CREATE_NEW_CERTIFICATE else existing,
        paths=credential_paths(folder if folder.is_absolute() else root / folder, thing) if thing else None,
        header=header,
        key_source="aws" if options.get("key_source") == "aws" else "local",
        key_type=cast(KeyType, options.get("key_type") or "rsa-2048"),
        policy_document=policy_file.read_text() if policy_file else None,
        **fields,
    )


def run_setup(runtime: Runtime, request: ThingSetupRequest) -> None:
    result = set_up_thing(request, runtime.wiring.thing_gateways(), consent(runtime))
    runtime.render.warnings(result.warnings)
    runtime.render.document(dataclasses.asdict(result), lambda console: show_setup(console, result))


def show_setup(console: Console, result: ThingSetupResult) -> None:
    if result.thing_name and result.thing_created is not None:
        console.print(f"thing {result.thing_name}: {'created' if result.thing_created else 'reused'}")
    if result.policy_name:
        console.print(f"policy {result.policy_name}: {'created' if result.policy_created else 'reused'}")
    verb = "created" if result.certificate_created else "reused"
    console.print(f"certificate ({verb}): {result.certificate_arn}")
    for path in result.files:
        console.print(f"  {path}")
    if result.header:
        console.print(f"{result.header}: {'updated' if result.header_changed else 'already up to date'}")


def thing_options(command: F) -> F:
    """What the seed's create-thing commands take besides the names: credentials, header, and the usual extras."""
    for option in reversed((credential_options, header_options, unused_seed_options, log_level_option, global_options)):
        command = option(command)
    return command


@click.command("create-thing-only")
@seed_option("thing_name", help="Name of the thing to create (asked for on a terminal when missing).")
@thing_options
@click.pass_context
def create_thing_only(ctx: click.Context, /, thing_name: str | None, **options: Any) -> None:
    """Create a thing with a new (or given) certificate and write its endpoint and name into the header.

    The private key is made here and written (0600) before AWS is asked for a certificate. Prints
    the certificate ARN: pass it to `create-policy-only --existing_certificate_arn ARN`. Rerunning
    reuses the thing, the key file and its certificate.

    \b
    Example:
      iotforge create-thing-only --thing_name board1 --target_application keyword-detection
      iotforge thing create --thing-name board1 --credentials-header aws_clientcredential.h --yes
    """
    runtime = get_runtime(ctx)
    check_given(thing_name=thing_name, existing_certificate_arn=options.get("existing_certificate_arn"))
    thing = need(runtime, thing_name, "thing_name", "Enter Thing Name")
    run_setup(runtime, setup_request(options, thing_name=thing, create_thing=True))


@click.command("create-thing-and-policy")
@seed_option("thing_name", help="Name of the thing to create.")
@seed_option("policy_name", help="Name of the policy to create (or reuse) and attach to the certificate.")
@policy_file_option
@thing_options
@click.pass_context
def create_thing_and_policy(
    ctx: click.Context, /, thing_name: str | None, policy_name: str | None, **options: Any
) -> None:
    """Create a thing and a policy, attach both to one new certificate, and set aws_clientcredential.h.

    Files go to --credentials_path: thing_certificate_<T>.pem.crt, thing_private_key_<T>.pem.key
    (0600) and thing_public_key_<T>.pem.key. A header someone already edited is overwritten only
    after you confirm (--yes confirms; without a terminal and --yes the command stops, exit 2).

    \b
    Example:
      iotforge create-thing-and-policy --thing_name board1 --policy_name board1_policy \\
          --target_application keyword-detection
    """
    runtime = get_runtime(ctx)
    existing = options.get("existing_certificate_arn")
    check_given(thing_name=thing_name, policy_name=policy_name, existing_certificate_arn=existing)
    thing = need(runtime, thing_name, "thing_name", "Enter Thing Name")
    policy = need(runtime, policy_name, "policy_name", "Enter Policy Name")
    run_setup(runtime, setup_request(options, thing_name=thing, policy_name=policy, create_thing=True))


@delete_command(
    "delete-thing",
    "thing_name",
    help="Name of the thing to delete.",
    prompt="Enter thing name",
    flag=prune_option("Also delete each of its certificates that nothing else (no thing, no policy) uses afterwards."),
)
def delete_thing_command(runtime: Runtime, name: str, prune: bool) -> None:
    """Detach the thing's certificates and delete it; -p prunes certificates left unused.

    \b
    Example:
      iotforge delete-thing -p --thing_name board1
      iotforge thing delete --thing-name board1
    """
    show_removal(runtime, delete_thing(runtime.wiring.inventory, name, prune))


@noun_group("thing", create_thing_only, "things", delete_thing_command)
def thing_group() -> None:
    """AWS IoT things: create (with certificate and header), list, delete.

    \b
    Example:
      iotforge thing create --thing-name board1 --target-application keyword-detection
    """
