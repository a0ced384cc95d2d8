"""Small frozen models the workflows pass around."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CallerIdentity:
    account: str
    arn: str
    user_id: str
