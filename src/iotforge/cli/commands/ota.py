"""`iotforge ota ...`: signed FreeRTOS OTA updates, FOTA jobs, and their follow-up commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from iotforge.cli.commands import fota, ota_jobs, ota_signing
from iotforge.cli.commands.ota_options import job_settings, job_settings_options, target_options
from iotforge.cli.options import global_options
from iotforge.cli.runtime import get_runtime
from iotforge.errors import BadInputError
from iotforge.workflows.ota import DEFAULT_CERT_PATH_ON_DEVICE, OtaRequest, OtaResult, create_ota_update
from iotforge.workflows.signing import SIGNATURE_FILE_NAME

file_path = click.Path(path_type=Path, dir_okay=False)


@click.command("create")
@click.argument("firmware", type=file_path)
@click.option("--update-id", required=True, help="OTA update id; its job is AFR_OTA-<id>.")
@click.option("--bucket", required=True, help="Versioned S3 bucket for the image.")
@click.option("--key", help="S3 key (default: <update-id>/<firmware file name>).")
@click.option("--create-bucket", is_flag=True, help="Create the bucket if missing (versioned, private, SSE-S3).")
@click.option("--role", "role_name", required=True, help="IAM role AWS IoT uses for the update.")
@click.option("--create-role", is_flag=True, help="Create the role with least privilege if missing.")
@click.option("--permissions-boundary", metavar="ARN", help="Permissions boundary for a created role.")
@click.option("--no-role-check", is_flag=True, help="Reuse the role without checking its policies.")
@click.option("--signature", type=file_path, help=f"Signature file (default: {SIGNATURE_FILE_NAME} beside FIRMWARE).")
@click.option("--cert", "certificate", type=file_path, help="Code-signing certificate: verify before uploading.")
@click.option("--signer-profile", help="Sign with this AWS Signer profile instead of a signature file.")
@click.option(
    "--signature-algorithm",
    type=click.Choice(["ECDSA", "RSA"]),
    help="Default: from --cert, else from the signature's size.",
)
@target_options
@click.option(
    "--protocol",
    "protocols",
    type=click.Choice(["MQTT", "HTTP"]),
    multiple=True,
    help="How devices download: MQTT (default), HTTP, or both.",
)
@click.option(
    "--cert-path-on-device",
    default=DEFAULT_CERT_PATH_ON_DEVICE,
    show_default=True,
    help="certfile in the job document; most FreeRTOS ports use their built-in certificate (Arm's script: 0).",
)
@click.option("--file-name-on-device", help="filepath in the job document (default: the firmware file name).")
@click.option("--file-type", type=click.IntRange(0, 255), help="fileType for the device's OTA PAL.")
@job_settings_options
@click.option("--presigned-url-expires", type=int, metavar="SECONDS", help="HTTP URL lifetime (60..3600).")
@click.option("--description")
@click.option("--no-wait", is_flag=True, help="Return once AWS accepted the request.")
@click.option("--timeout", type=click.FloatRange(1), default=300, show_default=True, help="Seconds to wait.")
@global_options
@click.pass_context
def create(ctx: click.Context, /, firmware: Path, **options: Any) -> None:
    """Upload FIRMWARE, pin its S3 version, and create a FreeRTOS OTA update for things or groups.

    The signature (update-signature.txt, as `iotforge ota sign` or the seed's build writes it) is
    checked against --cert before anything is uploaded. Waits for CREATE_COMPLETE and reports
    AWS's reason when the update fails. Rerunning the same command resumes an interrupted one.

    \b
    Example:
      iotforge ota create build/app.bin --update-id app-1-2-0 --bucket my-fw --create-bucket \\
          --role my-ota-role --create-role --thing-group sensors --cert ota-signer.crt \\
          --max-per-minute 50 --abort-failure-percent 20 --abort-min-executed 10
    """
    runtime = get_runtime(ctx)
    disk = runtime.wiring.disk()
    settings = job_settings(options)
    signer_profile = options["signer_profile"]
    signature_path = options["signature"] or (None if signer_profile else firmware.parent / SIGNATURE_FILE_NAME)
    if signer_profile and options["signature"]:
        raise BadInputError("Pass --signature or --signer-profile, not both.", None)
    if signature_path is not None and options["signature"] is None and not signature_path.is_file():
        raise BadInputError(
            f"No signature: {signature_path} does not exist.",
            "Sign the image (iotforge ota sign FIRMWARE --key KEY), pass --signature FILE, or --signer-profile NAME.",
        )
    certificate = options["certificate"]
    request = OtaRequest(
        update_id=options["update_id"],
        firmware=disk.read_bytes(firmware),
        firmware_name=firmware.name,
        bucket=options["bucket"],
        role_name=options["role_name"],
        things=options["things"],
        thing_groups=options["thing_groups"],
        signature_b64=disk.read_bytes(signature_path).decode("utf-8", "replace") if signature_path else None,
        certificate_pem=disk.read_bytes(certificate) if certificate else None,
        signer_profile=signer_profile,
        key=options["key"],
        create_bucket=options["create_bucket"],
        create_role=options["create_role"],
        permissions_boundary=options["permissions_boundary"],
        check_role=not options["no_role_check"],
        protocols=tuple(options["protocols"]) or ("MQTT",),
        name_on_device=options["file_name_on_device"],
        certificate_path_on_device=options["cert_path_on_device"],
        signature_algorithm=options["signature_algorithm"],
        file_type=options["file_type"],
        settings=settings,
        presigned_url_expires=options["presigned_url_expires"],
        description=options["description"],
        wait=not options["no_wait"],
        wait_seconds=options["timeout"],
    )
    result = create_ota_update(request, runtime.wiring.ota_gateways(), runtime.render.progress())
    runtime.render.warnings(result.warnings)
    runtime.render.document(dataclasses.asdict(result), lambda console: _show_created(console, result))


def _show_created(console: Console, result: OtaResult) -> None:
    verb = "resumed" if result.resumed else "created"
    console.print(f"OTA update {result.update_id} {verb}: {result.status}; job {result.job_id}")
    if result.key:
        console.print(f"image s3://{result.bucket}/{result.key} (version {result.version_id})")
    made = [what for what, flag in (("bucket", result.bucket_created), ("role", result.role_created)) if flag]
    if made:
        console.print(f"created: {', '.join(made)}")
    console.print(f"follow it: iotforge ota status {result.update_id} --watch")


@click.group("ota")
def ota_group() -> None:
    """Signed OTA updates: keys, signatures, FreeRTOS OTA updates, FOTA jobs, status.

    \b
    Example:
      iotforge ota keygen --out keys && iotforge ota sign app.bin --key keys/ota-signer.key
      iotforge ota create app.bin --update-id v2 --bucket fw --role ota --thing dev-1 --cert keys/ota-signer.crt
      iotforge ota status v2 --watch
    """


for command in (
    ota_signing.keygen,
    ota_signing.sign,
    ota_signing.verify,
    create,
    fota.fota_start,
    *ota_jobs.COMMANDS,
):
    ota_group.add_command(command)

# The Zerynth toolchain's `ztc aws` name, and the spelling its documentation also uses.
SEED_COMMANDS = {"iot-fota-start": fota.fota_start, "iot-fota_start": fota.fota_start}
