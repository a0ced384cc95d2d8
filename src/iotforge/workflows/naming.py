"""Check the names people choose against AWS's rules before any remote call.

Every check raises `BadInputError` with one line that names the problem and a hint with a fix,
so a typo costs a second locally instead of a half-built fleet. Stdlib only: workflows stay pure.
"""

from __future__ import annotations

import re

from iotforge.errors import BadInputError

THING_NAME_MAX = 128
POLICY_NAME_MAX = 128
ROLE_NAME_MAX = 64
BUCKET_NAME_MIN = 3
BUCKET_NAME_MAX = 63
UPDATE_NAME_MAX = 128
JOB_ID_MAX = 64
# AWS IoT runs every OTA update as a job named AFR_OTA-<update id>, and job ids stop at 64.
OTA_JOB_PREFIX = "AFR_OTA-"
UPDATE_NAME_USABLE_MAX = JOB_ID_MAX - len(OTA_JOB_PREFIX)

_THING_CHARS = re.compile(r"[a-zA-Z0-9:_-]")
_IAM_CHARS = re.compile(r"[a-zA-Z0-9_+=,.@-]")
_ID_CHARS = re.compile(r"[a-zA-Z0-9_-]")
_BUCKET_CHARS = re.compile(r"[a-z0-9.-]")
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")

BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = {
    "-s3alias": "access point aliases",
    "--ol-s3": "Object Lambda access point aliases",
    ".mrap": "Multi-Region Access Points",
    "--x-s3": "directory buckets",
    "--table-s3": "S3 table buckets",
}


def check_thing_name(name: str) -> str:
    """Return `name` if AWS IoT accepts it as a thing name."""
    return _check_name("thing name", name, _THING_CHARS, THING_NAME_MAX, "letters, digits, ':', '_' and '-'", "_")


def check_thing_base_name(base: str, highest_index: int) -> str:
    """Return `base` if every generated name `base_0` .. `base_<highest_index>` is valid."""
    if highest_index < 0:
        raise BadInputError(
            f"the highest thing index is {highest_index}; it cannot be negative",
            "Number things from 0 upwards.",
        )
    check_thing_name(base)
    longest = f"{base}_{highest_index}"
    if len(longest) > THING_NAME_MAX:
        room = THING_NAME_MAX - len(f"_{highest_index}")
        raise BadInputError(
            f"base name {_show(base)} is too long: the last thing name, {_show(longest)}, "
            f"would be {len(longest)} characters and AWS allows {THING_NAME_MAX}",
            f"Use a base name of at most {room} characters.",
        )
    return base


def check_policy_name(name: str) -> str:
    """Return `name` if AWS IoT accepts it as a policy name."""
    return _check_name(
        "policy name",
        name,
        _IAM_CHARS,
        POLICY_NAME_MAX,
        "letters, digits and _+=,.@-",
        "_",
    )


def check_role_name(name: str, prefix: str | None = None) -> str:
    """Return `name` if IAM accepts it as a role name and, given a prefix, it reads `prefix-...`."""
    _check_name("role name", name, _IAM_CHARS, ROLE_NAME_MAX, "letters, digits and _+=,.@-", "_")
    if prefix is not None:
        check_role_prefix(prefix)
        if not name.startswith(f"{prefix}-") or len(name) == len(prefix) + 1:
            raise BadInputError(
                f"role name {_show(name)} does not start with the role prefix {_show(prefix + '-')}",
                f"Name the role {_show(_fit(f'{prefix}-{name}', ROLE_NAME_MAX))}; "
                "accounts with a role prefix refuse roles without it.",
            )
    return name


def check_role_prefix(prefix: str) -> str:
    """Return `prefix` if `prefix-<name>` can still be a valid role name."""
    _check_name("role prefix", prefix, _IAM_CHARS, ROLE_NAME_MAX - 2, "letters, digits and _+=,.@-", "_")
    return prefix


def check_update_name(name: str) -> str:
    """Return `name` if AWS IoT accepts it as an OTA update id and can name its job after it."""
    _check_name("update name", name, _ID_CHARS, UPDATE_NAME_MAX, "letters, digits, '_' and '-'", "_")
    if len(name) > UPDATE_NAME_USABLE_MAX:
        raise BadInputError(
            f"update name {_show(name)} is {len(name)} characters; AWS names the update's job "
            f"{OTA_JOB_PREFIX}<update name> and job ids stop at {JOB_ID_MAX}, "
            f"so the limit is {UPDATE_NAME_USABLE_MAX}",
            f"Use a shorter name, e.g. {_show(name[:UPDATE_NAME_USABLE_MAX])}.",
        )
    return name


def check_job_id(job_id: str) -> str:
    """Return `job_id` if AWS IoT accepts it as a job id."""
    return _check_name("job id", job_id, _ID_CHARS, JOB_ID_MAX, "letters, digits, '_' and '-'", "-")


def bucket_name_problem(name: str) -> str | None:
    """Describe the first S3 naming rule `name` breaks, or return None if it is valid."""
    if not name:
        return "bucket name is empty"
    shown = _show(name)
    if "\n" in name or "\r" in name:
        return f"bucket name {shown} contains a line break"
    if any(ch.isupper() for ch in name):
        return f"bucket name {shown} contains capital letters; S3 bucket names are lowercase"
    invalid = _first_invalid(name, _BUCKET_CHARS)
    if invalid is not None:
        return (
            f"bucket name {shown} contains {_describe_char(invalid)}; S3 allows only lowercase "
            "letters, digits, '.' and '-'"
        )
    if not BUCKET_NAME_MIN <= len(name) <= BUCKET_NAME_MAX:
        return (
            f"bucket name {shown} is {len(name)} characters; S3 bucket names are "
            f"{BUCKET_NAME_MIN} to {BUCKET_NAME_MAX} characters"
        )
    if not name[0].isalnum():
        return f"bucket name {shown} starts with {name[0]!r}; it must start with a letter or digit"
    if not name[-1].isalnum():
        return f"bucket name {shown} ends with {name[-1]!r}; it must end with a letter or digit"
    if ".." in name:
        return f"bucket name {shown} contains two adjacent periods"
    if _IP_ADDRESS.fullmatch(name):
        return f"bucket name {shown} is formatted as an IP address"
    for prefix in BUCKET_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"bucket name {shown} starts with {prefix!r}, a prefix S3 reserves"
    for suffix, owner in BUCKET_RESERVED_SUFFIXES.items():
        if name.endswith(suffix):
            return f"bucket name {shown} ends with {suffix!r}, which S3 reserves for {owner}"
    return None


def check_bucket_name(name: str) -> str:
    """Return `name` if S3 accepts it as a general purpose bucket name."""
    problem = bucket_name_problem(name)
    if problem is not None:
        raise BadInputError(problem, f"Try {_show(suggest_bucket_name(name))}.")
    return name


def suggest_bucket_name(name: str) -> str:
    """Turn any text into a valid bucket name that stays close to it."""
    candidate = "".join(ch if _BUCKET_CHARS.fullmatch(ch) else "-" for ch in name.lower())
    # Single separators rule out '..', 'xn--' and the '--' suffixes in one go.
    candidate = re.sub(r"-{2,}", "-", re.sub(r"\.{2,}", ".", candidate)).strip(".-")
    if _IP_ADDRESS.fullmatch(candidate):
        candidate = candidate.replace(".", "-")
    if candidate.startswith(BUCKET_RESERVED_PREFIXES):
        candidate = f"bucket-{candidate}"
    candidate = candidate[:BUCKET_NAME_MAX].strip(".-")
    if candidate.endswith(tuple(BUCKET_RESERVED_SUFFIXES)):
        candidate = candidate[: BUCKET_NAME_MAX - 2].strip(".-") + "-b"
    if not candidate:
        return "iotforge-bucket"
    if len(candidate) < BUCKET_NAME_MIN:
        candidate = f"{candidate}-bucket"
    return candidate


def _check_name(
    kind: str,
    name: str,
    allowed: re.Pattern[str],
    max_length: int,
    allowed_text: str,
    replacement: str,
) -> str:
    """Return `name` if it has 1..max_length characters matching `allowed`."""
    if not name:
        raise BadInputError(f"{kind} is empty", f"Give a {kind} of {allowed_text}.")
    problem = _common_problem(name)
    if problem is None:
        invalid = _first_invalid(name, allowed)
        if invalid is not None:
            problem = f"contains {_describe_char(invalid)}"
    if problem is not None:
        suggestion = _fit(_replace_invalid(name, allowed, replacement), max_length)
        hint = f"A {kind} may contain only {allowed_text}"
        hint += f"; for example {_show(suggestion)}." if suggestion.strip(replacement) else "."
        raise BadInputError(f"{kind} {_show(name)} {problem}", hint)
    if len(name) > max_length:
        raise BadInputError(
            f"{kind} {_show(name)} is {len(name)} characters; AWS allows at most {max_length}",
            f"Shorten it, e.g. {_show(name[:max_length])}.",
        )
    return name


def _common_problem(name: str) -> str | None:
    """Name the mistakes that come from pasting paths, quoted text or prose."""
    if "\n" in name or "\r" in name:
        return "contains a line break"
    non_ascii = next((ch for ch in name if not ch.isascii()), None)
    if non_ascii is not None:
        return f"contains the non-ASCII character {non_ascii!r}"
    if any(ch.isspace() for ch in name):
        return "contains a space"
    if any(ch in "\"'`" for ch in name):
        return "contains a quote"
    if "/" in name:
        return "contains '/' (it is a name, not a path)"
    if ".." in name:
        return "contains '..'"
    return None


def _first_invalid(name: str, allowed: re.Pattern[str]) -> str | None:
    return next((ch for ch in name if not allowed.fullmatch(ch)), None)


def _replace_invalid(name: str, allowed: re.Pattern[str], replacement: str) -> str:
    replaced = "".join(ch if allowed.fullmatch(ch) else replacement for ch in name.strip())
    return re.sub(f"{re.escape(replacement)}{{2,}}", replacement, replaced)


def _describe_char(ch: str) -> str:
    if ch == " ":
        return "a space"
    if ch.isprintable():
        return repr(ch)
    return f"the character U+{ord(ch):04X}"


def _fit(text: str, max_length: int) -> str:
    return text[:max_length]


def _show(name: str, limit: int = 80) -> str:
    """Quote a name for a one-line message, escaping control characters and trimming it."""
    shown = name if len(name) <= limit else name[: limit - 3] + "..."
    return repr(shown)
