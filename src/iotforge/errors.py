"""The errors iotforge reports to people: a message, a hint they can act on, an exit code.

Every layer raises these; only the CLI's error boundary turns them into output and exit codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    FINDINGS = 3
    NOT_CONFIGURED = 4
    CREDENTIALS_REJECTED = 5
    ACCESS_DENIED = 6
    NOT_FOUND = 7
    CONFLICT = 8
    THROTTLED = 9
    UNREACHABLE = 10
    INTERRUPTED = 130


class IotforgeError(Exception):
    """An expected failure: shown as one line plus a hint, never as a traceback."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        details: str | None = None,
        exit_code: ExitCode | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class BadInputError(IotforgeError):
    """The user's input is wrong; raised before any remote call."""

    exit_code = ExitCode.BAD_INPUT


class AwsError(IotforgeError):
    """AWS (or the emulator) refused or failed a call; carries the AWS error code if any."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        code: str | None = None,
        operation: str | None = None,
        details: str | None = None,
        exit_code: ExitCode | None = None,
    ) -> None:
        super().__init__(message, hint, details=details, exit_code=exit_code)
        self.code = code
        self.operation = operation


class NotFoundError(AwsError):
    exit_code = ExitCode.NOT_FOUND


class ConflictError(AwsError):
    """The resource exists already, or is still in use by something else."""

    exit_code = ExitCode.CONFLICT


class ThrottledError(AwsError):
    exit_code = ExitCode.THROTTLED


class CredentialsError(AwsError):
    """Credentials are missing (NOT_CONFIGURED) or were rejected or expired (CREDENTIALS_REJECTED)."""

    exit_code = ExitCode.CREDENTIALS_REJECTED


class AccessDeniedError(AwsError):
    exit_code = ExitCode.ACCESS_DENIED


class UnreachableError(AwsError):
    exit_code = ExitCode.UNREACHABLE
