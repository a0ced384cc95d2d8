"""The emulator's own operations: what moto lacks or gets wrong, served before moto sees a call.

Each feature module exposes ROUTES; add a module to FEATURES to serve it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from iotforge.emulator.calls import DEFAULT_ACCOUNT_ID, CallInfo

if TYPE_CHECKING:
    from iotforge.emulator.state import EmulatorState


@dataclass(frozen=True)
class Call:
    """One request routed to an emulator handler."""

    request: Request
    info: CallInfo
    params: dict[str, str]
    state: EmulatorState
    account_id: str = DEFAULT_ACCOUNT_ID

    @property
    def region(self) -> str:
        return self.info.region

    def json(self) -> dict[str, Any]:
        raw = self.request.get_data(as_text=True)
        return json.loads(raw) if raw else {}


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str  # "/otaUpdates/{otaUpdateId}": {name} matches one segment
    handler: Handler
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        object.__setattr__(self, "_regex", re.compile(regex))

    def match(self, info: CallInfo, request: Request) -> dict[str, str] | None:
        if info.service != self.service or request.method != self.method:
            return None
        found = self._regex.fullmatch(request.path)
        return None if found is None else found.groupdict()


def all_routes() -> tuple[Route, ...]:
    from iotforge.emulator import features

    routes: list[Route] = []
    for module in features.MODULES:
        routes.extend(module.ROUTES)
    return tuple(routes)


def find_route(routes: Iterable[Route], info: CallInfo, request: Request) -> tuple[Route, dict[str, str]] | None:
    for route in routes:
        params = route.match(info, request)
        if params is not None:
            return route, params
    return None
