"""Code signing for OTA images: `iotforge ota keygen | sign | verify`."""

from __future__ import annotations

from pathlib import Path

import click

from iotforge.cli.options import global_options
from iotforge.cli.runtime import get_runtime
from iotforge.crypto import CODE_SIGNING_ALGORITHMS
from iotforge.workflows.signing import generate_signing_identity, sign_image_file, verify_image_file

existing_file = click.Path(path_type=Path, dir_okay=False)


@click.command("keygen")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder.")
@click.option(
    "--algorithm",
    type=click.Choice(CODE_SIGNING_ALGORITHMS),
    default="ecdsa-p256",
    show_default=True,
    help="ecdsa-p256 (most FreeRTOS ports) or rsa-3072 (Arm Corstone reference).",
)
@click.option("--common-name", default="iotforge OTA code signing", show_default=True)
@global_options
@click.pass_context
def keygen(ctx: click.Context, out_dir: Path, algorithm: str, common_name: str) -> None:
    """Make a code-signing key (mode 0600) and a self-signed codeSigning certificate in OUT.

    Build the certificate into the device image; keep the key off shared disks. An existing key is
    never overwritten.

    \b
    Example:
      iotforge ota keygen --out ~/keys/ota
      iotforge ota keygen --out build/signing --algorithm rsa-3072
    """
    runtime = get_runtime(ctx)
    made = generate_signing_identity(
        out_dir, "rsa-3072" if algorithm == "rsa-3072" else "ecdsa-p256", common_name, runtime.wiring.disk()
    )
    document = {"key": str(made.key_path), "certificate": str(made.certificate_path), "algorithm": made.algorithm}
    runtime.render.document(
        document,
        lambda console: console.print(
            f"{made.algorithm} key {made.key_path} (0600)\ncertificate {made.certificate_path}"
        ),
    )


@click.command("sign")
@click.argument("firmware", type=existing_file)
@click.option("--key", type=existing_file, required=True, help="Code-signing private key (PEM).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Default: update-signature.txt beside it.")
@global_options
@click.pass_context
def sign(ctx: click.Context, firmware: Path, key: Path, out: Path | None) -> None:
    """Sign FIRMWARE as FreeRTOS OTA devices check it (SHA-256 with ECDSA P-256 or RSA-PSS 3072).

    The signature file holds one line of base64, byte for byte what the seed's build writes.

    \b
    Example:
      iotforge ota sign build/app.bin --key ~/keys/ota/ota-signer.key
      iotforge ota sign app.bin --key signer.key --out app.sig --output json
    """
    runtime = get_runtime(ctx)
    signed = sign_image_file(firmware, key, runtime.wiring.disk(), out)
    document = {
        "firmware": str(signed.firmware),
        "signature_file": str(signed.signature_path),
        "algorithm": signed.algorithm,
        "sha256": signed.sha256,
        "signature": signed.signature_b64,
    }
    runtime.render.document(
        document, lambda console: console.print(f"signed ({signed.algorithm}): {signed.signature_path}")
    )


@click.command("verify")
@click.argument("firmware", type=existing_file)
@click.option("--signature", type=existing_file, required=True, help="update-signature.txt (base64).")
@click.option("--cert", "certificate", type=existing_file, required=True, help="Code-signing certificate (PEM).")
@global_options
@click.pass_context
def verify(ctx: click.Context, firmware: Path, signature: Path, certificate: Path) -> None:
    """Check a signature as the device will: exit 2 with the reason when it does not match.

    \b
    Example:
      iotforge ota verify build/app.bin --signature build/update-signature.txt --cert ota-signer.crt
    """
    runtime = get_runtime(ctx)
    verified = verify_image_file(firmware, signature, certificate, runtime.wiring.disk())
    document = {"ok": True, "firmware": str(firmware), "algorithm": verified.algorithm}
    runtime.render.document(
        document, lambda console: console.print(f"signature OK ({verified.algorithm}, SHA256): {firmware}")
    )
