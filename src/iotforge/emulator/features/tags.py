"""Tags on IoT resources: TagResource, UntagResource, ListTagsForResource, and tags given at creation.

moto's IoT backend keeps no tags at all, so this feature holds them for things, thing groups,
policies (moto's objects) and jobs, OTA updates and streams (ours). Each entry remembers, by weak
reference, the object it was written for: a resource deleted and created again under the same ARN
starts without tags, as in AWS.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from iotforge.emulator.features.fleet import Fleet, moto_fault, parse_iot_arn
from iotforge.emulator.routes import Call, Route
from iotforge.emulator.state import EmulatorState
from iotforge.emulator.wire import AwsFault, json_response

MAX_TAGS = 50


@dataclass
class _Tagged:
    owner: weakref.ref[Any] | None  # None: a kind of resource this emulator does not track
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class TagStore:
    entries: dict[str, _Tagged] = field(default_factory=dict)


def remember_tags(
    state: EmulatorState, account_id: str, arn: str, owner: Any, tags: list[dict[str, Any]] | None
) -> None:
    """Record the tags a Create* call gave for a new resource (replacing any of an older namesake)."""
    parsed = parse_iot_arn(arn)
    if parsed is None:
        return
    store = state.store(TagStore, account_id, parsed.region)
    store.entries[arn] = _Tagged(weakref.ref(owner), _tag_map(tags or []))


def tags_of(state: EmulatorState, account_id: str, arn: str) -> dict[str, str]:
    parsed = parse_iot_arn(arn)
    if parsed is None:
        return {}
    owner = _live_resource(state, account_id, arn)
    entry = state.store(TagStore, account_id, parsed.region).entries.get(arn)
    if entry is None or (entry.owner is not None and entry.owner() is not owner):
        return {}
    return dict(entry.tags)


def _tag_map(tags: list[dict[str, Any]]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise AwsFault(400, "InvalidRequestException", f"A resource can have at most {MAX_TAGS} tags")
    result: dict[str, str] = {}
    for tag in tags:
        key = tag.get("Key")
        if not isinstance(key, str) or not key:
            raise AwsFault(400, "InvalidRequestException", "Tag keys must be non-empty strings")
        if key.lower().startswith("aws:"):
            raise AwsFault(400, "InvalidRequestException", f"Tag keys starting with 'aws:' are reserved: {key}")
        result[key] = str(tag.get("Value", ""))
    return result


_UNTRACKED = object()


def _live_resource(state: EmulatorState, account_id: str, arn: str) -> Any:
    """The object behind the ARN, _UNTRACKED for kinds we do not track; AwsFault when it does not exist."""
    from iotforge.emulator.features.jobs_model import JobStore
    from iotforge.emulator.features.ota import OtaStore
    from iotforge.emulator.features.streams import StreamStore

    parsed = parse_iot_arn(arn)
    if parsed is None or parsed.account != account_id:
        raise AwsFault(400, "InvalidRequestException", f"Invalid resource ARN: {arn}")
    found: Any
    if parsed.kind in ("thing", "thinggroup", "policy"):
        fleet = Fleet(account_id, parsed.region)
        if parsed.kind == "thing":
            found = fleet.thing_by_arn(arn)
        elif parsed.kind == "thinggroup":
            found = fleet.group_by_arn(arn)
        else:
            found = fleet.backend.policies.get(parsed.name)
    elif parsed.kind == "job":
        found = state.store(JobStore, account_id, parsed.region).jobs.get(parsed.name)
    elif parsed.kind == "otaupdate":
        found = state.store(OtaStore, account_id, parsed.region).updates.get(parsed.name)
    elif parsed.kind == "stream":
        found = state.store(StreamStore, account_id, parsed.region).streams.get(parsed.name)
    else:
        return _UNTRACKED
    if found is None:
        raise AwsFault(404, "ResourceNotFoundException", f"The resource {arn} does not exist")
    return found


def _entry_for(call: Call, arn: str) -> _Tagged:
    owner = _live_resource(call.state, call.account_id, arn)
    parsed = parse_iot_arn(arn)
    assert parsed is not None  # _live_resource checked it
    store = call.state.store(TagStore, call.account_id, parsed.region)
    entry = store.entries.get(arn)
    ref = None if owner is _UNTRACKED else weakref.ref(owner)
    if entry is None or (entry.owner is not None and entry.owner() is not owner):
        entry = _Tagged(ref)
        store.entries[arn] = entry
    return entry


def tag_resource(call: Call) -> Response:
    body = call.json()
    arn = _required(body, "resourceArn")
    entry = _entry_for(call, arn)
    merged = {**entry.tags, **_tag_map(body.get("tags") or [])}
    if len(merged) > MAX_TAGS:
        raise AwsFault(400, "InvalidRequestException", f"A resource can have at most {MAX_TAGS} tags")
    entry.tags = merged
    return json_response({})


def untag_resource(call: Call) -> Response:
    body = call.json()
    entry = _entry_for(call, _required(body, "resourceArn"))
    for key in body.get("tagKeys") or []:
        entry.tags.pop(key, None)
    return json_response({})


def list_tags_for_resource(call: Call) -> Response:
    arn = call.request.args.get("resourceArn")
    if not arn:
        raise AwsFault(400, "InvalidRequestException", "resourceArn is required")
    entry = _entry_for(call, arn)
    return json_response({"tags": [{"Key": key, "Value": value} for key, value in entry.tags.items()]})


def _required(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise AwsFault(400, "InvalidRequestException", f"{name} is required")
    return value


def create_thing_group(call: Call) -> Response:
    """moto's CreateThingGroup, keeping the tags it drops."""
    body = call.json()
    name = call.params["thingGroupName"]
    fleet = Fleet(call.account_id, call.region)
    parent = body.get("parentGroupName")
    groups = fleet.backend.thing_groups.values()
    if parent and not any(group.thing_group_name == parent for group in groups):
        raise AwsFault(404, "ResourceNotFoundException", f"Thing group {parent} cannot be found")
    existed = {group.arn for group in groups}
    try:
        group_name, arn, group_id = fleet.backend.create_thing_group(name, parent, body.get("thingGroupProperties"))
    except Exception as error:
        raise _fault_or_raise(error) from error
    if arn not in existed:
        remember_tags(call.state, call.account_id, arn, fleet.group_by_arn(arn), body.get("tags"))
    return json_response({"thingGroupName": group_name, "thingGroupArn": arn, "thingGroupId": group_id})


def create_policy(call: Call) -> Response:
    """moto's CreatePolicy, keeping the tags it drops."""
    body = call.json()
    backend = Fleet(call.account_id, call.region).backend
    try:
        policy = backend.create_policy(
            policy_name=call.params["policyName"], policy_document=body.get("policyDocument")
        )
    except Exception as error:
        raise _fault_or_raise(error) from error
    remember_tags(call.state, call.account_id, policy.arn, policy, body.get("tags"))
    return json_response(policy.to_dict_at_creation())


def _fault_or_raise(error: Exception) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return moto_fault(error) if isinstance(error, JsonRESTError) else error


ROUTES = (
    Route("iot", "POST", "/tags", tag_resource),
    Route("iot", "POST", "/untag", untag_resource),
    Route("iot", "GET", "/tags", list_tags_for_resource),
    Route("iot", "POST", "/thing-groups/{thingGroupName}", create_thing_group),
    Route("iot", "POST", "/policies/{policyName}", create_policy),
)
