"""Crypto-level failures, each carrying a reason a person can read.

They know nothing of exit codes or hints: the layer that calls `crypto` maps them to
`IotforgeError` subclasses, so this package stays importable on its own.
"""

from __future__ import annotations


class CryptoError(Exception):
    """A key, certificate, CSR or signature could not be used; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidInput(CryptoError):
    """The input does not parse: not PEM, not base64, an empty file, an over-long name."""


class UnsupportedKey(CryptoError):
    """The key parses but is of a type or size iotforge does not generate or sign with."""


class SignatureMismatch(CryptoError):
    """A firmware signature does not verify: tampered image, wrong certificate or algorithm."""
