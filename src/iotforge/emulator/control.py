"""Talk to a running emulator's control endpoints (loopback only)."""

from __future__ import annotations

import urllib.error
import urllib.request

from iotforge.errors import BadInputError, UnreachableError


def fetch_ca_pem(url: str | None) -> str:
    if not url:
        raise BadInputError(
            "No emulator URL given.", "Pass --url http://127.0.0.1:4566 or set AWS_ENDPOINT_URL to the emulator."
        )
    if not url.startswith(("http://", "https://")):
        raise BadInputError(f"Not an http(s) URL: {url!r}.", "Use the URL printed by `iotforge emulator start`.")
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_iotforge/ca", timeout=10) as response:  # noqa: S310
            return str(response.read().decode())
    except (urllib.error.URLError, OSError) as error:
        raise UnreachableError(
            f"Cannot reach the emulator at {url}.", "Start it with `iotforge emulator start --background`."
        ) from error
