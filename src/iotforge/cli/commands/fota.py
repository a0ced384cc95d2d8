"""`iotforge ota fota-start` and the seed's `iot-fota-start`: a FOTA job with presigned S3 URLs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from iotforge.cli.commands.ota_options import job_settings, job_settings_options, target_options
from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import get_runtime
from iotforge.workflows.fota import DEFAULT_DURATION, FotaRequest, FotaResult, start_fota


@click.command("fota-start")
@click.argument("thing_names", nargs=-1, metavar="[THING_NAME]...")
@click.argument("thing_firmware", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("s3_bucket")
@click.argument("s3_role")
@click.option(
    "--duration",
    type=int,
    default=DEFAULT_DURATION,
    show_default=True,
    help="Seconds each presigned download URL stays valid (60..3600).",
)
@target_options
@click.option("--job-id", help="Default: fota-<first target>-<unix time>, as the seed names it.")
@click.option("--signature", type=click.Path(path_type=Path, dir_okay=False), help="Plain binaries: its signature.")
@click.option("--cert", "certificate", type=click.Path(path_type=Path, dir_okay=False), help="... checked with this.")
@job_settings_options
@click.option("--description")
@global_options
@click.pass_context
def fota_start(
    ctx: click.Context,
    /,
    thing_names: tuple[str, ...],
    thing_firmware: Path,
    s3_bucket: str,
    s3_role: str,
    **options: Any,
) -> None:
    """Upload THING_FIRMWARE to S3_BUCKET and start a FOTA job for the things (and --thing-group).

    THING_FIRMWARE is the JSON `ztc link -J` writes (bytecode and, when present, VM image) or a
    plain binary. S3_BUCKET is s3://bucket[/prefix] or a bucket name; each image goes under
    <prefix>/<job id>/. S3_ROLE is the role AWS IoT assumes to presign the download URLs.

    \b
    Example:
      iotforge iot-fota-start sensor_0 fw.json s3://my-fw/fota s3-read-role --duration 600
      iotforge ota fota-start fw.bin my-fw s3-read-role --thing-group sensors --output json
    """
    runtime = get_runtime(ctx)
    disk = runtime.wiring.disk()
    settings = job_settings(options)
    signature, certificate = options["signature"], options["certificate"]
    request = FotaRequest(
        firmware=disk.read_bytes(thing_firmware),
        firmware_name=str(thing_firmware),
        bucket_location=s3_bucket,
        role=s3_role,
        things=(*thing_names, *options["things"]),
        thing_groups=options["thing_groups"],
        duration=options["duration"],
        job_id=options["job_id"],
        settings=settings,
        signature_b64=disk.read_bytes(signature).decode("utf-8", "replace") if signature else None,
        certificate_pem=disk.read_bytes(certificate) if certificate else None,
        description=options["description"],
    )
    result = start_fota(request, runtime.wiring.ota_gateways())
    runtime.render.warnings(result.warnings)
    runtime.render.document(dataclasses.asdict(result), lambda console: _show(console, result))


def _show(console: Console, result: FotaResult) -> None:
    rows = [(image.name, image.index, image.stored.size, image.stored.key) for image in result.images]
    console.print(table(f"FOTA job {result.job_id}", ("image", "slot", "bytes", "S3 key"), rows))
    console.print(f"{len(result.targets)} target(s); follow it: iotforge ota status {result.job_id} --watch")
