"""`doctor`: check that the configured AWS account can do what iotforge needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from iotforge.errors import ExitCode, IotforgeError
from iotforge.workflows.ports import AccountProbe

PROBED_SERVICES = ("iot", "iam", "s3")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str | None = None


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def _check(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except IotforgeError as error:
        return Check(name, False, error.message, error.hint)


def run_doctor(account: AccountProbe) -> DoctorReport:
    """Run every check; when credentials are unusable, the checks that need them are skipped."""
    checks = [_check("region", account.region)]
    credentials_usable = True
    try:
        found = account.caller_identity()
        checks.append(Check("identity (sts)", True, f"{found.arn} (account {found.account})"))
    except IotforgeError as error:
        checks.append(Check("identity (sts)", False, error.message, error.hint))
        credentials_usable = error.exit_code not in (
            ExitCode.NOT_CONFIGURED,
            ExitCode.CREDENTIALS_REJECTED,
        )
    probes: list[tuple[str, Callable[[], str]]] = [("iot data endpoint", account.data_endpoint)]
    probes += [(f"{service} access", partial(account.probe_read, service)) for service in PROBED_SERVICES]
    for name, probe in probes:
        if credentials_usable:
            checks.append(_check(name, probe))
        else:
            checks.append(Check(name, False, "skipped: needs working credentials (see identity)"))
    return DoctorReport(tuple(checks))
