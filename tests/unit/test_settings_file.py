"""The seed's JSON settings file: fields, defaults, the formatter and every refusal."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iotforge.errors import BadInputError, ExitCode
from iotforge.local import settings_file as sf

BOUNDARY = "arn:aws:iam::123456789012:policy/ProjBoundary"
CERT_ARN = "arn:aws:iot:eu-west-1:123456789012:cert/" + "ab" * 32
VARS = {"thing_name": "myTestThing"}


def sample() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(sf.sample_settings_text())
    return raw


def filled(**changes: Any) -> dict[str, Any]:
    raw = sample()
    raw.update(thing_name="myTestThing", permissions_boundary=BOUNDARY, role_prefix="Proj")
    raw.update(changes)
    return raw


def minimal(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "thing_name": "myTestThing",
        "permissions_boundary": BOUNDARY,
        "role_prefix": "Proj",
    }
    raw.update(changes)
    return raw


def resolve(raw: dict[str, Any], target: str | None = "keyword-detection") -> sf.ResolvedSettings:
    return sf.resolve_settings(raw, target_application_override=target)


def refusal(raw: dict[str, Any], target: str | None = "keyword-detection") -> BadInputError:
    with pytest.raises(BadInputError) as caught:
        resolve(raw, target)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert caught.value.hint
    return caught.value


# The formatter, with the seed's own examples.


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${thing_name}{lower}", "mytestthing"),
        ("${thing_name}{replace my with some}", "someTestThing"),
        ("${thing_name}", "myTestThing"),
        ("${thing_name}{replace{my with some}}", "someTestThing"),
        ("${thing_name}{replace My with some}", "myTestThing"),
        ("${thing_name}{replace Thing with }", "myTest"),
        ("${thing_name}{lower}-bucket", "mytestthing-bucket"),
        ("${thing_name}_policy", "myTestThing_policy"),
        ("a-${thing_name}-${thing_name}{lower}", "a-myTestThing-mytestthing"),
        ("cost $5", "cost $5"),
        ("", ""),
    ],
)
def test_formatter_examples(template: str, expected: str) -> None:
    assert sf.format_value(template, VARS) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${thing_name}{lower}{replace A with B}", "chained formatters"),
        ("${thing_name}{replace a with b}{lower}", "chained formatters"),
        ("${thing_name}{replace my some}", 'without " with "'),
        ("${thing_name}{replace{my some}}", 'without " with "'),
        ("${thing_name}{replace  with x}", "nothing to replace"),
        ("${thing_name}{upper}", "unknown formatter {upper}"),
        ("${thing_name}{}", "unknown formatter {}"),
        ("${thing_name}{lower", "unbalanced"),
        ("name}", "unbalanced '}'"),
        ("{name", "unbalanced '{'"),
        ("${thing_name", 'unclosed "${"'),
        ("${thing name}", "not a variable name"),
        ("${}", "not a variable name"),
        ("${thing_nme}", "not a format variable"),
    ],
)
def test_formatter_refusals_name_the_field(template: str, expected: str) -> None:
    with pytest.raises(BadInputError) as caught:
        sf.format_value(template, VARS, field="policy_name")
    assert expected in caught.value.message
    assert '"policy_name"' in caught.value.message


@given(st.text().filter(lambda text: "{" not in text and "}" not in text))
def test_text_without_braces_comes_back_unchanged(text: str) -> None:
    assert sf.format_value(text, VARS) == text


@given(st.text())
def test_lower_is_the_lowercase_value(value: str) -> None:
    assert sf.format_value("${v}{lower}", {"v": value}) == value.lower()


@given(st.text(min_size=1), st.text(), st.text())
def test_replace_matches_str_replace(value: str, old: str, new: str) -> None:
    if old and " with " not in old and not set("{}") & set(old + new) and old[0] != " ":
        template = f"${{v}}{{replace {old} with {new}}}"
        assert sf.format_value(template, {"v": value}) == value.replace(old, new)


@given(st.text(), st.dictionaries(st.text(), st.text(), max_size=3))
def test_formatter_only_ever_raises_bad_input(template: str, variables: dict[str, str]) -> None:
    with contextlib.suppress(BadInputError):
        sf.format_value(template, variables)


@given(
    st.dictionaries(
        st.sampled_from(sorted(sf.KNOWN_FIELDS | {"format_vars", "policy_name_DEFAULT", "x"})),
        st.one_of(st.text(max_size=30), st.none(), st.booleans(), st.integers()),
    )
)
def test_resolution_only_ever_raises_bad_input(raw: dict[str, Any]) -> None:
    with contextlib.suppress(BadInputError):
        resolve(raw)


# Fields, defaults and the command line.


def test_sample_file_resolves_once_the_required_fields_are_filled() -> None:
    settings = resolve(filled())
    assert settings.thing_name == "myTestThing"
    assert settings.policy_name == "myTestThing_policy"
    assert settings.bucket_name == "mytestthing-bucket"
    assert settings.iam_role_name == "Proj-myTestThing_role"
    assert settings.update_name == "myTestThing_update"
    assert settings.existing_certificate_arn is None
    assert settings.credentials_path == Path("certificates")
    assert settings.build_dir == Path("build")
    assert settings.ota_binary == "keyword-detection-update_signed.bin"
    assert settings.skip_build is False
    assert settings.build_script_path == Path("tools/scripts/build.sh")
    assert settings.private_key_path == Path("certificates/thing_private_key_myTestThing.pem.key")
    assert settings.certificate_path == Path("certificates/thing_certificate_myTestThing.pem.crt")
    assert (settings.target_platform, settings.inference) == ("corstone315", "SOFTWARE")
    assert (settings.audio, settings.toolchain, settings.clean_build) == ("ROM", "GNU", "auto")
    assert settings.ignored_keys == ()
    assert settings.bucket_name_problem() is None


def test_sample_file_is_the_seed_documented_file() -> None:
    raw = sample()
    assert raw["bucket_name"] == "${thing_name}{lower}-bucket"
    assert raw["bucket_name_DEFAULT"] == "${thing_name}_bucket"
    assert raw["existing_certificate_arn"] == sf.CREATE_NEW_CERTIFICATE
    assert all(isinstance(value, str) for value in raw.values())
    fields = [*sf.REQUIRED_FIELDS, "target_application", "format_vars", *sf.BUILTIN_DEFAULTS]
    defaults = [f"{name}_DEFAULT" for name in sf.BUILTIN_DEFAULTS if name != "format_vars"]
    assert sorted(raw) == sorted({*fields, *defaults})


def test_the_three_required_fields_are_enough() -> None:
    settings = resolve(minimal())
    assert settings == resolve(filled())  # the built-in defaults match the sample file


def test_empty_value_falls_back_to_the_default_field() -> None:
    settings = resolve(filled(policy_name="", policy_name_DEFAULT="${thing_name}{lower}_p"))
    assert settings.policy_name == "mytestthing_p"
    assert resolve(filled(policy_name="mine")).policy_name == "mine"
    assert resolve(filled(policy_name=None)).policy_name == "myTestThing_policy"


def test_seed_bucket_default_resolves_but_is_explained() -> None:
    settings = resolve(filled(bucket_name=""))
    assert settings.bucket_name == "myTestThing_bucket"
    assert settings.bucket_name_template == "${thing_name}_bucket"
    problem = settings.bucket_name_problem()
    assert problem is not None
    assert "capital letters" in problem.message
    assert "${thing_name}{lower}-bucket" in (problem.hint or "")


def test_bucket_fix_falls_back_to_a_concrete_name_when_lowercase_is_not_enough() -> None:
    settings = resolve(filled(thing_name="my_thing", bucket_name=""))
    problem = settings.bucket_name_problem()
    assert problem is not None
    assert "my-thing-bucket" in (problem.hint or "")


@pytest.mark.parametrize(
    ("file_value", "override", "expected"),
    [
        ("object-detection", None, "object-detection"),
        ("object-detection", "speech-recognition", "speech-recognition"),
        ("", "speech-recognition", "speech-recognition"),
        ("", None, None),
    ],
)
def test_command_line_target_application_wins(file_value: str, override: str | None, expected: str | None) -> None:
    raw = filled(target_application=file_value, ota_binary="app.bin")
    assert resolve(raw, override).target_application == expected


def test_target_application_is_usable_without_being_in_the_file_or_format_vars() -> None:
    raw = minimal(update_name="${target_application}-${thing_name}")
    raw["format_vars"] = "thing_name;role_prefix;credentials_path"
    assert resolve(raw, "speech-recognition").update_name == "speech-recognition-myTestThing"


def test_target_application_is_required_only_when_used() -> None:
    settings = resolve(minimal(ota_binary="firmware.bin"), None)
    assert settings.target_application is None
    with pytest.raises(BadInputError, match="no target application"):
        settings.require_target_application()
    error = refusal(minimal(), None)
    assert '"ota_binary" uses ${target_application}' in error.message
    assert "--target-application" in (error.hint or "")


def test_bad_target_application_is_refused() -> None:
    assert "not an application name" in refusal(minimal(), "../evil").message


def test_format_vars_may_name_further_settings() -> None:
    raw = filled(
        format_vars="thing_name;role_prefix;credentials_path;update_name",
        update_name="${thing_name}{lower}_v2",
        ota_binary="${update_name}.bin",
    )
    settings = resolve(raw)
    assert settings.ota_binary == "mytestthing_v2.bin"


def test_variables_may_refer_to_variables() -> None:
    raw = filled(credentials_path="certs-${thing_name}{lower}")
    settings = resolve(raw)
    assert settings.private_key_path == Path("certs-mytestthing/thing_private_key_myTestThing.pem.key")


def test_a_loop_between_variables_is_refused() -> None:
    raw = filled(format_vars="thing_name;credentials_path", thing_name="${credentials_path}")
    raw["credentials_path"] = "${thing_name}"
    assert "loop" in refusal(raw).message


def test_unlisted_variable_is_refused_naming_the_field() -> None:
    error = refusal(filled(policy_name="${update_name}_p"))
    assert '"policy_name"' in error.message
    assert "format_vars" in error.message
    assert ";update_name" in (error.hint or "")


def test_format_vars_entries_must_be_settings() -> None:
    assert "no setting has that name" in refusal(filled(format_vars="thing_name;nope")).message
    assert "not a variable name" in refusal(filled(format_vars="thing name")).message
    variables = "thing_name;role_prefix;credentials_path;project"
    raw = filled(format_vars=variables, project="acme", policy_name="${project}-p")
    assert resolve(raw).policy_name == "acme-p"


@pytest.mark.parametrize("name", sf.REQUIRED_FIELDS)
def test_missing_required_field_is_named(name: str) -> None:
    raw = minimal()
    del raw[name]
    error = refusal(raw)
    assert f'"{name}"' in error.message
    assert "required" in error.message
    assert f'"{name}"' in refusal(minimal(**{name: ""})).message


@pytest.mark.parametrize("name", sf.REQUIRED_FIELDS)
def test_untouched_sample_placeholders_are_refused(name: str) -> None:
    raw = filled(**{name: sample()[name]})
    assert "example value" in refusal(raw).message


def test_permissions_boundary_must_be_a_policy_arn() -> None:
    assert "not the ARN" in refusal(minimal(permissions_boundary="ProjBoundary")).message
    aws_managed = "arn:aws:iam::aws:policy/PowerUserAccess"
    assert resolve(minimal(permissions_boundary=aws_managed)).permissions_boundary == aws_managed


def test_existing_certificate_arn() -> None:
    assert resolve(minimal(existing_certificate_arn=CERT_ARN)).existing_certificate_arn == CERT_ARN
    new = resolve(minimal(existing_certificate_arn=sf.CREATE_NEW_CERTIFICATE))
    assert new.existing_certificate_arn is None
    error = refusal(minimal(existing_certificate_arn="cert-123"))
    assert "existing_certificate_arn" in error.message


@pytest.mark.parametrize(("value", "expected"), [("auto", "auto"), ("true", "true"), ("FALSE", "false"), ("", "auto")])
def test_clean_build_values(value: str, expected: str) -> None:
    assert resolve(minimal(clean_build=value)).clean_build == expected


def test_clean_build_and_skip_build_refuse_other_values() -> None:
    assert '"clean_build"' in refusal(minimal(clean_build="sometimes")).message
    assert '"skip_build"' in refusal(minimal(skip_build="yes")).message


@pytest.mark.parametrize(("value", "expected"), [("true", True), (True, True), ("false", False)])
def test_skip_build_values(value: object, expected: bool) -> None:
    assert resolve(minimal(skip_build=value)).skip_build is expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("thing_name", "my thing", "a space"),
        ("policy_name", "p/q", "'/'"),
        ("iam_role_name", "r" * 65, "at most 64"),
        ("update_name", "u.1", "'.'"),
        ("role_prefix", "Pro j", "a space"),
    ],
)
def test_names_are_checked_and_the_field_named(field: str, value: str, expected: str) -> None:
    error = refusal(minimal(**{field: value}))
    assert f'"{field}"' in error.message
    assert expected in error.message


def test_non_string_values_are_refused() -> None:
    assert '"policy_name" must be a string' in refusal(minimal(policy_name=["a"])).message
    assert resolve(minimal(max_listed=25)).thing_name == "myTestThing"


def test_unknown_keys_are_reported_not_fatal() -> None:
    settings = resolve(minimal(thing_nmae="x", max_listed="25", force_delete="false"))
    assert settings.ignored_keys == ("thing_nmae",)


# Reading the file.


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aws-configs.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_settings_reads_the_file_and_applies_the_override(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(filled(target_application="object-detection")))
    settings = sf.load_settings(path, target_application_override="speech-recognition")
    assert settings.ota_binary == "speech-recognition-update_signed.bin"
    assert settings.source == str(path)
    assert sf.load_settings(path).target_application == "object-detection"


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "thing_name": "x",\n  "role_prefix" "P"\n}\n')
    with pytest.raises(BadInputError) as caught:
        sf.load_settings(path)
    assert "not valid JSON" in caught.value.message
    assert "line 3, column 17" in caught.value.message


def test_seed_documentation_comments_get_a_specific_hint(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n    # There are only 3 required fields.\n    "thing_name":"x"\n}\n')
    with pytest.raises(BadInputError) as caught:
        sf.load_settings(path)
    assert "comments" in (caught.value.hint or "")


def test_duplicate_keys_and_non_objects_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="more than once"):
        sf.load_settings(write(tmp_path, '{"thing_name": "a", "thing_name": "b"}'))
    with pytest.raises(BadInputError, match="JSON object"):
        sf.load_settings(write(tmp_path, '["thing_name"]'))


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        sf.load_settings(tmp_path / "nope.json")


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + json.dumps(minimal()))
    assert sf.load_settings(path, "keyword-detection").thing_name == "myTestThing"
