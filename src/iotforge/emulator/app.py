"""The emulator's WSGI application: knobs first, then our routes, then moto."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

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
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)(environ, start_response)
        info = identify(request)
        response = self._apply_knobs(info, request)
        if response is None:
            response = self._serve_own_route(info, request)
        if response is not None:
            return response(environ, start_response)
        with self.state.moto_lock:
            return list(self.moto_app(environ, start_response))

    def _apply_knobs(self, info: CallInfo, request: Request) -> Response | None:
        knobs = self.state.knobs.knobs
        if knobs.latency_ms:
            time.sleep(knobs.latency_ms / 1000)
        if "X-Amz-Signature" in request.args:
            return _presigned_url_expired(request)
        if info.access_key is None:
            return None
        calls = self.state.knobs.count_call()
        if knobs.expire_credentials_after is not None and calls > knobs.expire_credentials_after:
            code = _EXPIRED_CODES.get(info.service, "ExpiredToken")
            return error_response(info.service, 403, code, "The security token included in the request is expired")
        if info.action and info.action in knobs.deny_actions:
            code = _DENIED_CODES.get(info.service, "AccessDenied")
            message = (
                f"User: arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/emulator is not authorized to perform: "
                f"{info.action} on resource: {_resource_of(info, request)} because no identity-based policy "
                "allows the action"
            )
            return error_response(info.service, 403, code, message)
        if self.state.knobs.draw_fault():
            code = _INTERNAL_CODES.get(info.service, "InternalFailureException")
            return error_response(info.service, 500, code, "Internal failure (injected by --fault-rate)")
        if knobs.quotas == "aws" and info.service == "iot" and info.operation:
            if not self.limiter.admit(info.operation):
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
    segments = [segment for segment in request.path.split("/") if segment]
    name = segments[1] if len(segments) > 1 else "*"
    return f"arn:aws:{info.service}:{info.region}:{DEFAULT_ACCOUNT_ID}:{segments[0] if segments else ''}/{name}"


def _presigned_url_expired(request: Request) -> Response | None:
    """moto serves presigned S3 URLs forever; AWS refuses them after X-Amz-Expires seconds."""
    signed_at = request.args.get("X-Amz-Date")
    lifetime = request.args.get("X-Amz-Expires")
    if not signed_at or not lifetime or not lifetime.isdigit():
        return None
    issued = datetime.strptime(signed_at, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if datetime.now(UTC) > issued + timedelta(seconds=int(lifetime)):
        return error_response("s3", 403, "AccessDenied", "Request has expired")
    return None
