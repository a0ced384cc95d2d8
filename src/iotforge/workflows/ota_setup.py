"""Buckets, roles and OTA updates in the seed's vocabulary: `create-bucket-only`, `create-iam-role-only`,
`create-update-only` and `create-bucket-role-update`. The update itself is workflows/ota.py's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iotforge.errors import AccessDeniedError, BadInputError, IotforgeError, NotFoundError
from iotforge.workflows.naming import (
    check_bucket_name,
    check_policy_name,
    check_role_name,
    check_thing_name,
    check_update_name,
)
from iotforge.workflows.ota import OtaGateways, OtaRequest, OtaResult, create_ota_update
from iotforge.workflows.ota_checks import check_permissions_boundary
from iotforge.workflows.ota_models import RoleInfo
from iotforge.workflows.ota_roles import (
    OTA_ROLE_POLICY_NAME,
    check_role_fits,
    ota_role_permissions,
    ota_role_trust,
    trust_problems,
)
from iotforge.workflows.ports import ObjectStore, ProgressPort
from iotforge.workflows.resource_ports import IotResources, UserFiles
from iotforge.workflows.signing import SIGNATURE_FILE_NAME

# What Arm's createIoTThings.py puts in the job document: the file name and certificate the
# corstone3xx OTA PAL expects.
SEED_FILE_NAME_ON_DEVICE = "non_secure image"
SEED_CERTIFICATE_ON_DEVICE = "0"
READ_STATEMENT = "ReadFirmwareImages"


@dataclass(frozen=True)
class BucketResult:
    name: str
    created: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleRequest:
    name: str
    prefix: str | None = None
    permissions_boundary: str | None = None
    bucket: str | None = None  # the bucket the role may read firmware from


@dataclass(frozen=True)
class RoleResult:
    name: str
    arn: str
    created: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateRequest:
    thing_name: str
    bucket_name: str
    role_name: str
    update_name: str
    ota_binary: str
    build_dir: Path = Path("build")
    binary_dir: Path | None = None  # --ota_binary_build_dir; default: the project root, then build_dir
    project_root: Path = Path(".")
    create_bucket_and_role: bool = True  # create-bucket-role-update; False: create-update-only
    role_prefix: str | None = None
    permissions_boundary: str | None = None
    policy_name: str | None = None  # create-update-only checks the thing's policy exists
    code_signing_certificate: Path | None = None  # verify the signature before uploading
    wait_seconds: float = 300.0


@dataclass(frozen=True)
class UpdateResult:
    ota: OtaResult
    bucket: BucketResult | None = None
    role: RoleResult | None = None
    warnings: tuple[str, ...] = field(default=())


def create_bucket(storage: ObjectStore, name: str) -> BucketResult:
    """Create a versioned, private, encrypted bucket; reuse it when it is already ours."""
    check_bucket_name(name)
    if storage.bucket_exists(name):
        warnings: tuple[str, ...] = ()
        if storage.bucket_versioning(name) != "Enabled":
            warnings = (f"bucket {name} already existed without versioning, which OTA updates need",)
        return BucketResult(name, False, warnings)
    storage.create_bucket(name)
    return BucketResult(name, True)


def prefixed_role_name(name: str, prefix: str | None) -> str:
    """`PREFIX-NAME` for --role_prefix, unless the name already starts with it."""
    if prefix and not name.startswith(f"{prefix}-"):
        name = f"{prefix}-{name}"
    return check_role_name(name, prefix or None)


def create_role(request: RoleRequest, gateways: OtaGateways, *, create: bool = True) -> RoleResult:
    """Create the OTA role with least privilege, or check that an existing one fits and can be used."""
    name = prefixed_role_name(request.name, request.prefix)
    check_permissions_boundary(request.permissions_boundary)
    if request.bucket is not None:
        check_bucket_name(request.bucket)
    role = gateways.roles.get_role(name)
    if role is not None:
        return RoleResult(name, role.arn, False, tuple(_check_reused(role, request.bucket, gateways)))
    if not create:
        raise NotFoundError(f"No IAM role is named {name}.", "Create it with `iotforge create-iam-role-only`.")
    account, region = gateways.account.caller_identity().account, gateways.account.region()
    warnings = []
    if request.permissions_boundary is None:
        warnings.append(f"role {name} was created without a permissions boundary")
    arn = gateways.roles.create_role(
        name,
        ota_role_trust(account),
        request.permissions_boundary,
        "iotforge: AWS IoT OTA updates" + (f" from s3://{request.bucket}" if request.bucket else ""),
    )
    permissions = ota_role_permissions(request.bucket or "unset", arn, region, account)
    if request.bucket is None:
        permissions["Statement"] = [s for s in permissions["Statement"] if s.get("Sid") != READ_STATEMENT]
        warnings.append(f"role {name} may read no firmware yet: give it a bucket with --bucket_name")
    gateways.roles.put_role_policy(name, OTA_ROLE_POLICY_NAME, permissions)
    return RoleResult(name, arn, True, tuple(warnings))


def _check_reused(role: RoleInfo, bucket: str | None, gateways: OtaGateways) -> list[str]:
    warnings: list[str] = []
    problems = check_role_fits(role, bucket) if bucket else trust_problems(role)
    reading = [problem for problem in problems if "s3:" in problem]
    if bucket and reading and len(reading) == len(problems) and OTA_ROLE_POLICY_NAME in role.inline_policies:
        # iotforge made this role for another bucket: widen its own policy to this bucket too.
        document = _with_bucket(role.inline_policies[OTA_ROLE_POLICY_NAME], bucket)
        gateways.roles.put_role_policy(role.name, OTA_ROLE_POLICY_NAME, document)
        warnings.append(f"role {role.name} may now also read firmware from bucket {bucket}")
        problems = []
    if problems:
        raise IotforgeError(
            f"Role {role.name} exists but cannot run OTA updates: " + "; ".join(problems) + ".",
            "Fix the role, or name a new one (iotforge creates it with the trust and permissions OTA updates need).",
        )
    if _caller_must_assume(role):
        reason = gateways.roles.can_assume(role.arn)
        if reason is not None:
            raise AccessDeniedError(_cannot_assume(role, reason, gateways.account.caller_identity().account), _HINT)
    return warnings


_HINT = (
    "Use credentials of the account that created the role, or let iotforge create a new role: "
    "its roles trust only AWS IoT, so nobody has to assume them."
)


def _cannot_assume(role: RoleInfo, reason: str, account: str) -> str:
    owner = role.arn.split(":")[4] if role.arn.count(":") >= 5 else "?"
    where = f" The role belongs to account {owner}; your credentials to account {account}." if owner != account else ""
    return (
        f"You cannot assume role {role.name} ({reason}). Reusing a role for an OTA update means you must be able "
        "to assume it, which usually means your credentials (AWS_ACCESS_KEY_ID ...) belong to the account that "
        f"created the role.{where}"
    )


def _caller_must_assume(role: RoleInfo) -> bool:
    """Roles made by createIoTThings.py trust the user who made them: such roles are assumed by people."""
    statements = role.trust_document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if statement.get("Effect") == "Allow" and isinstance(principal, dict) and principal.get("AWS"):
            return True
    return False


def _with_bucket(document: dict[str, Any], bucket: str) -> dict[str, Any]:
    updated = copy.deepcopy(document)
    resource = f"arn:aws:s3:::{bucket}/*"
    for statement in updated.get("Statement", []):
        if statement.get("Sid") == READ_STATEMENT:
            current = statement.get("Resource", [])
            statement["Resource"] = [*(current if isinstance(current, list) else [current]), resource]
            return updated
    updated.setdefault("Statement", []).append(
        {
            "Sid": READ_STATEMENT,
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": resource,
        }
    )
    return updated


def create_update(
    request: UpdateRequest,
    gateways: OtaGateways,
    registry: IotResources,
    files: UserFiles,
    progress: ProgressPort | None = None,
) -> UpdateResult:
    """Upload the signed binary and create the OTA update for the thing (bucket and role first, if asked)."""
    role_name = prefixed_role_name(request.role_name, request.role_prefix)
    check_thing_name(request.thing_name)
    check_update_name(request.update_name)
    check_bucket_name(request.bucket_name)
    check_permissions_boundary(request.permissions_boundary)
    if request.policy_name is not None:
        check_policy_name(request.policy_name)
    signature = read_signature(request.project_root / request.build_dir, files)
    firmware_path, firmware = _read_firmware(request, files)
    certificate = None
    if request.code_signing_certificate is not None:
        certificate = files.read_optional(request.code_signing_certificate)
        if certificate is None:
            raise BadInputError(f"{request.code_signing_certificate} does not exist.", "Check --cert.")
    if not registry.thing_exists(request.thing_name):
        raise NotFoundError(f"No thing is named {request.thing_name}.", "Create it with `create-thing-and-policy`.")
    if request.policy_name is not None and not registry.policy_exists(request.policy_name):
        raise NotFoundError(f"No policy is named {request.policy_name}.", "Create it with `create-policy-only`.")
    bucket: BucketResult | None = None
    if request.create_bucket_and_role:
        bucket = create_bucket(gateways.storage, request.bucket_name)
    elif not gateways.storage.bucket_exists(request.bucket_name):
        raise NotFoundError(f"No bucket is named {request.bucket_name}.", "Create it with `create-bucket-only`.")
    role_request = RoleRequest(role_name, None, request.permissions_boundary, request.bucket_name)
    role = create_role(role_request, gateways, create=request.create_bucket_and_role)
    ota = create_ota_update(
        OtaRequest(
            update_id=request.update_name,
            firmware=firmware,
            firmware_name=firmware_path.name,
            bucket=request.bucket_name,
            role_name=role_name,
            things=(request.thing_name,),
            signature_b64=signature,
            certificate_pem=certificate,
            check_role=False,  # create_role checked it, and may have widened it
            name_on_device=SEED_FILE_NAME_ON_DEVICE,
            certificate_path_on_device=SEED_CERTIFICATE_ON_DEVICE,
            wait_seconds=request.wait_seconds,
        ),
        gateways,
        progress,
    )
    warnings = (*(bucket.warnings if bucket else ()), *role.warnings, *ota.warnings)
    return UpdateResult(ota, bucket, role, warnings)


def read_signature(build_dir: Path, files: UserFiles) -> str:
    """The text of BUILD_DIR/update-signature.txt, which the application's build writes."""
    path = build_dir / SIGNATURE_FILE_NAME
    found = files.read_optional(path)
    if found is None:
        raise BadInputError(
            f"The OTA update signature was not found at {path}; without it no OTA update can be made.",
            "Build the application first (its build writes update-signature.txt), or pass --build_dir.",
        )
    try:
        return found.decode("ascii")
    except UnicodeDecodeError as error:
        raise BadInputError(f"{path} is not a base64 signature.", "Rebuild to regenerate it.") from error


def _read_firmware(request: UpdateRequest, files: UserFiles) -> tuple[Path, bytes]:
    if request.binary_dir is not None:
        places = [request.project_root / request.binary_dir]
    else:
        places = [request.project_root, request.project_root / request.build_dir]
    for folder in places:
        found = files.read_optional(folder / request.ota_binary)
        if found is not None:
            return folder / request.ota_binary, found
    searched = " or ".join(str(folder / request.ota_binary) for folder in places)
    raise BadInputError(
        f"The OTA binary {request.ota_binary} is not at {searched}.",
        "Pass --ota_binary NAME and --ota_binary_build_dir DIR for where the signed update binary is.",
    )
