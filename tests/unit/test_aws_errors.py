"""The error table: every botocore error a user can meet becomes a message, a hint and its exit code."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    ReadTimeoutError,
)

from iotforge.aws.errors import translate, translate_errors
from iotforge.errors import ExitCode, IotforgeError


def _client_error(code: str, message: str, operation: str = "CreateThing") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "exit_code", "words"),
    [
        (_client_error("ThrottlingException", "Rate exceeded"), ExitCode.THROTTLED, "throttling"),
        (_client_error("TooManyRequestsException", "slow down"), ExitCode.THROTTLED, "throttling"),
        (_client_error("ResourceAlreadyExistsException", "Thing t exists"), ExitCode.CONFLICT, "Already exists"),
        (_client_error("EntityAlreadyExists", "Role r exists"), ExitCode.CONFLICT, "Already exists"),
        (_client_error("DeleteConflictException", "attached"), ExitCode.CONFLICT, "Still in use"),
        (_client_error("ResourceNotFoundException", "no thing"), ExitCode.NOT_FOUND, "Not found"),
        (_client_error("NoSuchEntity", "no role"), ExitCode.NOT_FOUND, "Not found"),
        (_client_error("ExpiredTokenException", "expired"), ExitCode.CREDENTIALS_REJECTED, "expired"),
        (_client_error("ExpiredToken", "expired", "GetCallerIdentity"), ExitCode.CREDENTIALS_REJECTED, "expired"),
        (_client_error("InvalidClientTokenId", "bad"), ExitCode.CREDENTIALS_REJECTED, "rejected the credentials"),
        (_client_error("UnrecognizedClientException", "bad"), ExitCode.CREDENTIALS_REJECTED, "rejected"),
        (
            _client_error(
                "AccessDeniedException",
                "User: arn:aws:iam::1:user/u is not authorized to perform: iot:CreateThing on resource: "
                "arn:aws:iot:us-east-1:1:thing/t",
            ),
            ExitCode.ACCESS_DENIED,
            "iot:CreateThing on arn:aws:iot:us-east-1:1:thing/t",
        ),
        (_client_error("InvalidRequestException", "bad field"), ExitCode.FAILURE, "InvalidRequestException"),
        (NoCredentialsError(), ExitCode.NOT_CONFIGURED, "No AWS credentials"),
        (NoRegionError(), ExitCode.NOT_CONFIGURED, "No AWS region"),
        (ProfileNotFound(profile="work"), ExitCode.NOT_CONFIGURED, "profile not found: work"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), ExitCode.UNREACHABLE, "Cannot reach"),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), ExitCode.UNREACHABLE, "did not answer"),
    ],
)
def test_each_error_becomes_a_message_with_a_hint_and_exit_code(
    error: Exception, exit_code: ExitCode, words: str
) -> None:
    translated = translate(error, "do the thing")
    assert translated.exit_code == exit_code
    assert words in translated.message
    assert translated.hint
    assert "\n" not in translated.message


def test_the_block_form_translates_botocore_errors_and_leaves_others_alone() -> None:
    with pytest.raises(IotforgeError) as translated, translate_errors("create thing t (iot:CreateThing)"):
        raise _client_error("ThrottlingException", "Rate exceeded")
    assert "while trying to create thing t" in translated.value.message
    with pytest.raises(KeyError), translate_errors("anything"):
        raise KeyError("a bug stays a bug")
