"""aws_clientcredential*.h rewriting: only the named string literals change, byte for byte."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iotforge.errors import BadInputError
from iotforge.local import header
from iotforge.local.header import HeaderValues

ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"
THING = "first_project_thing_0"

ARM_ENDPOINT_LINE = '#define clientcredentialMQTT_BROKER_ENDPOINT    "dummy.endpointid.amazonaws.com"'
ARM_THING_LINE = '#define clientcredentialIOT_THING_NAME               "dummy_thingname"'

# FreeRTOS 2020+ layout: guarded defines with empty placeholders and a commented-out example.
FREERTOS_HEADER = """\
#ifndef __AWS_CLIENTCREDENTIAL__H__
#define __AWS_CLIENTCREDENTIAL__H__

/*
 * @todo Set this to the fully-qualified DNS name of your MQTT broker, e.g.
 * #define clientcredentialMQTT_BROKER_ENDPOINT "example.com"
 */
#ifndef clientcredentialMQTT_BROKER_ENDPOINT
    #define clientcredentialMQTT_BROKER_ENDPOINT    ""
#endif

// #define clientcredentialIOT_THING_NAME "commented-out"
#ifndef clientcredentialIOT_THING_NAME
    #define clientcredentialIOT_THING_NAME    ""   /* unique per device */
#endif

#ifndef clientcredentialMQTT_BROKER_PORT
    #define clientcredentialMQTT_BROKER_PORT    8883
#endif

#endif /* ifndef __AWS_CLIENTCREDENTIAL__H__ */
"""

# Older amazon-freertos layout: the endpoint is a static array, the thing name a define.
LEGACY_HEADER = """\
#include "aws_clientcredential_keys.h"

static const char clientcredentialMQTT_BROKER_ENDPOINT[] = "Paste AWS IoT Broker endpoint here.";

#define clientcredentialIOT_THING_NAME               "Paste AWS IoT Thing name here."
#define clientcredentialMQTT_BROKER_PORT             8883
"""

CERTIFICATE = """\
-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVGb3JUZXN0aW5nMAoGCCqGSM49BAMC
dGVzdA==
-----END CERTIFICATE-----
"""
PRIVATE_KEY = """\
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIPrivateKeyMaterialForTestsOnlyAAAAAAAAAAAAAAAAAAAAAAAAoGCCqGSM49
-----END EC PRIVATE KEY-----
"""


def arm_template() -> str:
    return header.header_template("aws_clientcredential.h")


def test_shipped_template_is_pristine_with_arms_placeholders() -> None:
    text = arm_template()
    assert ARM_ENDPOINT_LINE in text.splitlines()
    assert ARM_THING_LINE in text.splitlines()
    values = header.read_header_values(text)
    assert values == HeaderValues("dummy.endpointid.amazonaws.com", "dummy_thingname")
    assert header.is_pristine(values)


def test_rewrite_changes_only_the_two_literals() -> None:
    text = arm_template()
    expected = text.replace(
        ARM_ENDPOINT_LINE, ARM_ENDPOINT_LINE.replace("dummy.endpointid.amazonaws.com", ENDPOINT)
    ).replace(ARM_THING_LINE, ARM_THING_LINE.replace("dummy_thingname", THING))
    rewritten = header.rewrite_header(text, ENDPOINT, THING)
    assert rewritten.encode() == expected.encode()
    values = header.read_header_values(rewritten)
    assert values == HeaderValues(ENDPOINT, THING)
    assert not header.is_pristine(values)


def test_crlf_file_keeps_its_line_endings() -> None:
    text = arm_template().replace("\n", "\r\n")
    rewritten = header.rewrite_header(text, ENDPOINT, THING)
    expected = header.rewrite_header(arm_template(), ENDPOINT, THING).replace("\n", "\r\n")
    assert rewritten.encode() == expected.encode()
    assert rewritten.count("\r\n") == text.count("\r\n")
    assert "\n" not in rewritten.replace("\r\n", "")


def test_guarded_freertos_layout_ignores_comments() -> None:
    values = header.read_header_values(FREERTOS_HEADER)
    assert values == HeaderValues("", "")
    assert header.is_pristine(values)
    rewritten = header.rewrite_header(FREERTOS_HEADER, ENDPOINT, THING)
    expected = FREERTOS_HEADER.replace('ENDPOINT    ""', f'ENDPOINT    "{ENDPOINT}"').replace(
        'THING_NAME    ""', f'THING_NAME    "{THING}"'
    )
    assert rewritten == expected
    assert '#define clientcredentialMQTT_BROKER_ENDPOINT "example.com"' in rewritten
    assert '// #define clientcredentialIOT_THING_NAME "commented-out"' in rewritten


def test_legacy_static_array_layout() -> None:
    values = header.read_header_values(LEGACY_HEADER)
    assert header.is_pristine(values)
    rewritten = header.rewrite_header(LEGACY_HEADER, ENDPOINT, THING)
    assert f'ENDPOINT[] = "{ENDPOINT}";\n' in rewritten
    assert f'#define clientcredentialIOT_THING_NAME               "{THING}"\n' in rewritten
    assert len(rewritten) == len(LEGACY_HEADER) + len(ENDPOINT) + len(THING) - 35 - 30


def test_empty_values_restore_the_unconfigured_state() -> None:
    configured = header.rewrite_header(arm_template(), ENDPOINT, THING)
    cleared = header.rewrite_header(configured, "", "")
    assert header.read_header_values(cleared) == HeaderValues("", "")
    assert header.is_pristine(header.read_header_values(cleared))


def test_edited_values_are_not_pristine() -> None:
    assert not header.is_pristine(HeaderValues("", "my_thing"))
    assert not header.is_pristine(HeaderValues("x.amazonaws.com", ""))


def test_missing_defines_are_named() -> None:
    text = arm_template().replace(ARM_THING_LINE, "").replace(ARM_ENDPOINT_LINE, "")
    with pytest.raises(BadInputError) as caught:
        header.rewrite_header(text, ENDPOINT, THING)
    assert "clientcredentialMQTT_BROKER_ENDPOINT" in caught.value.message
    assert "clientcredentialIOT_THING_NAME" in caught.value.message
    only_thing = arm_template().replace(ARM_THING_LINE, "")
    with pytest.raises(BadInputError, match=r"does not define clientcredentialIOT_THING_NAME$"):
        header.read_header_values(only_thing)


@pytest.mark.parametrize(
    "line",
    [
        "#define clientcredentialIOT_THING_NAME  THING_FROM_BUILD",
        '#define clientcredentialIOT_THING_NAME  "a" "b"',
        "#define clientcredentialIOT_THING_NAME",
    ],
)
def test_a_define_that_is_not_one_string_literal_is_refused(line: str) -> None:
    text = arm_template().replace(ARM_THING_LINE, line)
    with pytest.raises(BadInputError, match="not as one string literal"):
        header.rewrite_header(text, ENDPOINT, THING)


def test_conflicting_duplicate_defines_are_refused_on_read_and_all_rewritten() -> None:
    text = arm_template() + '\n#define clientcredentialIOT_THING_NAME "other"\n'
    with pytest.raises(BadInputError, match="2 times"):
        header.read_header_values(text)
    rewritten = header.rewrite_header(text, ENDPOINT, THING)
    assert header.read_header_values(rewritten).thing_name == THING


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('my"thing', "double quote"),
        ("my\\thing", "backslash"),
        ("my\nthing", "line break"),
        ("my\rthing", "line break"),
        ("my\x00thing", "U+0000"),
        ("my\tthing", "U+0009"),
        ("mÿthing", "U+00FF"),
        ("what??/", "trigraph"),
    ],
)
def test_values_that_would_break_the_c_string_are_refused(value: str, problem: str) -> None:
    with pytest.raises(BadInputError, match="thing name") as caught:
        header.rewrite_header(arm_template(), ENDPOINT, value)
    assert problem in caught.value.message
    with pytest.raises(BadInputError, match="endpoint"):
        header.rewrite_header(arm_template(), value, THING)


printable = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1)


@given(printable.filter(lambda v: '"' not in v and "\\" not in v and "??" not in v))
def test_rewrite_then_read_round_trips(value: str) -> None:
    rewritten = header.rewrite_header(arm_template(), value, value)
    assert header.read_header_values(rewritten) == HeaderValues(value, value)
    expected = (
        arm_template()
        .replace(ARM_ENDPOINT_LINE, ARM_ENDPOINT_LINE.split('"')[0] + f'"{value}"')
        .replace(ARM_THING_LINE, ARM_THING_LINE.split('"')[0] + f'"{value}"')
    )
    assert rewritten == expected


@given(st.text(max_size=40), st.text(max_size=40))
def test_rewrite_only_ever_raises_bad_input(endpoint: str, thing_name: str) -> None:
    with contextlib.suppress(BadInputError):
        header.rewrite_header(arm_template(), endpoint, thing_name)


# aws_clientcredential_keys.h


def keys_template() -> str:
    return header.header_template("aws_clientcredential_keys.h")


def expected_block(indent: str, pem: str, eol: str = "\n") -> str:
    lines = pem.strip().splitlines()
    return f" \\{eol}{indent}".join(f'"{line}\\n"' for line in lines)


def test_render_keys_header_writes_pem_literals_and_nothing_else() -> None:
    text = keys_template()
    rendered = header.render_keys_header(text, CERTIFICATE, PRIVATE_KEY)
    expected = text.replace(
        '#define keyCLIENT_CERTIFICATE_PEM    ""',
        "#define keyCLIENT_CERTIFICATE_PEM    " + expected_block("        ", CERTIFICATE),
    ).replace(
        '#define keyCLIENT_PRIVATE_KEY_PEM    ""',
        "#define keyCLIENT_PRIVATE_KEY_PEM    " + expected_block("        ", PRIVATE_KEY),
    )
    assert rendered.encode() == expected.encode()
    assert '"-----END CERTIFICATE-----\\n"\n#endif' in rendered
    assert 'keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM    ""' in rendered


def test_render_keys_header_without_a_private_key_leaves_it_alone() -> None:
    rendered = header.render_keys_header(keys_template(), CERTIFICATE)
    assert '#define keyCLIENT_PRIVATE_KEY_PEM    ""' in rendered
    assert "BEGIN CERTIFICATE" in rendered


def test_render_keys_header_keeps_crlf() -> None:
    text = keys_template().replace("\n", "\r\n")
    rendered = header.render_keys_header(text, CERTIFICATE.replace("\n", "\r\n"), PRIVATE_KEY)
    expected = header.render_keys_header(keys_template(), CERTIFICATE, PRIVATE_KEY)
    assert rendered.encode() == expected.replace("\n", "\r\n").encode()


def test_render_keys_header_replaces_an_existing_multiline_key() -> None:
    text = (
        "/* keys */\n"
        "#define keyCLIENT_CERTIFICATE_PEM NULL /* set me */\n"
        "#define keyCLIENT_PRIVATE_KEY_PEM \\\n"
        '"-----BEGIN RSA PRIVATE KEY-----\\n"\\\n'
        '"old\\n"\\\n'
        '"-----END RSA PRIVATE KEY-----\\n"\n'
        "#endif\n"
    )
    rendered = header.render_keys_header(text, CERTIFICATE, PRIVATE_KEY)
    assert rendered.startswith("/* keys */\n#define keyCLIENT_CERTIFICATE_PEM " + '"-----BEGIN')
    assert '"-----END CERTIFICATE-----\\n" /* set me */\n' in rendered
    assert "old" not in rendered
    assert rendered.endswith('"-----END EC PRIVATE KEY-----\\n"\n#endif\n')
    assert rendered.count("#define keyCLIENT_PRIVATE_KEY_PEM \\\n") == 1


def test_commented_out_key_defines_are_not_touched() -> None:
    text = keys_template() + '\n/*\n#define keyCLIENT_CERTIFICATE_PEM "old"\n*/\n'
    rendered = header.render_keys_header(text, CERTIFICATE)
    assert '#define keyCLIENT_CERTIFICATE_PEM "old"' in rendered


@pytest.mark.parametrize(
    ("certificate", "key"),
    [
        ("not a pem", None),
        (PRIVATE_KEY, None),
        (CERTIFICATE.replace("END CERTIFICATE", "END KEY"), None),
        (CERTIFICATE, CERTIFICATE),
        (CERTIFICATE.replace("dGVzdA==", 'dGV"zdA=='), None),
    ],
)
def test_bad_pem_is_refused(certificate: str, key: str | None) -> None:
    with pytest.raises(BadInputError):
        header.render_keys_header(keys_template(), certificate, key)


def test_missing_key_macros_are_named() -> None:
    text = keys_template().replace("keyCLIENT_PRIVATE_KEY_PEM", "keySOMETHING_ELSE")
    assert header.render_keys_header(text, CERTIFICATE)  # no key requested: fine
    with pytest.raises(BadInputError, match="does not define keyCLIENT_PRIVATE_KEY_PEM"):
        header.render_keys_header(text, CERTIFICATE, PRIVATE_KEY)


def test_unknown_template_name_is_refused() -> None:
    with pytest.raises(BadInputError):
        header.header_template("../settings/aws-configs.json")
