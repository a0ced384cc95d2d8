"""Write a run's results: latest.json (everything) and latest.md (the tables people read)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.model import Comparison, Measurement, ScenarioResult

SCHEMA = 1


def document(header: dict[str, Any], scenarios: list[ScenarioResult], chart: dict[str, Any]) -> dict[str, Any]:
    return {"schema": SCHEMA, **header, "chart": chart, "scenarios": [scenario.to_json() for scenario in scenarios]}


def write_json(path: Path, content: dict[str, Any]) -> None:
    _write(path, json.dumps(content, indent=2, sort_keys=False) + "\n")


def write_markdown(path: Path, content: dict[str, Any], scenarios: list[ScenarioResult]) -> None:
    _write(path, markdown(content, scenarios))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def number(value: float | None) -> str:
    """Three significant digits, no exponent for the sizes we print."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: ""}[met]


def headline_table(scenarios: Iterable[ScenarioResult]) -> list[str]:
    rows = [
        "| Scenario | Tool | Size | Median | Bound | vs bound | Target | Met |",
        "|---|---|--:|--:|--:|--:|---|---|",
    ]
    for scenario in scenarios:
        for measurement in scenario.measurements:
            rows.append(_row(scenario, measurement))
    return rows


def _row(scenario: ScenarioResult, measurement: Measurement) -> str:
    bound = measurement.bound
    ratio = measurement.ratio_to_bound
    cells = [
        scenario.title,
        measurement.tool,
        f"{measurement.size:,}" if measurement.size else "",
        f"{number(measurement.median)} {measurement.unit}",
        f"{number(bound.value)} {bound.unit}" if bound else "",
        f"{ratio:.2f}" if ratio is not None else "",
        measurement.target.describe(measurement.unit) if measurement.target else "",
        verdict(measurement.met),
    ]
    return "| " + " | ".join(cells) + " |"


def comparison_table(scenarios: Iterable[ScenarioResult]) -> list[str]:
    comparisons: list[Comparison] = [comparison for scenario in scenarios for comparison in scenario.comparisons]
    if not comparisons:
        return []
    rows = ["| Comparison | Per round | Median | Target | Met |", "|---|---|--:|---|---|"]
    for comparison in comparisons:
        per_round = ", ".join(f"{number(ratio)}x" for ratio in comparison.per_round)
        target = comparison.target.describe("x").replace(" x", "x") if comparison.target else ""
        rows.append(
            f"| {comparison.name} | {per_round} | {number(comparison.median)}x | {target} | {verdict(comparison.met)} |"
        )
    return rows


def markdown(content: dict[str, Any], scenarios: list[ScenarioResult]) -> str:
    machine, versions = content["machine"], content["versions"]
    memory = machine.get("memory_bytes")
    lines = [
        "# iotforge benchmarks: latest run",
        "",
        f"Generated {content['generated_at']} by `{content['command_line']}` "
        f"({content['runs']} run(s) per scenario, medians{'; quick mode, small sizes' if content['quick'] else ''}).",
        "",
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores ({machine['cores_usable']} usable), "
        f"{memory / 2**30:.1f} GiB memory, {machine['platform']}."
        if memory
        else f"Machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['platform']}.",
        "",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items() if version) + ".",
        "",
        _source_line(content.get("source") or {}),
        "",
        "## Results",
        "",
        *headline_table(scenarios),
        "",
    ]
    comparisons = comparison_table(scenarios)
    if comparisons:
        lines += ["## Ratios (rounds interleaved in this run)", "", *comparisons, ""]
    skipped = [(scenario, skip) for scenario in scenarios for skip in scenario.skipped]
    chart = content.get("chart", {})
    if skipped or chart.get("skipped"):
        lines += ["## Skipped", ""]
        lines += [f"- {scenario.title}: {skip.tool}: {skip.reason}" for scenario, skip in skipped]
        if chart.get("skipped"):
            lines.append(f"- Chart: {chart['skipped']}")
        lines.append("")
    if chart.get("file"):
        lines += [f"![Throughput per scenario and tool]({chart['file']})", ""]
    lines += ["## Scenarios", ""]
    for scenario in scenarios:
        lines += [f"### {scenario.title}", ""]
        if scenario.knobs is not None:
            lines.append(f"- Emulator knobs: `{json.dumps(scenario.knobs)}`")
        if scenario.bound is not None:
            lines.append(f"- Bound: {number(scenario.bound.value)} {scenario.bound.unit}: {scenario.bound.basis}.")
        lines += [f"- {note}" for note in scenario.notes]
        lines.append("")
    failures = content.get("failures") or []
    if failures:
        lines += ["## Failures", ""] + [f"- {failure['scenario']}: {failure['error']}" for failure in failures] + [""]
    return "\n".join(lines)


def _source_line(source: dict[str, Any]) -> str:
    commit = source.get("commit")
    if not commit:
        return "Source: not a git checkout."
    changes = source.get("uncommitted_changes")
    state = " plus uncommitted changes to tracked files" if changes else ""
    return f"Source: commit {commit[:12]}{state}."
