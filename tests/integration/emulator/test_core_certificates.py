"""Certificates come from the emulator CA, for the CSR's own key, with AWS's certificateId."""

from __future__ import annotations

import hashlib
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from tests.support.emulator import EmulatorHandle

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def emulator_ca(emulator: EmulatorHandle) -> x509.Certificate:
    with urllib.request.urlopen(f"{emulator.url}/_iotforge/ca", timeout=10) as response:
        return x509.load_pem_x509_certificate(response.read())


def assert_issued_by(certificate: x509.Certificate, ca: x509.Certificate) -> None:
    assert certificate.issuer == ca.subject
    certificate.verify_directly_issued_by(ca)


def public_der(key: Any) -> bytes:
    """The SubjectPublicKeyInfo DER of a public key, or of a private key's public half."""
    if hasattr(key, "private_bytes"):
        key = key.public_key()
    return bytes(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def make_csr(key: PrivateKey, common_name: str) -> str:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "iotforge tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


KEYS = {
    "rsa-2048": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "rsa-3072": lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072),
    "ec-p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ec-p384": lambda: ec.generate_private_key(ec.SECP384R1()),
}


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_certificate_from_csr_certifies_the_csr_key_and_subject(emulator: EmulatorHandle, kind: str) -> None:
    key = KEYS[kind]()
    iot = emulator.client("iot")

    created = iot.create_certificate_from_csr(
        certificateSigningRequest=make_csr(key, f"device-{kind}"), setAsActive=True
    )

    certificate = x509.load_pem_x509_certificate(created["certificatePem"].encode())
    assert public_der(certificate.public_key()) == public_der(key)
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"device-{kind}"
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "iotforge tests"
    assert_issued_by(certificate, emulator_ca(emulator))
    expected_id = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert created["certificateId"] == expected_id
    assert created["certificateArn"] == f"arn:aws:iot:us-east-1:123456789012:cert/{expected_id}"
    described = iot.describe_certificate(certificateId=expected_id)["certificateDescription"]
    assert described["status"] == "ACTIVE"
    assert described["certificatePem"] == created["certificatePem"]


@pytest.mark.parametrize(("set_as_active", "status"), [(True, "ACTIVE"), (False, "INACTIVE"), (None, "INACTIVE")])
def test_certificate_from_csr_is_active_only_when_asked(
    emulator: EmulatorHandle, set_as_active: bool | None, status: str
) -> None:
    iot = emulator.client("iot")
    csr = make_csr(ec.generate_private_key(ec.SECP256R1()), "device")
    flag = {} if set_as_active is None else {"setAsActive": set_as_active}
    created = iot.create_certificate_from_csr(certificateSigningRequest=csr, **flag)
    assert (
        iot.describe_certificate(certificateId=created["certificateId"])["certificateDescription"]["status"] == status
    )


def test_keys_and_certificate_chain_to_the_emulator_ca(emulator: EmulatorHandle) -> None:
    created = emulator.client("iot").create_keys_and_certificate(setAsActive=False)

    certificate = x509.load_pem_x509_certificate(created["certificatePem"].encode())
    assert_issued_by(certificate, emulator_ca(emulator))
    private_key = serialization.load_pem_private_key(created["keyPair"]["PrivateKey"].encode(), password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert private_key.key_size == 2048
    assert created["keyPair"]["PrivateKey"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert created["keyPair"]["PublicKey"].startswith("-----BEGIN PUBLIC KEY-----")
    assert public_der(certificate.public_key()) == public_der(private_key)
    assert public_der(serialization.load_pem_public_key(created["keyPair"]["PublicKey"].encode())) == public_der(
        private_key
    )
    assert created["certificateId"] == hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    # The key really is the certificate's: a signature made with it verifies against the certificate.
    signature = private_key.sign(b"hello", padding.PKCS1v15(), hashes.SHA256())
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, b"hello", padding.PKCS1v15(), hashes.SHA256())


def test_ca_is_stable_across_resets(emulator: EmulatorHandle) -> None:
    before = emulator_ca(emulator)
    emulator.reset()
    assert emulator_ca(emulator) == before


@pytest.mark.parametrize(
    "csr",
    [
        "not a csr",
        make_csr(rsa.generate_private_key(public_exponent=65537, key_size=1024), "too-small"),  # noqa: S505 (refused on purpose)
    ],
    ids=["garbage", "rsa-1024"],
)
def test_bad_csr_is_invalid_request(emulator: EmulatorHandle, csr: str) -> None:
    with pytest.raises(ClientError) as caught:
        emulator.client("iot").create_certificate_from_csr(certificateSigningRequest=csr)
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_backend_level_callers_get_the_emulator_ca() -> None:
    """Code inside the emulator (bulk registration) calls moto's backend directly, not over HTTP."""
    import importlib

    from moto.iot.models import IoTBackend, iot_backends

    from iotforge.emulator import moto_patches
    from iotforge.emulator.server import Emulator

    emulator = Emulator()
    handle = EmulatorHandle(url=emulator.start())
    try:
        patched = {name: getattr(IoTBackend, name) for name in ("create_certificate_from_csr", "create_thing")}
        # Patching again (a second emulator, a reloaded module) keeps the methods already patched.
        moto_patches.apply_all(emulator.app.state)
        importlib.reload(moto_patches).apply_all(emulator.app.state)
        assert {name: getattr(IoTBackend, name) for name in patched} == patched

        key = ec.generate_private_key(ec.SECP256R1())
        backend = iot_backends["123456789012"]["eu-west-1"]
        made = backend.create_certificate_from_csr(make_csr(key, "bulk-device"), set_as_active=True)

        certificate = x509.load_pem_x509_certificate(made.certificate_pem.encode())
        assert public_der(certificate.public_key()) == public_der(key)
        assert_issued_by(certificate, emulator_ca(handle))
        described = handle.client("iot", region="eu-west-1").describe_certificate(certificateId=made.certificate_id)
        assert described["certificateDescription"]["status"] == "ACTIVE"
    finally:
        emulator.stop()
