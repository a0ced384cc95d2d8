"""One table from botocore errors to IotforgeError: a message a person understands and a hint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypedDict

from iotforge.errors import (
    AccessDeniedError,
    AwsError,
    ConflictError,
    CredentialsError,
    ExitCode,
    IotforgeError,
    NotFoundError,
    ThrottledError,
    UnreachableError,
)

REFRESH_HINT = (
    "Refresh your credentials (for example `aws sso login`, or export a new AWS_SESSION_TOKEN) "
    "and run the same command again: it resumes where it stopped."
)

EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
INVALID_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "InvalidSignatureException",
        "IncompleteSignature",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedException",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "LimitExceededException",
    }
)
EXISTS_CODES = frozenset(
    {
        "ResourceAlreadyExistsException",
        "EntityAlreadyExists",
        "BucketAlreadyExists",
        "BucketAlreadyOwnedByYou",
    }
)
CONFLICT_CODES = frozenset(
    {
        "DeleteConflictException",
        "DeleteConflict",
        "ConflictException",
        "CertificateStateException",
        "BucketNotEmpty",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchEntity",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFound",
        "404",
        "NoSuchVersion",
    }
)


class _Common(TypedDict):
    code: str
    operation: str | None
    details: str


_DENIED_DETAIL = re.compile(
    r"not authorized to perform:?\s*(?P<action>[\w:*-]+)(?: on resource:?\s*(?P<resource>\S+))?"
)


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, or None."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def translate(error: BaseException, action: str | None = None) -> IotforgeError:
    """Map any botocore/boto3 exception to an IotforgeError; unknown ones become a generic AwsError."""
    import botocore.exceptions as bce

    doing = f" while trying to {action}" if action else ""
    details = f"{type(error).__name__}: {error}"
    if isinstance(error, IotforgeError):
        return error
    if isinstance(error, bce.NoCredentialsError | bce.PartialCredentialsError):
        return CredentialsError(
            "No AWS credentials were found.",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, "
            "or pass --profile NAME.",
            details=details,
            exit_code=ExitCode.NOT_CONFIGURED,
        )
    if isinstance(error, bce.ProfileNotFound):
        return CredentialsError(
            f"AWS profile not found: {error.kwargs.get('profile')}.",
            "List your profiles with `aws configure list-profiles`, or pass another --profile.",
            details=details,
            exit_code=ExitCode.NOT_CONFIGURED,
        )
    if isinstance(error, bce.NoRegionError):
        return CredentialsError(
            "No AWS region is configured.",
            "Pass --region (for example --region eu-west-1) or set AWS_REGION.",
            details=details,
            exit_code=ExitCode.NOT_CONFIGURED,
        )
    if isinstance(error, bce.TokenRetrievalError | bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return CredentialsError("Your AWS SSO session has expired.", REFRESH_HINT, details=details)
    if isinstance(error, bce.EndpointConnectionError | bce.ConnectTimeoutError | bce.ConnectionClosedError):
        endpoint = getattr(error, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        return UnreachableError(
            f"Cannot reach {endpoint}{doing}.",
            "Check your network or --endpoint-url / AWS_ENDPOINT_URL; for the local emulator, "
            "start it with `iotforge emulator start --background`.",
            details=details,
        )
    if isinstance(error, bce.ReadTimeoutError):
        return UnreachableError(
            f"AWS did not answer in time{doing}.", "Try again; check your network.", details=details
        )
    if isinstance(error, bce.ClientError):
        return _translate_client_error(error, action)
    if isinstance(error, bce.ParamValidationError):
        return AwsError(
            f"Invalid request{doing}: {error}",
            "This is a bug in iotforge; please report it.",
            details=details,
        )
    if isinstance(error, bce.BotoCoreError):
        return AwsError(f"AWS request failed{doing}: {error}", None, details=details)
    return AwsError(f"Unexpected error{doing}: {error}", "Run again with -v for details.", details=details)


def _translate_client_error(error: BaseException, action: str | None) -> IotforgeError:
    response = getattr(error, "response", {})
    code = error_code(error) or "Unknown"
    message = str(response.get("Error", {}).get("Message") or "").strip()
    operation = getattr(error, "operation_name", None)
    doing = f" while trying to {action}" if action else (f" in {operation}" if operation else "")
    details = f"{operation}: {code}: {message}"
    common = _Common(code=code, operation=operation, details=details)
    if code in EXPIRED_CODES:
        return CredentialsError(f"Your AWS session token has expired{doing}.", REFRESH_HINT, **common)
    if code in INVALID_CREDENTIAL_CODES:
        return CredentialsError(
            f"AWS rejected the credentials{doing} ({code}).",
            "Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or --profile; "
            "a session token must match its key.",
            **common,
        )
    if code in ACCESS_DENIED_CODES:
        found = _DENIED_DETAIL.search(message)
        if found:
            what = found.group("action")
            where = found.group("resource") or "the resource"
            text = f"Access denied: you may not perform {what} on {where}."
        else:
            text = f"Access denied{doing}: {message or code}."
        return AccessDeniedError(
            text,
            "Ask your AWS administrator to allow this action (mind permission boundaries), "
            "or use a profile that has it (--profile).",
            **common,
        )
    if code in THROTTLING_CODES:
        return ThrottledError(
            f"AWS kept throttling requests{doing} after retries.",
            "Lower --concurrency, or wait a minute and run the same command again.",
            **common,
        )
    if code in EXISTS_CODES:
        return ConflictError(
            f"Already exists{doing}: {message or code}.",
            "Choose another name, or reuse it.",
            **common,
        )
    if code in CONFLICT_CODES:
        return ConflictError(
            f"Still in use{doing}: {message or code}.",
            "Detach or delete what uses it first, or retry in a moment.",
            **common,
        )
    if code in NOT_FOUND_CODES:
        return NotFoundError(
            f"Not found{doing}: {message or code}.",
            "Check the name and the region (--region).",
            **common,
        )
    return AwsError(
        f"AWS refused the request{doing}: {code}: {message}",
        "Run again with -v for details.",
        **common,
    )


@contextmanager
def translate_errors(action: str | None = None) -> Iterator[None]:
    """Turn botocore exceptions raised in the block into IotforgeError."""
    try:
        yield
    except IotforgeError:
        raise
    except Exception as error:
        if type(error).__module__.split(".")[0] not in (
            "botocore",
            "boto3",
            "urllib3",
            "s3transfer",
        ):
            raise
        raise translate(error, action) from error
