"""PahoLink over mutual TLS to a local MQTT broker (mosquitto) that answers the Jobs topics like AWS IoT.

Skipped where mosquitto or paho-mqtt is missing. A stand-in for AWS IoT's broker, not AWS itself:
the topics and payloads follow the AWS Jobs MQTT API (see mqtt_topics.py), answered by the
in-memory fake Jobs service.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from iotforge.device import DeviceIdentity, SimulationOptions, simulate_fleet
from iotforge.device.mqtt_transport import JobsMqttTransport, PahoLink
from tests.support.fake_jobs import FakeJobsService, FakeMqttLink

mqtt = pytest.importorskip("paho.mqtt.client")
pytestmark = pytest.mark.skipif(shutil.which("mosquitto") is None, reason="needs the mosquitto broker")


def _issue(folder: Path, name: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None) -> Any:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if name == "server":
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    certificate = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    (folder / f"{name}.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A mosquitto that requires client certificates from the test CA; (port, folder of certificates)."""
    authority = _issue(tmp_path, "ca", None)
    for name in ("server", "responder", "dev_1", "dev_2"):
        _issue(tmp_path, name, authority)
    _issue(tmp_path, "stranger", None)  # self-signed: the broker refuses it
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\ncafile {tmp_path}/ca.crt\ncertfile {tmp_path}/server.crt\n"
        f"keyfile {tmp_path}/server.key\nrequire_certificate true\nallow_anonymous true\n"
        # Started as root, mosquitto would drop to its own user, who cannot read pytest's 0700 folders.
        f"user {getpass.getuser()}\n"
    )
    log = (tmp_path / "mosquitto.log").open("w")
    process = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((tmp_path / "mosquitto.log").read_text()) from None
                time.sleep(0.05)
        yield port, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _responder(port: int, folder: Path, service: FakeJobsService) -> Any:
    """An MQTT client answering every Jobs request as AWS IoT would, on <topic>/accepted|rejected."""
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="jobs-responder")
    context = ssl.create_default_context(cafile=str(folder / "ca.crt"))
    context.load_cert_chain(str(folder / "responder.crt"), str(folder / "responder.key"))
    context.check_hostname = False
    client.tls_set_context(context)

    def answer(client: Any, userdata: Any, message: Any) -> None:
        if message.topic.endswith(("/accepted", "/rejected")):
            return
        thing = message.topic.split("/")[2]
        token = json.loads(message.payload)["clientToken"]
        topic, payload = FakeMqttLink(service, thing).exchange(message.topic, message.payload, token, 1.0)
        client.publish(topic, payload, qos=1)

    subscribed: list[int] = []
    client.on_message = answer
    client.on_subscribe = lambda client, userdata, mid, codes, properties: subscribed.append(mid)
    client.connect("127.0.0.1", port)
    client.subscribe("$aws/things/+/jobs/#", qos=1)
    client.loop_start()
    deadline = time.monotonic() + 10
    while not subscribed and time.monotonic() < deadline:
        time.sleep(0.02)
    return client


def test_devices_take_their_jobs_over_mutual_tls_mqtt(broker: tuple[int, Path]) -> None:
    port, folder = broker
    service = FakeJobsService()
    service.add_job("reboot", ["dev_1", "dev_2"], {"operation": "reboot"})
    service.add_job("update", ["dev_1"], {"operation": "configure"})
    responder = _responder(port, folder, service)
    devices = [
        DeviceIdentity(name, folder / f"{name}.crt", folder / f"{name}.key", endpoint="localhost")
        for name in ("dev_1", "dev_2", "stranger")
    ]

    def transport(identity: DeviceIdentity) -> JobsMqttTransport:
        link = PahoLink(identity, str(identity.endpoint), port, ca_file=folder / "ca.crt")
        return JobsMqttTransport(link, identity.thing_name, timeout=5.0)

    try:
        options = SimulationOptions(poll_interval=0.05, max_poll_interval=0.1, max_consecutive_errors=2)
        report = simulate_fleet(devices, transport, options)
    finally:
        responder.loop_stop()
        responder.disconnect()

    by_thing = {device.thing_name: device for device in report.devices}
    assert [job.status for job in by_thing["dev_1"].jobs] == ["SUCCEEDED", "SUCCEEDED"]
    assert [job.status for job in by_thing["dev_2"].jobs] == ["SUCCEEDED"]
    assert [status for status, _ in service.execution("dev_2", "reboot").history] == ["IN_PROGRESS", "SUCCEEDED"]
    assert by_thing["stranger"].state == "offline"  # the broker refuses a certificate from another CA
    assert "Unreachable" in str(by_thing["stranger"].error)
