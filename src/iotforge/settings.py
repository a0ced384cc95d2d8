"""Settings shared by every command: where AWS is, how to talk, how to show results."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from iotforge.errors import BadInputError

OutputFormat = Literal["text", "json"]
RetryMode = Literal["standard", "adaptive"]


@dataclass(frozen=True)
class Settings:
    """Immutable per-invocation settings; built once by the CLI or by a library caller."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: OutputFormat = "text"
    assume_yes: bool = False
    verbose: bool = False
    show_progress: bool = True
    interactive: bool = False
    max_attempts: int = 8
    retry_mode: RetryMode = "standard"
    max_pool_connections: int = 64
    rate_scale: float = 1.0  # times AWS's published API rates the client paces itself to; 0: no pacing

    @property
    def json_output(self) -> bool:
        return self.output == "json"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings the way the CLI does: explicit values win, then the AWS variables."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "profile": env.get("AWS_PROFILE") or None,
            "region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            "endpoint_url": env.get("AWS_ENDPOINT_URL") or None,
        }
        attempts = env.get("IOTFORGE_MAX_ATTEMPTS")
        if attempts and attempts.isdigit():
            values["max_attempts"] = int(attempts)
        rate_scale = env.get("IOTFORGE_RATE_SCALE")
        if rate_scale:
            values["rate_scale"] = parse_rate_scale(rate_scale, "IOTFORGE_RATE_SCALE")
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]


def parse_rate_scale(text: str, source: str) -> float:
    """A --rate-scale / IOTFORGE_RATE_SCALE value: a finite number >= 0."""
    try:
        scale = float(text)
    except ValueError:
        scale = float("nan")
    if not (scale >= 0 and math.isfinite(scale)):
        raise BadInputError(
            f"{source} must be a number >= 0 (got {text!r}).",
            "Use 1 for AWS's default quotas, 2 if AWS doubled yours, 0 to turn pacing off.",
        )
    return scale
