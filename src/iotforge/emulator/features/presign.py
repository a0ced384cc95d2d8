"""Replace `${aws:iot:s3-presigned-url[-v2]:<s3 url>}` in job documents with working presigned URLs.

The URLs point at the emulator itself (path style), so a device simulator can download the file.
"""

from __future__ import annotations

import re
from typing import Any

from iotforge.emulator.features.fleet import parse_s3_url

PLACEHOLDER = re.compile(r"\$\{aws:iot:s3-presigned-url(?:-v2)?:(?P<url>[^}]+)\}")
DEFAULT_EXPIRES_IN_SEC = 3600


class PresignClients:
    """S3 clients that presign against the emulator, one per base URL and region.

    Kept in the jobs store, but not across a restart (--state-dir): it pickles as an empty cache.
    """

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def __reduce__(self) -> tuple[type[PresignClients], tuple[()]]:
        return (PresignClients, ())

    def client(self, base_url: str, region: str) -> Any:
        key = f"{base_url}|{region}"
        if key not in self._clients:
            self._clients[key] = _new_client(base_url, region)
        return self._clients[key]


def substitute_presigned_urls(
    document: str, base_url: str, region: str, expires_in: int, clients: PresignClients
) -> str:
    """The document as the device receives it."""
    if "${aws:iot:s3-presigned-url" not in document:
        return document

    def presigned(found: re.Match[str]) -> str:
        location = parse_s3_url(found["url"])
        if location is None:
            return found.group(0)
        params = {"Bucket": location.bucket, "Key": location.key}
        if location.version:
            params["VersionId"] = location.version
        client = clients.client(base_url, region)
        return str(client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))

    return PLACEHOLDER.sub(presigned, document)


def _new_client(base_url: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    from iotforge.emulator.server import EMULATOR_ACCESS_KEY_ID, EMULATOR_SECRET_ACCESS_KEY

    return boto3.session.Session().client(
        "s3",
        endpoint_url=base_url,
        region_name=region,
        aws_access_key_id=EMULATOR_ACCESS_KEY_ID,
        aws_secret_access_key=EMULATOR_SECRET_ACCESS_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
