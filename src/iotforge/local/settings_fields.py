"""The fields of Arm's createIoTThings.py settings file: their names, defaults and help."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

CREATE_NEW_CERTIFICATE = "CREATE_NEW_CERTIFICATE"
TARGET_APPLICATION = "target_application"
FORMAT_VARS = "format_vars"
DEFAULT_SUFFIX = "_DEFAULT"
REQUIRED_FIELDS = ("thing_name", "permissions_boundary", "role_prefix")
SEED_TARGET_APPLICATIONS = ("keyword-detection", "object-detection", "speech-recognition")
CleanBuild = Literal["auto", "true", "false"]

# Used when a field and its _DEFAULT are both empty or absent. They are the seed's _DEFAULT
# values, except where the seed's default is empty (then its example value) and for the
# bucket, whose seed default "${thing_name}_bucket" is not a valid S3 name.
BUILTIN_DEFAULTS: Mapping[str, str] = {
    "format_vars": "thing_name;role_prefix;target_application;credentials_path",
    "policy_name": "${thing_name}_policy",
    "bucket_name": "${thing_name}{lower}-bucket",
    "iam_role_name": "${role_prefix}-${thing_name}_role",
    "update_name": "${thing_name}_update",
    "existing_certificate_arn": CREATE_NEW_CERTIFICATE,
    "credentials_path": "certificates",
    "build_dir": "build",
    "ota_binary": "${target_application}-update_signed.bin",
    "skip_build": "false",
    "build_script_path": "./tools/scripts/build.sh",
    "private_key_path": "${credentials_path}/thing_private_key_${thing_name}.pem.key",
    "certificate_path": "${credentials_path}/thing_certificate_${thing_name}.pem.crt",
    "target_platform": "corstone315",
    "inference": "SOFTWARE",
    "audio": "ROM",
    "toolchain": "GNU",
    "clean_build": "auto",
}
# Settings createIoTThings.py knows but the simplified flow never reads.
IGNORED_SEED_FIELDS = ("max_listed", "force_delete")
KNOWN_FIELDS = frozenset({*REQUIRED_FIELDS, TARGET_APPLICATION, *BUILTIN_DEFAULTS, *IGNORED_SEED_FIELDS})
# The fields ResolvedSettings carries, each formatted before it is checked.
RESOLVED_FIELDS = (*REQUIRED_FIELDS, *(name for name in BUILTIN_DEFAULTS if name != FORMAT_VARS))

REQUIRED_HELP: Mapping[str, str] = {
    "thing_name": "it names your AWS IoT thing, e.g. my_device.",
    "permissions_boundary": "it is the ARN of your roles' permissions boundary policy.",
    "role_prefix": "your account's role names start with it, e.g. Proj.",
}


def target_application_hint() -> str:
    """Tell how to give a target application, naming the seed's."""
    return (
        "Pass --target-application (one of "
        f'{", ".join(SEED_TARGET_APPLICATIONS)}) or set "target_application" in the file.'
    )
