"""Signatures made by the seed's own commands must verify, read from the files they write.

Recorded once with OpenSSL 3.0 and kept as data, so the tests need no openssl binary:

    openssl req -new -x509 -config cert_config.txt -extensions my_exts -nodes -days 36500 ...
        # cert_config.txt as in the AWS FreeRTOS guide: digitalSignature, codeSigning
    openssl dgst -sha256 -binary -out digest.bin image.bin
    openssl pkeyutl -sign -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss \
        -pkeyopt rsa_mgf1_md:sha256 -inkey rsa-3072.pem -in digest.bin -out sig.bin
    openssl base64 -A -in sig.bin -out update-signature.txt   # the Arm seeds' build
    openssl dgst -sha256 -sign ec.key -out ecsig.bin image.bin
    openssl base64 -in ecsig.bin -out ecsig.txt               # wrapped, trailing newline
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from iotforge.crypto import (
    SignatureMismatch,
    load_certificate,
    parse_signature_file,
    verify_firmware,
)

IMAGE = base64.b64decode("W+NMC79KZ0hqjahU2/cbQX4/C6nYUYR/qh7BblyL8E24kTmFvFPunTj9L3Mn6ITKPdDKTCoHN3c16BEbm9fEvw==")

RSA_CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIID/zCCAmegAwIBAgIUTUt9H8k8spoaRAC/NcHLfvwE2CUwDQYJKoZIhvcNAQEL\n"
    "BQAwFjEUMBIGA1UEAwwLc2VlZC1zaWduZXIwIBcNMjYxMTIzMjAyMzM0WhgPMjEy\n"
    "NjEwMzAyMDIzMzRaMBYxFDASBgNVBAMMC3NlZWQtc2lnbmVyMIIBojANBgkqhkiG\n"
    "9w0BAQEFAAOCAY8AMIIBigKCAYEAtBUvYQpS++TTQ2DsS6tXCo9jK/Fd+nLlECqv\n"
    "1QkZbuL11hQgUb8p+c/VeVz9AOShR4wVN0LMqC9olvS1LFag8rQBE5Y+reJkUaV/\n"
    "NP++HwjRZtbab7rcSCoaVrsqYzeifSCTDhaNyRKrruqwqXAaxN4bzsyBR15KODW6\n"
    "muM61PmD2j8Jbx4c1TMQVWSlfk53K5jD2lomcy3MB73Wa5mnfm6Nn9ioHUc//G4k\n"
    "FbtEUGIiMZ+OrUXUKRFPXOOQGJFpIEJGlMwGTCpDXAw6+hnn2aukkK6ClEyPPf9u\n"
    "nlR3lpItuFcAfX2tTHEVSLHyBm2ZfpDjWVSxvNYB8RyAZg74Et+2NrG2x8hKaQ9A\n"
    "SsrsCaREUkNlTB43jm/b26ckcrmr1hD5BovBKJQ5apYhYHCkZWESi4yGqz7u8aZ4\n"
    "iPu5i0B1N35czukPgxD62evcKHJR8htRyMHOgHl0hBYKbSx+n1hs+EnWeObt9uj/\n"
    "Bh1Umv8a6rMgQF0DPdXRfDj4P9RdAgMBAAGjQzBBMAsGA1UdDwQEAwIHgDATBgNV\n"
    "HSUEDDAKBggrBgEFBQcDAzAdBgNVHQ4EFgQUFN5XE2Oho/HEiTsvnVFet0SdZHcw\n"
    "DQYJKoZIhvcNAQELBQADggGBACxFB0ZTyNaipvkc1jtDB701ngVe6a2ZK8WnkcEl\n"
    "XmJoUc2L6NwctpHF65msi1/1CjTV72OYZgm4LGY2xbSFjiPgmdmqABmJiQdaHlLX\n"
    "OCtIE7coFo5nykQ6vLo9PfrS8RgsYj1f7iXzHPYIt+xdQORvoE4KHTCyJ6g6+lt9\n"
    "XafRm+/oQ6+JN7HYAa1ktTtAJTjA+Y2WMvIp1jxZUKTo3GoTeEGv7eQP+iS1MiJA\n"
    "y21GI2HPL10UAIeE8UaFIGdxc+uJRlMrQb2wkA4uc53siCmMqAW/xs+yaw289NN+\n"
    "gqOpljbubYYa7RprAH8XrdlvypDyRIT/h1IxYM+9nCwaMeNaEdVHzl2jW7xDjNhx\n"
    "GyC52Ez6DvMICPHJjyNfXVhQk043IxWJUM8We0WYYFyIeh1S+EWOsG+17B8HmJA7\n"
    "l9rz/tjMY1hwqRKL9GEPcGYI7X049p7WmwAQOGM/qzNm7r/FLIQN7vM/2BQldcdp\n"
    "rSBQGE7Cgcf2mK6K0hUjLTm4fQ==\n"
    "-----END CERTIFICATE-----\n"
)

# `openssl base64 -A` output: one line, no trailing newline.
RSA_UPDATE_SIGNATURE_TXT = (
    "PNUs1jD2vMRUYaGEWbMlPbIymEwEBwm3NZB5wcsgdXSmSxBYJwLaOUGu2VcWn/5bx36TvtGBCY+r"
    "xF9+poxWzwjn2F7Yz/6qRhYj360UPGBrTn069ZAvwrtTpsBzOqd8c4hjhnFuGYDNQSc8BP1qDoru"
    "VEFCajptgZUHuSYCMTNZbadfo90+j626B/NkZ/MGWQnmUS2w0dqZMXVVpf1LXmQIB2YlCXH4htRr"
    "ssfOuVv9TOUIBXm8xvBIyCOSUat78lKC41K2gS6T5Ab3eXWeSc3PJswW5+jmykyDyo2+YLN9c9Nr"
    "pAgg2EEg5ZXy4Oq/O0G90/2qowexdCi84AVgQHp0EM8zFz48xUP4ONlZEYVjczSXMrJU6gcxT7es"
    "mKiCKeroAurfZg+IaZhd05/m7ncd1DtFc4ALUI5Uz31yeU5vk7yFXbCaG/Idy8OOavF76t23+7oR"
    "RkJ4OatjJCu+t8QLrq9jvF/i8RZTiadu1Db/0AJQQ/ybskgpo2U9+V+c"
)

EC_CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBcjCCARmgAwIBAgIUDvqBFA8v4sn5rvTsouf/Kscp9FgwCgYIKoZIzj0EAwIw\n"
    "FjEUMBIGA1UEAwwLc2VlZC1zaWduZXIwIBcNMjYxMTIzMjAyMzM0WhgPMjEyNjEw\n"
    "MzAyMDIzMzRaMBYxFDASBgNVBAMMC3NlZWQtc2lnbmVyMFkwEwYHKoZIzj0CAQYI\n"
    "KoZIzj0DAQcDQgAEN499bo3TTuGoVKswFyNLhFdJfr1iisUiTBvUyEfUT1pnUJ+X\n"
    "s2N2KarSWp49JsAc6ueYJuFf/lTjrPkabelxfqNDMEEwCwYDVR0PBAQDAgeAMBMG\n"
    "A1UdJQQMMAoGCCsGAQUFBwMDMB0GA1UdDgQWBBSafjCPw86VmLiK7dFP/aH/wDPg\n"
    "zzAKBggqhkjOPQQDAgNHADBEAiAq5V7ezqvZghT1gemZav6mBCTE51j6nzC30hfs\n"
    "CZ9vwQIgErUill794ftT7DRfvtEOx0RFEwWafsR4h2eeGqFVkh8=\n"
    "-----END CERTIFICATE-----\n"
)

# `openssl base64` output: wrapped at 64 columns, with a trailing newline.
EC_SIGNATURE_TXT = (
    "MEQCIDVfpt5uQ26Qxw07th2LL0WolD84+m73nVkqAplaEDOUAiBnMH1hM+ejxOFG\nr2d6O1GIuO7HoWyOn8/xgsmxHiKMKg==\n"
)


def test_the_seed_build_writes_one_line_without_newline() -> None:
    assert "\n" not in RSA_UPDATE_SIGNATURE_TXT
    assert parse_signature_file(RSA_UPDATE_SIGNATURE_TXT) == RSA_UPDATE_SIGNATURE_TXT


def test_the_seed_rsa_pss_signature_verifies() -> None:
    verify_firmware(IMAGE, parse_signature_file(RSA_UPDATE_SIGNATURE_TXT), RSA_CERTIFICATE)


def test_the_seed_signature_uses_openssl_30s_maximum_salt() -> None:
    """Why verification must accept any salt length, as the device's PSA key policy does."""
    public = load_certificate(RSA_CERTIFICATE).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    signature = base64.b64decode(RSA_UPDATE_SIGNATURE_TXT)

    public.verify(
        signature,
        IMAGE,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
        hashes.SHA256(),
    )


def test_a_wrapped_openssl_ecdsa_signature_verifies() -> None:
    verify_firmware(IMAGE, parse_signature_file(EC_SIGNATURE_TXT), EC_CERTIFICATE)


def test_the_seed_signature_fails_for_a_changed_image() -> None:
    with pytest.raises(SignatureMismatch):
        verify_firmware(IMAGE + b"\x00", parse_signature_file(RSA_UPDATE_SIGNATURE_TXT), RSA_CERTIFICATE)
