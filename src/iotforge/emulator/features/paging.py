"""Pagination and timestamps shared by the list operations of the emulator's features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from werkzeug.wrappers import Request

from iotforge.emulator.wire import AwsFault

ItemT = TypeVar("ItemT")


def page(items: Sequence[ItemT], request: Request, default_size: int = 250) -> tuple[Sequence[ItemT], str | None]:
    """One page of `items` per the request's maxResults and nextToken, and the token of the next."""
    token = request.args.get("nextToken")
    size_text = request.args.get("maxResults")
    try:
        start = int(token) if token else 0
        size = int(size_text) if size_text else default_size
    except ValueError as error:
        raise AwsFault(400, "InvalidRequestException", "The nextToken or maxResults is not valid.") from error
    if start < 0 or size < 1:
        raise AwsFault(400, "InvalidRequestException", "The nextToken or maxResults is not valid.")
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def with_token(document: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        document["nextToken"] = token
    return document


def flag(request: Request, name: str) -> bool:
    return str(request.args.get(name, "false")).lower() == "true"


def drop_none(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}
