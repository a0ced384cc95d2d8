"""The seed's settings-file commands: `create-update-simplified`, `cleanup-simplified`, and writing the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
from rich.console import Console

from iotforge.cli.commands.ota_setup import show_update
from iotforge.cli.commands.seed_options import consent, log_level_option, project_root_option, seed_option
from iotforge.cli.commands.thing import show_setup
from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import get_runtime
from iotforge.workflows.simplified import cleanup_simplified, create_update_simplified

config_option = seed_option(
    "config_file_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The settings file (default: tools/scripts/createIoTThings_settings.json, else "
    "createIoTThings_settings.json, under --project_root).",
)
target_option = seed_option(
    "target_application",
    help="keyword-detection, object-detection or speech-recognition; wins over the file's target_application.",
)


@click.command("create-update-simplified")
@config_option
@target_option
@seed_option(
    "credentials_header",
    type=click.Path(path_type=Path, dir_okay=False),
    help="aws_clientcredential.h to update (default: the target application's).",
)
@project_root_option
@log_level_option
@global_options
@click.pass_context
def create_update_simplified_command(
    ctx: click.Context,
    config_file_path: Path | None,
    target_application: str | None,
    credentials_header: Path | None,
    project_root: Path,
) -> None:
    """Thing, policy, build, bucket, role and OTA update from the settings file, reusing what fits.

    Existing entities are checked before reuse (the thing has a certificate, the certificate has
    the policy, the role's trust and permissions fit). The build script runs with the file's build
    options and -c when clean_build is true, or auto and aws_clientcredential.h changed.

    \b
    Example:
      iotforge create-settings-file            # then fill in thing_name, permissions_boundary, role_prefix
      iotforge create-update-simplified --target_application keyword-detection
    """
    runtime = get_runtime(ctx)
    wiring = runtime.wiring
    settings = wiring.seed_settings(project_root, config_file_path, target_application)
    for key in settings.ignored_keys:
        runtime.render.warn(f"{settings.source}: unknown setting {key!r} ignored")
    result = create_update_simplified(
        settings,
        wiring.simplified_gateways(),
        project_root,
        credentials_header,
        consent(runtime),
        runtime.render.progress(),
    )
    runtime.render.warnings((*result.thing.warnings, *result.update.warnings))

    def human(console: Console) -> None:
        show_setup(console, result.thing)
        command = " ".join(result.build_command) if result.build_command else "skipped (skip_build)"
        console.print(f"build: {command}")
        show_update(console, result.update)

    runtime.render.document(dataclasses.asdict(result), human)


@click.command("cleanup-simplified")
@config_option
@click.option("-e", "--extended", is_flag=True, help="Also delete the thing's key and certificate files.")
@target_option
@project_root_option
@log_level_option
@global_options
@click.pass_context
def cleanup_simplified_command(
    ctx: click.Context,
    config_file_path: Path | None,
    extended: bool,
    target_application: str | None,
    project_root: Path,
) -> int:
    """Delete what the settings file names: OTA update (job, stream), role, bucket, policy, thing.

    The update goes first because AWS IoT needs its role to delete it; certificates left unused
    are deleted. Exits 1 when something could not be deleted (listed with the reason).

    \b
    Example:
      iotforge cleanup-simplified -e
    """
    runtime = get_runtime(ctx)
    wiring = runtime.wiring
    settings = wiring.seed_settings(project_root, config_file_path, target_application, need_target=False)
    result = cleanup_simplified(settings, wiring.simplified_gateways(), extended, project_root)

    def human(console: Console) -> None:
        console.print(table(None, ("resource", "outcome", "detail"), [dataclasses.astuple(s) for s in result.steps]))

    runtime.render.document({"steps": [dataclasses.asdict(step) for step in result.steps]}, human)
    return 1 if result.failed else 0


@click.command("create-settings-file")
@seed_option(
    "config_file_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("tools/scripts/createIoTThings_settings.json"),
    show_default=True,
    help="Where to write it (relative to --project_root); an existing file is never replaced.",
)
@project_root_option
@global_options
@click.pass_context
def create_settings_file(ctx: click.Context, config_file_path: Path, project_root: Path) -> None:
    """Write the sample settings file of create-update-simplified (the seed's fields and defaults).

    \b
    Example:
      iotforge create-settings-file
      iotforge settings init --config-file-path my-settings.json
    """
    runtime = get_runtime(ctx)
    path = config_file_path if config_file_path.is_absolute() else project_root / config_file_path
    written = runtime.wiring.write_sample_settings(path)
    runtime.render.document(
        {"path": str(written)},
        lambda console: console.print(
            f"wrote {written}: fill in thing_name, permissions_boundary and role_prefix, then run "
            "`iotforge create-update-simplified`"
        ),
    )


@click.group("settings")
def settings_group() -> None:
    """The createIoTThings settings file used by create-update-simplified.

    \b
    Example:
      iotforge settings init
    """


settings_group.add_command(create_settings_file, "init")
