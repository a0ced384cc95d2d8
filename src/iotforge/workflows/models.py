"""Small frozen models the workflows pass around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class CallerIdentity:
    account: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate AWS issued; `private_key_pem` only when AWS made the key (--key-source aws)."""

    arn: str
    certificate_id: str
    pem: str
    private_key_pem: str | None = None


@dataclass(frozen=True)
class CertificateSummary:
    arn: str
    certificate_id: str
    status: str
    created: datetime


@dataclass(frozen=True)
class ThingSpec:
    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    thing_type: str | None = None
    thing_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocalThing:
    """A thing as the project folder knows it."""

    name: str
    folder: Path
    certificate_arn: str | None
    has_key: bool
    has_certificate: bool
