"""`iotforge audit [PROJECT_PATH] [--fix]`: findings with severity and fix; exit 3 when any remain."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from iotforge.cli.options import global_options
from iotforge.cli.runtime import get_runtime
from iotforge.errors import BadInputError, ExitCode
from iotforge.workflows.audit import apply_fixes, audit
from iotforge.workflows.audit_models import AuditReport, FixOutcome


@click.command("audit")
@click.argument("project_path", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--fix", is_flag=True, help="Repair the safe findings after confirmation (-y/--yes skips it).")
@global_options
@click.pass_context
def audit_command(ctx: click.Context, project_path: Path | None, fix: bool) -> int:
    """Find stray certificates, over-broad policies and role trusts, and unprotected OTA buckets.

    With PROJECT_PATH: the project's things and certificates, the policies it uses, the roles AWS
    IoT may assume and the buckets of OTA updates that target its things. Without: the whole
    account in the region. Exits 3 when findings remain or a part could not be read.

    --fix deletes only ACTIVE certificates the project made and no thing uses, turns on bucket
    versioning and the public access block; it never deletes what iotforge did not make.

    \b
    Example:
      iotforge audit ./sensor
      iotforge audit --output json
      iotforge audit ./sensor --fix --yes
    """
    runtime = get_runtime(ctx)
    settings = runtime.settings
    if fix and not settings.assume_yes and not settings.interactive:
        raise BadInputError(
            "--fix changes your account and asks first, but there is no terminal to ask on.",
            "Pass --yes to apply the fixes without asking.",
        )
    project = runtime.wiring.project(project_path) if project_path is not None else None
    sources = runtime.wiring.audit_sources()
    report = audit(sources, project, runtime.render.progress())
    for what, reason in report.skipped.items():
        runtime.render.warn(f"not audited: {what} ({reason})")
    outcomes: tuple[FixOutcome, ...] = ()
    if fix and report.fixable:
        if not settings.assume_yes:
            for finding in report.fixable:
                runtime.render.info(f"  will fix: {finding.kind} {finding.resource}: {finding.fix}")
            if not click.confirm(f"Apply {len(report.fixable)} fixes?", default=False, err=True):
                runtime.render.info("No changes made.")
                fix = False
        if fix:
            outcomes = apply_fixes(report, sources, project)
    runtime.render.document(_document(report, outcomes), lambda console: _show(console, report, outcomes))
    fixed = {(outcome.check, outcome.resource) for outcome in outcomes if outcome.fixed}
    remaining = [finding for finding in report.findings if (finding.check, finding.resource) not in fixed]
    # A part it could not read is not a clean bill of health.
    return ExitCode.FINDINGS if remaining or report.skipped else ExitCode.OK


def _document(report: AuditReport, outcomes: tuple[FixOutcome, ...]) -> dict[str, Any]:
    return {
        "scope": report.scope,
        "checked": report.checked,
        "skipped": report.skipped,
        "findings": [dataclasses.asdict(finding) for finding in report.findings],
        "fixes": [dataclasses.asdict(outcome) for outcome in outcomes],
    }


def _show(console: Console, report: AuditReport, outcomes: tuple[FixOutcome, ...]) -> None:
    checked = ", ".join(f"{count} {what}" for what, count in sorted(report.checked.items()))
    if not report.findings:
        console.print(f"audit of {report.scope}: no findings ({checked})")
        return
    found = Table(title=f"audit of {report.scope}: {len(report.findings)} findings ({checked})", header_style="bold")
    for column in ("severity", "check"):
        found.add_column(column, no_wrap=True)
    found.add_column("resource", overflow="fold")  # ARNs are what people copy: wrap them, never cut them
    found.add_column("problem")
    found.add_column("fix")
    for f in report.findings:
        found.add_row(f.severity, f.check, f"{f.kind} {f.resource}", f.problem, f.fix)
    console.print(found)
    for outcome in outcomes:
        state = "fixed" if outcome.fixed else f"NOT fixed ({outcome.error})"
        console.print(f"{state}: {outcome.check} {outcome.resource}")
    if not outcomes and report.fixable:
        console.print(f"{len(report.fixable)} of them can be repaired safely: rerun with --fix")


COMMANDS = (audit_command,)
