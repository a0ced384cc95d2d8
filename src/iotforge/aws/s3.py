"""The S3 gateway: firmware buckets (versioned, private, encrypted) and their objects (implements ObjectStore)."""

from __future__ import annotations

import hashlib
from typing import Any

from iotforge.aws.errors import error_code, translate_errors
from iotforge.aws.session import AwsSession
from iotforge.errors import AccessDeniedError, ConflictError, NotFoundError
from iotforge.workflows.ota_models import BucketSummary, StoredObject

# DeleteObjects takes at most this many keys per call.
DELETE_BATCH = 1000
NO_PUBLIC_ACCESS_BLOCK = "NoSuchPublicAccessBlockConfiguration"


class S3Gateway:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    @property
    def _client(self) -> Any:
        return self._session.client("s3")

    def create_bucket(self, name: str) -> None:
        """Create a versioned bucket that blocks public access and encrypts at rest (SSE-S3)."""
        region = self._session.region
        arguments: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":  # us-east-1 rejects its own name as a LocationConstraint
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with translate_errors(f"create bucket {name} (s3:CreateBucket)"):
            self._client.create_bucket(**arguments)
        self.secure_bucket(name)

    def secure_bucket(self, name: str) -> None:
        """Versioning on, public access blocked, default encryption: each an idempotent PUT."""
        self.enable_versioning(name)
        self.block_public_access(name)
        with translate_errors(f"turn on default encryption of {name} (s3:PutEncryptionConfiguration)"):
            self._client.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )

    def enable_versioning(self, name: str) -> None:
        with translate_errors(f"turn on versioning of {name} (s3:PutBucketVersioning)"):
            self._client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def block_public_access(self, name: str) -> None:
        with translate_errors(f"block public access to {name} (s3:PutBucketPublicAccessBlock)"):
            self._client.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )

    def bucket_is_empty(self, name: str) -> bool:
        """No object and no object version: nothing anyone relies on yet."""
        with translate_errors(f"list the versions in bucket {name} (s3:ListBucketVersions)"):
            found = self._client.list_object_versions(Bucket=name, MaxKeys=1)
        return not found.get("Versions") and not found.get("DeleteMarkers")

    def bucket_exists(self, name: str) -> bool:
        try:
            with translate_errors(f"look up bucket {name} (s3:ListBucket)"):
                self._client.head_bucket(Bucket=name)
        except NotFoundError:
            return False
        except AccessDeniedError:
            raise
        except Exception as error:
            if getattr(error, "code", None) == "403":
                raise AccessDeniedError(
                    f"Bucket {name} exists but you may not read it: another account owns it, "
                    "or your credentials lack s3:ListBucket on it.",
                    "Bucket names are global: choose another name, or use a profile that may read it.",
                    code="403",
                ) from error
            raise
        return True

    def list_buckets(self) -> list[BucketSummary]:
        found: list[BucketSummary] = []
        with translate_errors("list buckets (s3:ListAllMyBuckets)"):
            for page in self._client.get_paginator("list_buckets").paginate():
                found.extend(BucketSummary(item["Name"], item.get("CreationDate")) for item in page.get("Buckets", []))
        return found

    def delete_bucket(self, name: str, force: bool) -> None:
        """Delete the bucket; with `force`, first every object version and delete marker in it."""
        if force:
            self._empty(name)
        try:
            with translate_errors(f"delete bucket {name} (s3:DeleteBucket)"):
                self._client.delete_bucket(Bucket=name)
        except ConflictError as error:
            raise ConflictError(
                f"Bucket {name} is not empty.",
                "Add -f to delete every object version in it first (this cannot be undone).",
                code=error.code,
                operation=error.operation,
                details=error.details,
            ) from error

    def _empty(self, name: str) -> None:
        paginator = self._client.get_paginator("list_object_versions")
        with translate_errors(f"list object versions in {name} (s3:ListBucketVersions)"):
            pages = list(paginator.paginate(Bucket=name))
        doomed = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for page in pages
            for item in (*page.get("Versions", []), *page.get("DeleteMarkers", []))
        ]
        for start in range(0, len(doomed), DELETE_BATCH):
            batch = doomed[start : start + DELETE_BATCH]
            with translate_errors(f"delete objects in {name} (s3:DeleteObjectVersion)"):
                answer = self._client.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
            errors = answer.get("Errors") or []
            if errors:
                first = errors[0]
                raise ConflictError(
                    f"S3 kept {len(errors)} object versions in {name}: {first.get('Key')}: {first.get('Message')}.",
                    "Check object locks and your s3:DeleteObjectVersion permission, then retry.",
                    code=str(first.get("Code")),
                )

    def upload_object(self, bucket: str, key: str, data: bytes) -> StoredObject:
        digest = hashlib.sha256(data)
        with translate_errors(f"upload s3://{bucket}/{key} (s3:PutObject)"):
            answer = self._client.put_object(Bucket=bucket, Key=key, Body=data)
        return StoredObject(bucket, key, answer.get("VersionId"), len(data), digest.hexdigest())

    def object_exists(self, bucket: str, key: str, version_id: str | None = None) -> bool:
        arguments: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id is not None:
            arguments["VersionId"] = version_id
        try:
            with translate_errors(f"look up s3://{bucket}/{key} (s3:GetObject)"):
                self._client.head_object(**arguments)
        except NotFoundError:
            return False
        return True

    def bucket_versioning(self, name: str) -> str | None:
        """ "Enabled", "Suspended", or None when versioning was never turned on."""
        with translate_errors(f"read the versioning of {name} (s3:GetBucketVersioning)"):
            status = self._client.get_bucket_versioning(Bucket=name).get("Status")
        return str(status) if status else None

    def public_access_blocked(self, name: str) -> bool:
        """Whether all four public access block settings are on for the bucket."""
        try:
            with translate_errors(f"read the public access block of {name} (s3:GetBucketPublicAccessBlock)"):
                found = self._client.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        except Exception as error:
            if getattr(error, "code", None) == NO_PUBLIC_ACCESS_BLOCK or error_code(error) == NO_PUBLIC_ACCESS_BLOCK:
                return False
            raise
        return all(
            found.get(setting)
            for setting in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        )

    def presign_get(self, bucket: str, key: str, expires: int) -> str:
        with translate_errors(f"presign s3://{bucket}/{key}"):
            return str(
                self._client.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
                )
            )
