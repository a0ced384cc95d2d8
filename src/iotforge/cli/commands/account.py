"""`doctor` and `endpoint`: is the AWS account ready, and where do devices connect."""

from __future__ import annotations

import click
from rich.console import Console

from iotforge.cli.options import global_options
from iotforge.cli.render import table
from iotforge.cli.runtime import get_runtime
from iotforge.errors import ExitCode
from iotforge.workflows.doctor import DoctorReport, run_doctor

ENDPOINT_TYPES = ("iot:Data-ATS", "iot:Data", "iot:CredentialProvider", "iot:Jobs")


@click.command()
@global_options
@click.pass_context
def doctor(ctx: click.Context) -> int:
    """Check credentials, region, endpoint and access to IoT, IAM and S3.

    Each check is independent; a failed one shows a hint. Exits 3 when any check fails.

    \b
    Example:
      iotforge doctor --region eu-west-1
      iotforge doctor --output json | jq '.checks[] | select(.ok == false)'
    """
    runtime = get_runtime(ctx)
    report = run_doctor(runtime.wiring.account())

    def human(console: Console) -> None:
        rows = [("ok" if c.ok else "FAIL", c.name, c.detail, c.hint or "") for c in report.checks]
        console.print(table("iotforge doctor", ("", "check", "result", "hint"), rows))
        console.print("All checks passed." if report.ok else "Some checks failed: see the hints above.")

    runtime.render.document(_report_document(report), human)
    return ExitCode.OK if report.ok else ExitCode.FINDINGS


def _report_document(report: DoctorReport) -> dict[str, object]:
    return {
        "ok": report.ok,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "hint": c.hint} for c in report.checks],
    }


@click.command()
@click.option(
    "--type",
    "endpoint_type",
    type=click.Choice(ENDPOINT_TYPES),
    default="iot:Data-ATS",
    show_default=True,
    help="Which endpoint to look up.",
)
@global_options
@click.pass_context
def endpoint(ctx: click.Context, endpoint_type: str) -> None:
    """Print the account's AWS IoT device endpoint (ATS by default).

    \b
    Example:
      iotforge endpoint                # abcd1234-ats.iot.eu-west-1.amazonaws.com
      iotforge endpoint --type iot:Jobs --output json
    """
    runtime = get_runtime(ctx)
    address = runtime.wiring.account().data_endpoint(endpoint_type)
    runtime.render.document({"endpoint": address, "type": endpoint_type}, lambda console: console.print(address))


COMMANDS = (doctor, endpoint)
