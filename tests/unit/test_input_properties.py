"""Properties the input checks keep for any input (adds to test_naming, test_settings_file, test_firmware)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iotforge.errors import BadInputError
from iotforge.local.settings_file import format_value
from iotforge.workflows.firmware import parse_firmware
from iotforge.workflows.naming import THING_NAME_MAX, check_thing_base_name, check_thing_name

THING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-"
valid_thing_names = st.text(alphabet=THING_CHARS, min_size=1, max_size=THING_NAME_MAX)
# What people paste into names, each with the words its message must contain.
MISTAKES = {
    " ": "space",
    "\t": "space",
    "/": "'/'",
    "'": "quote",
    '"': "quote",
    "`": "quote",
    "\n": "line break",
    "é": "non-ASCII",
    "ü": "non-ASCII",
    "@": "'@'",
    "#": "'#'",
    "*": "'*'",
}


@given(valid_thing_names, st.integers(min_value=0, max_value=10**7))
def test_a_base_name_is_accepted_exactly_when_its_last_thing_name_fits(base: str, highest: int) -> None:
    fits = len(f"{base}_{highest}") <= THING_NAME_MAX
    if fits:
        assert check_thing_base_name(base, highest) == base
    else:
        with pytest.raises(BadInputError) as caught:
            check_thing_base_name(base, highest)
        assert str(THING_NAME_MAX) in caught.value.message
        assert caught.value.hint


@given(valid_thing_names, st.sampled_from(sorted(MISTAKES)), st.integers(min_value=0, max_value=THING_NAME_MAX))
def test_a_name_with_a_pasted_character_is_refused_naming_it(name: str, mistake: str, at: int) -> None:
    broken = name[:at] + mistake + name[at:]
    with pytest.raises(BadInputError) as caught:
        check_thing_name(broken)
    assert MISTAKES[mistake] in caught.value.message
    assert "\n" not in caught.value.message  # one line, even for a name with a line break


# The formatter, against a model: a template is literal text and references, and it formats to
# the concatenation of each piece's meaning.
literals = st.text(alphabet=st.characters(blacklist_characters="${}"), max_size=8)
variable_names = st.sampled_from(["thing_name", "role_prefix", "target_application"])
operands = st.text(alphabet="abcXYZ019_-.", min_size=1, max_size=4)
references = st.one_of(
    st.tuples(variable_names, st.just("plain"), st.just(("", ""))),
    st.tuples(variable_names, st.just("lower"), st.just(("", ""))),
    st.tuples(variable_names, st.just("replace"), st.tuples(operands, operands | st.just(""))),
)
values = st.text(alphabet="abcABCxyzXYZ019_-.", max_size=12)


@given(st.lists(st.one_of(literals, references), max_size=6), values, values, values)
def test_a_template_formats_to_the_concatenation_of_its_pieces(
    pieces: list[object], thing: str, prefix: str, application: str
) -> None:
    variables = {"thing_name": thing, "role_prefix": prefix, "target_application": application}
    template, expected = "", ""
    for piece in pieces:
        if isinstance(piece, str):
            template, expected = template + piece, expected + piece
            continue
        assert isinstance(piece, tuple)
        name, kind, (old, new) = piece
        if kind == "plain":
            template, expected = template + f"${{{name}}}", expected + variables[name]
        elif kind == "lower":
            template, expected = template + f"${{{name}}}{{lower}}", expected + variables[name].lower()
        else:
            template += f"${{{name}}}{{replace {old} with {new}}}"
            expected += variables[name].replace(old, new)
    assert format_value(template, variables) == expected


@given(literals, st.sampled_from(["{", "}"]), literals)
def test_a_stray_brace_in_text_is_refused_with_its_position(before: str, brace: str, after: str) -> None:
    with pytest.raises(BadInputError) as caught:
        format_value(before + brace + after, {}, field="bucket_name")
    assert "unbalanced" in caught.value.message
    assert f"character {len(before) + 1}" in caught.value.message
    assert '"bucket_name"' in caught.value.message


# The firmware parser: a JSON document is either a Zerynth image or refused, never a "binary".
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@given(st.dictionaries(st.text(max_size=8).filter(lambda key: key != "bcbin"), json_values, max_size=5))
def test_a_json_object_without_bcbin_is_refused(document: dict[str, object]) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_firmware(json.dumps(document).encode(), "fw.json")
    assert "bcbin" in caught.value.message
    assert "fw.json" in caught.value.message


@given(st.binary(min_size=1, max_size=64), st.sampled_from("!#%&*?~"), st.integers(min_value=0, max_value=200))
def test_bcbin_with_a_character_base64_lacks_is_refused(image: bytes, junk: str, at: int) -> None:
    encoded = base64.b64encode(image).decode()
    at %= len(encoded) + 1
    document = {"bcbin": encoded[:at] + junk + encoded[at:], "bc_idx": 0}
    with pytest.raises(BadInputError) as caught:
        parse_firmware(json.dumps(document).encode(), "fw.json")
    assert "base64" in caught.value.message
