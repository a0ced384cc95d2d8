"""Download a firmware image from its presigned URL and check it as a device does before flashing.

The checks run in the order a device can afford them: size, SHA-256 (and MD5 where the job carries
the seed's `_crc`), then the code signature against the certificate built into the device.
"""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from iotforge import __version__
from iotforge.crypto import CryptoError, verify_firmware
from iotforge.device.document import FirmwareFile

_ERROR_BODY_BYTES = 4096
_XML_FIELD = re.compile(r"<(Code|Message)>([^<]*)</\1>")
_UNSIGNED = "the image is not signed and this device rejects unsigned images (--reject-unsigned)"


class DownloadFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# (url, byte limit, timeout seconds) -> the image; raises DownloadFailed.
Fetch = Callable[[str, int, float], bytes]


def download_image(url: str, limit: int, timeout: float) -> bytes:
    """GET the presigned URL; raise DownloadFailed naming the cause (expired URL, HTTP error, network)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DownloadFailed(f"download failed: {parts.scheme or 'no'} scheme; a presigned URL is http(s)")
    # The scheme is checked above: http(s) only, never file:// or custom schemes.
    request = urllib.request.Request(url, headers={"User-Agent": f"iotforge-device/{__version__}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise DownloadFailed(_http_failure(error)) from error
    except urllib.error.URLError as error:
        raise DownloadFailed(f"download failed: cannot reach {parts.hostname}: {error.reason}") from error
    except (OSError, TimeoutError) as error:
        raise DownloadFailed(f"download failed: {type(error).__name__}: {error}") from error
    if len(data) > limit:
        raise DownloadFailed(f"download failed: the image is larger than the {limit}-byte limit")
    return data


def _http_failure(error: urllib.error.HTTPError) -> str:
    try:
        body = error.read(_ERROR_BODY_BYTES).decode("utf-8", errors="replace")
    except OSError:
        body = ""
    fields = dict(_XML_FIELD.findall(body))
    code, message = fields.get("Code", ""), fields.get("Message", error.reason or "")
    detail = f"HTTP {error.code} {code}: {message}".replace(" : ", ": ").strip()
    if error.code == 403 and "expired" in message.lower():
        return f"download failed: the presigned URL has expired ({detail})"
    return f"download failed: {detail}"


def check_image(file: FirmwareFile, image: bytes, certificate_pem: bytes | None, reject_unsigned: bool) -> str | None:
    """Why the device refuses this image, or None when it would flash it.

    >>> from iotforge.device.document import FirmwareFile
    >>> check_image(FirmwareFile("fw", None, size=3), b"abcd", None, False)
    'size mismatch: downloaded 4 bytes, the job says 3'
    >>> check_image(FirmwareFile("fw", None, size=4), b"abcd", None, True)
    'the image is not signed and this device rejects unsigned images (--reject-unsigned)'
    """
    if file.size is not None and len(image) != file.size:
        return f"size mismatch: downloaded {len(image)} bytes, the job says {file.size}"
    for algorithm, expected in (("sha256", file.sha256), ("md5", file.md5)):
        if not expected:
            continue
        actual = hashlib.new(algorithm, image, usedforsecurity=algorithm != "md5").hexdigest()
        if actual != expected.lower():
            return f"hash mismatch: {algorithm} of the image is {actual}, the job says {expected}"
    if not file.signed:
        return _UNSIGNED if reject_unsigned else None
    if certificate_pem is None:
        return None  # the simulator was given no code-signing certificate: the signature stays unchecked
    try:
        verify_firmware(image, str(file.signature), certificate_pem)
    except CryptoError as error:
        return f"signature mismatch: {error.reason}"
    return None
