"""Addresses for tests that must prove no remote call was made."""

from __future__ import annotations

import socket


def closed_port_url() -> str:
    """A 127.0.0.1 URL nothing listens on: a remote call there ends in exit 10, never 2."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return f"http://127.0.0.1:{port}"
