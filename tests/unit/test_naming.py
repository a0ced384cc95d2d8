"""AWS naming rules: each rule refused with its own message, valid names accepted."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iotforge.errors import BadInputError, ExitCode
from iotforge.workflows import naming

THING_CHARS = "abcXYZ019:_-"
IAM_CHARS = "abcXYZ019_+=,.@-"
ID_CHARS = "abcXYZ019_-"


def refusal(check: object, *args: object) -> BadInputError:
    with pytest.raises(BadInputError) as caught:
        check(*args)  # type: ignore[operator]
    error = caught.value
    assert error.exit_code == ExitCode.BAD_INPUT
    assert "\n" not in error.message
    assert error.hint
    return error


# Bucket names: one case per S3 rule, each with a message naming that rule.
BUCKET_RULES = [
    ("", "is empty"),
    ("ab", "3 to 63 characters"),
    ("a" * 64, "3 to 63 characters"),
    ("My-bucket", "capital letters"),
    ("my_bucket", "'_'"),
    ("my bucket", "a space"),
    ("my/bucket", "'/'"),
    ('my"bucket', "'\"'"),
    ("my\nbucket", "line break"),
    ("bücket", "'ü'"),
    ("-bucket", "must start with a letter or digit"),
    (".bucket", "must start with a letter or digit"),
    ("bucket-", "must end with a letter or digit"),
    ("bucket.", "must end with a letter or digit"),
    ("my..bucket", "two adjacent periods"),
    ("192.168.5.4", "IP address"),
    ("xn--bucket", "'xn--'"),
    ("sthree-bucket", "'sthree-'"),
    ("sthree-configurator-x", "'sthree-'"),
    ("amzn-s3-demo-bucket", "'amzn-s3-demo-'"),
    ("bucket-s3alias", "'-s3alias'"),
    ("bucket--ol-s3", "'--ol-s3'"),
    ("bucket.mrap", "'.mrap'"),
    ("bucket--x-s3", "'--x-s3'"),
    ("bucket--table-s3", "'--table-s3'"),
]


@pytest.mark.parametrize(("name", "expected"), BUCKET_RULES)
def test_each_bucket_rule_has_its_own_message(name: str, expected: str) -> None:
    error = refusal(naming.check_bucket_name, name)
    assert expected in error.message
    assert naming.bucket_name_problem(name) == error.message
    assert naming.bucket_name_problem(naming.suggest_bucket_name(name)) is None


def test_bucket_rule_messages_are_distinct() -> None:
    rules = {expected for _, expected in BUCKET_RULES}
    messages = {naming.bucket_name_problem(name) for name, _ in BUCKET_RULES}
    assert len(messages) >= len(rules)


@pytest.mark.parametrize(
    "name", ["abc", "a" * 63, "my-bucket.v2", "1.2.3", "192.168.5.4.5", "x-s3alias-not-end", "a.b-c"]
)
def test_valid_bucket_names_pass(name: str) -> None:
    assert naming.check_bucket_name(name) == name
    assert naming.bucket_name_problem(name) is None


def test_seed_default_bucket_name_is_explained_with_a_fix() -> None:
    error = refusal(naming.check_bucket_name, "myTestThing_bucket")
    assert "capital letters" in error.message
    assert "mytestthing-bucket" in (error.hint or "")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My_Thing_bucket", "my-thing-bucket"),
        ("", "iotforge-bucket"),
        ("a", "a-bucket"),
        ("--..--", "iotforge-bucket"),
        ("xn--foo", "xn-foo"),
        ("sthree-x", "bucket-sthree-x"),
        ("10.0.0.1", "10-0-0-1"),
        ("foo.mrap", "foo.mrap-b"),
    ],
)
def test_suggest_bucket_name(name: str, expected: str) -> None:
    assert naming.suggest_bucket_name(name) == expected


@given(st.text())
def test_suggest_bucket_name_always_gives_a_valid_name(name: str) -> None:
    assert naming.bucket_name_problem(naming.suggest_bucket_name(name)) is None


@given(st.from_regex(r"[a-z0-9]([a-z0-9-]{1,61})[a-z0-9]", fullmatch=True))
def test_generated_valid_bucket_names_pass(name: str) -> None:
    reserved = name.startswith(naming.BUCKET_RESERVED_PREFIXES) or name.endswith(tuple(naming.BUCKET_RESERVED_SUFFIXES))
    if not reserved:
        assert naming.check_bucket_name(name) == name


@given(st.text())
def test_bucket_check_only_ever_raises_bad_input(name: str) -> None:
    with contextlib.suppress(BadInputError):
        naming.check_bucket_name(name)


# Thing, policy, role, update and job names.
COMMON_MISTAKES = [
    ("", "is empty"),
    ("my thing", "a space"),
    ("my\nthing", "line break"),
    ("'thing'", "quote"),
    ('"thing"', "quote"),
    ("dir/thing", "'/'"),
    ("thïng", "non-ASCII"),
]


@pytest.mark.parametrize(
    "check",
    [
        naming.check_thing_name,
        naming.check_policy_name,
        naming.check_role_name,
        naming.check_update_name,
        naming.check_job_id,
    ],
)
@pytest.mark.parametrize(("name", "expected"), COMMON_MISTAKES)
def test_common_mistakes_get_a_clear_message(check: object, name: str, expected: str) -> None:
    assert expected in refusal(check, name).message


def test_dot_dot_is_named() -> None:
    assert "'..'" in refusal(naming.check_policy_name, "a..b").message
    assert "'..'" in refusal(naming.check_thing_name, "..").message


@pytest.mark.parametrize(
    ("check", "limit"),
    [
        (naming.check_thing_name, 128),
        (naming.check_policy_name, 128),
        (naming.check_role_name, 64),
        (naming.check_job_id, 64),
    ],
)
def test_length_limits(check: object, limit: int) -> None:
    assert check("a" * limit) == "a" * limit  # type: ignore[operator]
    error = refusal(check, "a" * (limit + 1))
    assert f"at most {limit}" in error.message


@pytest.mark.parametrize(
    ("check", "name", "bad"),
    [
        (naming.check_thing_name, "my.thing", "'.'"),
        (naming.check_thing_name, "thing@home", "'@'"),
        (naming.check_policy_name, "policy:x", "':'"),
        (naming.check_role_name, "role:x", "':'"),
        (naming.check_update_name, "update.1", "'.'"),
        (naming.check_job_id, "job:1", "':'"),
        (naming.check_thing_name, "tab\there", "a space"),
    ],
)
def test_invalid_characters_are_named_with_a_suggestion(check: object, name: str, bad: str) -> None:
    error = refusal(check, name)
    assert bad in error.message
    assert "for example" in (error.hint or "")


def test_thing_names_allow_colons_and_policies_allow_iam_punctuation() -> None:
    assert naming.check_thing_name("dev:01_a-b") == "dev:01_a-b"
    assert naming.check_policy_name("p+=,.@-_1") == "p+=,.@-_1"
    assert naming.check_role_name("Proj-r+=,.@-_1") == "Proj-r+=,.@-_1"


def test_role_prefix_is_enforced_when_given() -> None:
    assert naming.check_role_name("Proj-ota", prefix="Proj") == "Proj-ota"
    error = refusal(naming.check_role_name, "ota_role", "Proj")
    assert "'Proj-'" in error.message
    assert "Proj-ota_role" in (error.hint or "")
    refusal(naming.check_role_name, "Proj-", "Proj")


def test_role_prefix_must_leave_room_for_a_name() -> None:
    assert naming.check_role_prefix("P" * 62) == "P" * 62
    refusal(naming.check_role_prefix, "P" * 63)
    refusal(naming.check_role_prefix, "Pro j")


def test_update_name_leaves_room_for_the_ota_job_prefix() -> None:
    assert naming.check_update_name("u" * 56) == "u" * 56
    error = refusal(naming.check_update_name, "u" * 57)
    assert "AFR_OTA-" in error.message


def test_thing_base_name_fits_the_longest_generated_name() -> None:
    assert naming.check_thing_base_name("b" * 126, 9) == "b" * 126
    error = refusal(naming.check_thing_base_name, "b" * 126, 10)
    assert "b_10" in error.message or "..." in error.message
    assert "at most 125" in (error.hint or "")
    refusal(naming.check_thing_base_name, "first_project_thing", -1)
    refusal(naming.check_thing_base_name, "bad base", 3)


@given(st.text(alphabet=THING_CHARS, min_size=1, max_size=128))
def test_valid_thing_names_pass(name: str) -> None:
    assert naming.check_thing_name(name) == name


@given(st.text(alphabet=IAM_CHARS, min_size=1, max_size=64).filter(lambda n: ".." not in n))
def test_valid_role_and_policy_names_pass(name: str) -> None:
    assert naming.check_role_name(name) == name
    assert naming.check_policy_name(name) == name


@given(st.text(alphabet=ID_CHARS, min_size=1, max_size=56))
def test_valid_update_names_and_job_ids_pass(name: str) -> None:
    assert naming.check_update_name(name) == name
    assert naming.check_job_id(name) == name


@given(st.text())
def test_name_checks_only_ever_raise_bad_input(name: str) -> None:
    for check in (naming.check_thing_name, naming.check_role_name, naming.check_update_name):
        messages: list[str] = []
        try:
            check(name)
        except BadInputError as error:
            messages.append(error.message)
        assert all("\n" not in message for message in messages)
