"""The emulator's WSGI application: knobs first, then our routes, then moto."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from iotforge.emulator.calls import DEFAULT_ACCOUNT_ID, CallInfo, identify
from iotforge.emulator.knobs import Knobs
from iotforge.emulator.quotas import QuotaLimiter
from iotforge.emulator.routes import Call, Route, find_route
from iotforge.emulator.state import EmulatorState
from iotforge.emulator.wire import AwsFault, error_response, json_response

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CONTROL_PREFIX = "/_iotforge/"

_EXPIRED_CODES = {"iot": "ExpiredTokenException", "iot-jobs-data": "ExpiredTokenException"}
_DENIED_CODES = {"iot": "AccessDeniedException", "iot-jobs-data": "AccessDeniedException"}
_INTERNAL_CODES = {"s3": "InternalError", "iam": "ServiceFailure", "sts": "InternalFailure"}
# The ARN resource type of each IoT REST path, for AccessDenied messages naming the resource.
_IOT_RESOURCE_TYPES = {
    "things": "thing",
    "thing-groups": "thinggroup",
    "thing-types": "thingtype",
    "billing-groups": "billinggroup",
    "policies": "policy",
    "target-policies": "policy",
    "certificates": "cert",
    "jobs": "job",
    "job-templates": "jobtemplate",
    "otaUpdates": "otaupdate",
    "streams": "stream",
    "role-aliases": "rolealias",
    "rules": "rule",
}


class EmulatorApp:
    def __init__(
        self,
        state: EmulatorState,
        moto_app: WsgiApp,
        routes: tuple[Route, ...],
        reset_moto: Callable[[], None],
        ca_pem: Callable[[], str],
    ) -> None:
        self.state = state
        self.moto_app = moto_app
        self.routes = routes
        self.limiter = QuotaLimiter()
        self._reset_moto = reset_moto
        self._ca_pem = ca_pem

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        served: Iterable[bytes]
        if request.path.startswith(CONTROL_PREFIX):
            served = self._control(request)(environ, start_response)
            return served
        info = identify(request)
        response = self._apply_knobs(info, request)
        if response is None:
            response = self._serve_own_route(info, request)
        if response is not None:
            served = response(environ, start_response)
            return served
        with self.state.moto_lock:
            return list(self.moto_app(environ, start_response))

    def _apply_knobs(self, info: CallInfo, request: Request) -> Response | None:
        knobs = self.state.knobs.knobs
        if knobs.latency_ms:
            time.sleep(knobs.latency_ms / 1000)
        if "X-Amz-Signature" in request.args or {"Signature", "Expires"} <= request.args.keys():
            return _presigned_url_expired(request)
        if info.access_key is None:
            return None
        calls = self.state.knobs.count_call(info.operation)
        if knobs.expire_credentials_after is not None and calls > knobs.expire_credentials_after:
            code = _EXPIRED_CODES.get(info.service, "ExpiredToken")
            # S3 answers an expired token with 400; the other services with 403.
            status = 400 if info.service == "s3" else 403
            return error_response(info.service, status, code, "The security token included in the request is expired")
        if info.action and info.action in knobs.deny_actions:
            code = _DENIED_CODES.get(info.service, "AccessDenied")
            message = (
                f"User: arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/emulator is not authorized to perform: "
                f"{info.action} on resource: {_resource_of(info, request)} because no identity-based policy "
                f"allows the {info.action} action"
            )
            return error_response(info.service, 403, code, message)
        if self.state.knobs.draw_fault():
            code = _INTERNAL_CODES.get(info.service, "InternalFailureException")
            return error_response(info.service, 500, code, "Internal failure (injected by --fault-rate)")
        throttled = knobs.quotas == "aws" and info.service == "iot"
        if throttled and not self.limiter.admit(info.operation or "", scope=f"{info.access_key}/{info.region}"):
            return error_response(info.service, 429, "ThrottlingException", "Rate exceeded")
        return None

    def _serve_own_route(self, info: CallInfo, request: Request) -> Response | None:
        found = find_route(self.routes, info, request)
        if found is None:
            return None
        route, params = found
        call = Call(request=request, info=info, params=params, state=self.state)
        try:
            with self.state.moto_lock:
                return route.handler(call)
        except AwsFault as fault:
            return error_response(info.service, fault.status, fault.code, fault.message)

    def _control(self, request: Request) -> Response:
        command = request.path[len(CONTROL_PREFIX) :]
        if command == "health":
            return json_response({"ok": True})
        if command == "calls":  # counted since the last reset or knob change
            return json_response(self.state.knobs.calls())
        if command == "ca":
            return Response(self._ca_pem(), mimetype="application/x-pem-file")
        if command == "reset" and request.method == "POST":
            self.reset()
            return json_response({"reset": True})
        if command == "knobs":
            if request.method == "POST":
                try:
                    knobs = self.state.knobs.knobs.updated(json.loads(request.get_data(as_text=True) or "{}"))
                except (ValueError, TypeError) as error:
                    return json_response({"error": str(error)}, status=400)
                self.set_knobs(knobs)
            return json_response(self.state.knobs.knobs.__dict__)
        return json_response({"error": f"unknown control path {request.path}"}, status=404)

    def set_knobs(self, knobs: Knobs) -> None:
        self.state.knobs.set(knobs)
        self.limiter.reset()

    def reset(self) -> None:
        with self.state.moto_lock:
            self._reset_moto()
            self.state.reset()
        self.set_knobs(Knobs())


def _resource_of(info: CallInfo, request: Request) -> str:
    """The ARN an IAM denial names: the resource in the path or parameters, else "*"."""
    segments = [segment for segment in request.path.split("/") if segment]
    if info.service == "s3":
        return f"arn:aws:s3:::{'/'.join(segments)}" if segments else "*"
    if info.service in ("iam", "sts"):
        params = {**parse_qs(request.get_data(as_text=True)), **request.args.to_dict(flat=False)}
        for parameter, kind in (("RoleArn", None), ("PolicyArn", None), ("RoleName", "role"), ("UserName", "user")):
            value = params.get(parameter, [None])[0]
            if value:
                return value if kind is None else f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:{kind}/{value}"
        return "*"
    prefix = f"arn:aws:{info.service}:{info.region}:{DEFAULT_ACCOUNT_ID}"
    kind = _IOT_RESOURCE_TYPES.get(segments[0]) if segments else None
    if kind is None or len(segments) < 2:
        return f"{prefix}:*"
    return f"{prefix}:{kind}/{segments[1]}"


def _presigned_url_expired(request: Request) -> Response | None:
    """moto serves presigned S3 URLs forever; AWS refuses them once they expire.

    SigV4 URLs carry X-Amz-Date plus X-Amz-Expires seconds; SigV2 (query string auth) URLs an
    absolute Expires in epoch seconds.
    """
    now = datetime.now(UTC)
    signed_at = request.args.get("X-Amz-Date")
    lifetime = request.args.get("X-Amz-Expires")
    legacy_expiry = request.args.get("Expires")
    try:
        if signed_at and lifetime and lifetime.isdigit():
            signed = datetime.strptime(signed_at, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            expires = signed + timedelta(seconds=int(lifetime))
        elif legacy_expiry and legacy_expiry.isdigit():
            expires = datetime.fromtimestamp(int(legacy_expiry), UTC)
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return error_response("s3", 400, "AuthorizationQueryParametersError", "Invalid presigned URL expiry")
    if now > expires:
        return error_response("s3", 403, "AccessDenied", "Request has expired")
    return None
