"""The shared call path of the IoT control-plane gateways: rate limit, translate errors, adapt to throttling."""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from iotforge.aws.errors import THROTTLING_CODES, translate_errors
from iotforge.aws.session import AwsSession
from iotforge.errors import ThrottledError
from iotforge.workflows.rate_limit import AdaptiveRateLimiter

# Calls beyond botocore's own retries when AWS still throttles: the limiter has slowed down by then.
THROTTLE_ROUNDS = 4
# Where the IoT and Jobs APIs put "there is another page" in a response.
NEXT_PAGE_TOKENS = ("nextToken", "nextMarker")


class RateLimitedApi:
    """Base of IotGateway and OtaGateway: every call waits for its operation's token bucket."""

    def __init__(self, session: AwsSession, limiter: AdaptiveRateLimiter) -> None:
        self._session = session
        self._limiter = limiter
        self._hooked: set[int] = set()

    def _client(self, service: str = "iot") -> Any:
        client = self._session.client(service)
        if id(client) not in self._hooked:
            self._hooked.add(id(client))
            # unique_id: two threads racing here still register the hook once.
            client.meta.events.register(
                f"needs-retry.{client.meta.service_model.service_name}",
                self._on_retry_decision,
                unique_id=f"iotforge-limiter-{id(self)}-{service}",
            )
        return client

    def _on_retry_decision(self, response: Any = None, operation: Any = None, **_: Any) -> None:
        """Slow down when botocore retries a throttled call, and only then.

        A retried HTTP 500 says nothing about our rate; treating it as throttling (as counting
        RetryAttempts did) cut a fleet run to half speed under a 5% fault rate.
        """
        if response is None or operation is None:
            return
        http, parsed = response
        code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        if code in THROTTLING_CODES or getattr(http, "status_code", None) == 429:
            self._limiter.throttled(operation.name)

    def _call(self, operation: str, action: str, service: str = "iot", **arguments: Any) -> dict[str, Any]:
        method = getattr(self._client(service), xform_name(operation))
        for round_number in range(THROTTLE_ROUNDS):
            self._limiter.acquire(operation)
            try:
                with translate_errors(action):
                    response: dict[str, Any] = method(**arguments)
            except ThrottledError:
                self._limiter.throttled(operation)
                if round_number == THROTTLE_ROUNDS - 1:
                    raise
                continue
            return response
        raise AssertionError("unreachable")

    def _paginate(self, operation: str, action: str, key: str, **arguments: Any) -> list[Any]:
        paginator = self._client().get_paginator(xform_name(operation))
        items: list[Any] = []
        with translate_errors(action):
            # A token before each page's request, and none after the last page: asking for a page that
            # the previous one said does not exist would halve a 10/s listing's throughput.
            self._limiter.acquire(operation)
            for page in paginator.paginate(**arguments):
                items.extend(page.get(key, []))
                if not any(page.get(token) for token in NEXT_PAGE_TOKENS):
                    break
                self._limiter.acquire(operation)
        return items
