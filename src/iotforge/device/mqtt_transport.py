"""The Jobs data plane over MQTT: mutual TLS on port 8883 to the account's ATS endpoint, as real devices do.

Why paho-mqtt: it is pure Python and small (one wheel, no native code), and its `Client.loop()`
lets the device's own worker drive the connection, so a thousand simulated devices need no
network thread each. awsiotsdk would need the AWS CRT native library and runs its own event loop.
It is an optional extra (`pip install 'iotforge[device]'`), imported only when MQTT is used.

`JobsMqttTransport` does the Jobs request/reply mapping (mqtt_topics.py) over any `MqttLink`;
`PahoLink` is the real connection. NOTE: the paho link has not been run against AWS IoT from
this project's tests (they have no AWS account); the mapping is unit-tested broker-free.
"""

from __future__ import annotations

import itertools
import ssl
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from iotforge.device.models import DeviceIdentity, JobExecution, PendingJobs
from iotforge.device.mqtt_topics import (
    Operation,
    parse_reply,
    request_payload,
    request_topic,
    subscriptions,
    update_fields,
)
from iotforge.device.transport import TransportError, execution_from_wire, pending_from_wire
from iotforge.errors import BadInputError

MQTT_TLS_PORT = 8883
_LOOP_SLICE = 0.05
_tokens = itertools.count(1)


class MqttLink(Protocol):
    """Publish a request and return the (topic, payload) of the reply carrying its client token."""

    def exchange(self, topic: str, payload: bytes, client_token: str, timeout: float) -> tuple[str, bytes]: ...

    def close(self) -> None: ...


class JobsMqttTransport:
    def __init__(self, link: MqttLink, thing_name: str, timeout: float = 10.0) -> None:
        self._link = link
        self.thing_name = thing_name
        self._timeout = timeout

    def get_pending(self) -> PendingJobs:
        return pending_from_wire(self._call("get_pending"))

    def start_next(self, status_details: Mapping[str, str] | None = None) -> JobExecution | None:
        fields = {"statusDetails": None if status_details is None else dict(status_details)}
        execution = self._call("start_next", fields=fields).get("execution")
        return execution_from_wire(execution) if execution else None

    def describe(self, job_id: str) -> JobExecution:
        return execution_from_wire(self._call("describe", job_id)["execution"])

    def update(self, job_id: str, status: str, status_details: Mapping[str, str] | None = None) -> None:
        self._call("update", job_id, update_fields(status, status_details))

    def close(self) -> None:
        self._link.close()

    def _call(self, operation: Operation, job_id: str | None = None, fields: Mapping[str, Any] | None = None) -> Any:
        token = f"{self.thing_name[:40]}-{next(_tokens)}"
        topic = request_topic(self.thing_name, operation, job_id)
        reply_topic, payload = self._link.exchange(
            topic, request_payload(operation, token, fields), token, self._timeout
        )
        reply = parse_reply(self.thing_name, reply_topic, payload)
        if reply is None or reply.operation != operation:
            raise TransportError("UnexpectedReply", f"{operation} was answered on {reply_topic}")
        if not reply.accepted:
            raise TransportError(str(reply.body.get("code", "Rejected")), str(reply.body.get("message", "")))
        return reply.body


class PahoLink:
    """One device's MQTT connection, opened on first use and driven by the calling worker (no thread of its own)."""

    def __init__(
        self,
        identity: DeviceIdentity,
        endpoint: str,
        port: int = MQTT_TLS_PORT,
        keepalive: int = 300,
        ca_file: Path | None = None,  # default: the system trust store, which holds Amazon Root CA 1
    ) -> None:
        self._identity = identity
        self._endpoint = endpoint
        self._port = port
        self._keepalive = keepalive
        self._ca_file = ca_file
        self._client: Any = None
        self._replies: dict[str, tuple[str, bytes]] = {}
        self._acked: set[int] = set()
        self._refused: str | None = None
        self._lock = threading.Lock()  # one request at a time, whichever worker runs the device

    def exchange(self, topic: str, payload: bytes, client_token: str, timeout: float) -> tuple[str, bytes]:
        with self._lock:
            deadline = time.monotonic() + timeout
            client = self._connected(deadline)
            client.publish(topic, payload, qos=1)
            while client_token not in self._replies:
                self._loop(client, deadline, f"a reply to {topic}")
            return self._replies.pop(client_token)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.disconnect()
                self._client.loop(timeout=_LOOP_SLICE)
                self._client = None

    def _connected(self, deadline: float) -> Any:
        if self._client is not None and self._client.is_connected():
            return self._client
        client = self._new_client()
        try:
            client.connect(self._endpoint, self._port, keepalive=self._keepalive)
        except (OSError, ssl.SSLError) as error:
            raise TransportError("Unreachable", f"MQTT connect to {self._endpoint}:{self._port}: {error}") from error
        while not client.is_connected():
            self._loop(client, deadline, "CONNACK")
        pending = set()
        for topic_filter in subscriptions(self._identity.thing_name):
            _, mid = client.subscribe(topic_filter, qos=1)
            pending.add(mid)
        while not pending <= self._acked:
            self._loop(client, deadline, "SUBACK")
            if self._refused is not None:
                client.disconnect()
                raise TransportError(
                    "SubscribeRefused", f"the thing's policy refuses the Jobs topics ({self._refused})"
                )
        self._client = client
        return client

    def _new_client(self) -> Any:
        try:
            import paho.mqtt.client as mqtt
            from paho.mqtt.enums import CallbackAPIVersion
        except ImportError as error:
            raise BadInputError(
                "The MQTT transport needs paho-mqtt.", "Install it: pip install 'iotforge[device]'."
            ) from error
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self._identity.mqtt_client_id,
            protocol=mqtt.MQTTv311,
        )
        client.tls_set_context(_tls_context(self._identity.certificate_path, self._identity.key_path, self._ca_file))
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _loop(self, client: Any, deadline: float, waiting_for: str) -> None:
        if time.monotonic() > deadline:
            raise TransportError("Timeout", f"no {waiting_for} from {self._endpoint} in time")
        code = client.loop(timeout=_LOOP_SLICE)
        if code != 0:
            self._client = None
            raise TransportError("Unreachable", f"the MQTT connection to {self._endpoint} dropped (code {code})")

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        reply = parse_reply(self._identity.thing_name, str(message.topic), bytes(message.payload))
        if reply is not None and reply.client_token is not None:
            self._replies[reply.client_token] = (str(message.topic), bytes(message.payload))

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        refused = [code for code in reason_codes if getattr(code, "is_failure", False)]
        if refused:
            self._refused = str(refused[0])
        self._acked.add(mid)


def _tls_context(certificate: Path, key: Path, ca_file: Path | None) -> ssl.SSLContext:
    """Mutual TLS: the server checked against the trust store (or `ca_file`), the thing's own key pair."""
    authority = None if ca_file is None else str(ca_file)
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=authority)
    try:
        context.load_cert_chain(certfile=str(certificate), keyfile=str(key))
    except (OSError, ssl.SSLError) as error:
        raise BadInputError(
            f"Cannot load the device certificate {certificate} with its key: {error}.",
            "Run `iotforge project status PROJECT` to find incomplete things.",
        ) from error
    return context
