"""`list-things` .. `list-all` (the seed's names) and each noun's `list`: every page, at most --max_listed shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

from iotforge.cli.commands.seed_options import log_level_option, seed_option
from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import get_runtime
from iotforge.workflows.listing import LIST_ALL_ORDER, ResourceKind, ResourceListing, list_resources

DEFAULT_MAX_LISTED = 25
LIST_ALL_MAX_LISTED = 15  # createIoTThings.py's list-all default
F = TypeVar("F", bound=Callable[..., Any])
TITLES: dict[ResourceKind, str] = {
    "things": "Things",
    "policies": "Policies",
    "certificates": "Certificates",
    "roles": "IAM roles",
    "buckets": "Buckets",
    "ota-updates": "OTA updates",
    "jobs": "Jobs",
}


def _noun(kind: ResourceKind) -> str:
    title = TITLES[kind]
    return title if title[:2].isupper() else title.lower()


def _max_listed(default: int) -> Callable[[F], F]:
    return seed_option(
        "max_listed",
        type=click.IntRange(0),
        default=default,
        show_default=True,
        help="Show at most this many per kind (all pages are read; the total is always shown).",
    )


def listing_document(listing: ResourceListing) -> dict[str, Any]:
    return {
        "kind": listing.kind,
        "total": listing.total,
        "truncated": listing.truncated,
        "items": [
            {"name": i.name, "arn": i.arn, "status": i.status, "created": i.created.isoformat() if i.created else None}
            for i in listing.items
        ],
    }


def show_listing(console: Console, listing: ResourceListing) -> None:
    title = TITLES[listing.kind]
    if not listing.total:
        console.print(f"No {_noun(listing.kind)} found.")
        return
    rows = [
        (i.name, i.status or "", i.created.strftime("%Y-%m-%d %H:%M") if i.created else "", i.arn or "")
        for i in listing.items
    ]
    shown = f"{len(listing.items)} of {listing.total}" if listing.truncated else str(listing.total)
    console.print(table(f"{title} ({shown})", ("name", "status", "created", "arn"), rows))
    if listing.truncated:
        console.print(f"List truncated: pass --max_listed {listing.total} to see all {_noun(listing.kind)}.")


def list_command(kind: ResourceKind, name: str) -> click.Command:
    """One listing command; the seed's `list-<kind>` and the noun group's `list` are this object."""
    title = _noun(kind)
    help_text = (
        f"List the account's {title} in this region (every page; newest first where AWS dates them).\n\n"
        f"\b\nExample:\n  iotforge {name} --max_listed 100\n  iotforge {name} --output json | jq '.items[].name'"
    )

    @click.command(name, help=help_text)
    @_max_listed(DEFAULT_MAX_LISTED)
    @log_level_option
    @global_options
    @click.pass_context
    def command(ctx: click.Context, max_listed: int) -> None:
        runtime = get_runtime(ctx)
        [listing] = list_resources(runtime.wiring.inventory, [kind], max_listed)
        runtime.render.document(listing_document(listing), lambda console: show_listing(console, listing))

    return command


@click.command("list-all")
@_max_listed(LIST_ALL_MAX_LISTED)
@log_level_option
@global_options
@click.pass_context
def list_all(ctx: click.Context, max_listed: int) -> None:
    """List things, policies, roles, OTA updates, jobs, buckets and certificates.

    \b
    Example:
      iotforge list-all
      iotforge list-all --max_listed 5 --output json
    """
    runtime = get_runtime(ctx)
    listings = list_resources(runtime.wiring.inventory, LIST_ALL_ORDER, max_listed)

    def human(console: Console) -> None:
        for listing in listings:
            show_listing(console, listing)

    runtime.render.document({listing.kind: listing_document(listing) for listing in listings}, human)


LIST_COMMANDS: dict[ResourceKind, click.Command] = {
    "things": list_command("things", "list-things"),
    "policies": list_command("policies", "list-policies"),
    "certificates": list_command("certificates", "list-certificates"),
    "roles": list_command("roles", "list-iam-roles"),
    "buckets": list_command("buckets", "list-buckets"),
    "ota-updates": list_command("ota-updates", "list-ota-updates"),
    "jobs": list_command("jobs", "list-jobs"),
}
