"""`iotforge bucket create|list|delete` and the seed's `create-bucket-only`, `delete-bucket`."""

from __future__ import annotations

import dataclasses

import click

from iotforge.cli.commands.noun_commands import delete_command, noun_group, show_removal
from iotforge.cli.commands.seed_options import (
    check_given,
    force_option,
    log_level_option,
    need,
    seed_option,
    unused_seed_options,
)
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.ota_setup import create_bucket
from iotforge.workflows.removal import delete_bucket


@click.command("create-bucket-only")
@seed_option("bucket_name", help="Name of the bucket: 3-63 lowercase letters, digits, '.' and '-'.")
@unused_seed_options
@log_level_option
@global_options
@click.pass_context
def create_bucket_only(ctx: click.Context, bucket_name: str | None) -> None:
    """Create a bucket for OTA images: versioned, public access blocked, encrypted, in your region.

    The name is checked against S3's rules first; a bad name is refused (exit 2) with the rule it
    breaks and a valid name close to it. An existing bucket of yours is reused.

    \b
    Example:
      iotforge create-bucket-only --bucket_name board1-ota-bucket
      iotforge bucket create --bucket-name board1-ota-bucket
    """
    runtime = get_runtime(ctx)
    check_given(bucket_name=bucket_name)
    name = need(runtime, bucket_name, "bucket_name", "Enter Bucket Name")
    result = create_bucket(runtime.wiring.s3, name)
    runtime.render.warnings(result.warnings)
    verb = "created" if result.created else "already exists (reused)"
    runtime.render.document(dataclasses.asdict(result), lambda console: console.print(f"bucket {name}: {verb}"))


@delete_command(
    "delete-bucket",
    "bucket_name",
    help="Name of the bucket to delete.",
    prompt="Enter bucket name",
    flag=force_option(
        "Delete it even when not empty: every object version and delete marker first (cannot be undone)."
    ),
)
def delete_bucket_command(runtime: Runtime, name: str, force: bool) -> None:
    """Delete a bucket; -f empties it first (all versions and delete markers).

    \b
    Example:
      iotforge delete-bucket --bucket_name board1-ota-bucket -f
      iotforge bucket delete --bucket-name board1-ota-bucket
    """
    show_removal(runtime, delete_bucket(runtime.wiring.s3, name, force))


@noun_group("bucket", create_bucket_only, "buckets", delete_bucket_command)
def bucket_group() -> None:
    """S3 buckets for OTA images: create, list, delete.

    \b
    Example:
      iotforge bucket create --bucket-name board1-ota-bucket
    """
