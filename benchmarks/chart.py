"""throughput.png: one panel per scenario, a bar per tool, the scenario's bound as a dashed line."""

from __future__ import annotations

from pathlib import Path

from benchmarks.model import Measurement, ScenarioResult
from benchmarks.report import number

BAR = "#3465a4"
BASELINE_BAR = "#9aa5b1"
BOUND = "#c4262e"
TARGET = "#2e7d32"


def write_chart(scenarios: list[ScenarioResult], path: Path) -> str | None:
    """Draw the chart; the reason it was not drawn, or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]', or make bench)"
    panels = [(scenario, [m for m in scenario.measurements if m.throughput and m.median]) for scenario in scenarios]
    panels = [(scenario, measured) for scenario, measured in panels if measured]
    if not panels:
        return "no throughput measured in this run"
    heights = [1.1 + 0.45 * len(measured) for _, measured in panels]
    figure, axes = plt.subplots(
        len(panels), 1, figsize=(10, sum(heights)), gridspec_kw={"height_ratios": heights}, squeeze=False
    )
    for axis, (scenario, measured) in zip(axes[:, 0], panels, strict=True):
        _panel(axis, scenario, measured)
    figure.suptitle("iotforge throughput against AWS's bounds (median of runs; higher is better)", fontsize=11)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return None


def _panel(axis: object, scenario: ScenarioResult, measured: list[Measurement]) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    labels = [_label(measurement) for measurement in measured]
    values = [measurement.median or 0.0 for measurement in measured]
    colors = [BAR if "iotforge" in measurement.tool else BASELINE_BAR for measurement in measured]
    axis.barh(labels, values, color=colors)
    axis.invert_yaxis()
    unit = measured[0].unit
    lines = list(values)
    if scenario.bound is not None and scenario.bound.unit == unit:
        applied = any(measurement.bound is not None for measurement in measured)
        label = f"bound {number(scenario.bound.value)} {unit}" + ("" if applied else " on AWS (not the emulator's)")
        axis.axvline(scenario.bound.value, color=BOUND, linestyle="--", linewidth=1.2, label=label)
        lines.append(scenario.bound.value)
    for measurement in measured:
        target = measurement.target
        if target is not None and target.of == "median":
            label = f"target {number(target.value)} {unit}"
            axis.axvline(target.value, color=TARGET, linestyle=":", linewidth=1.2, label=label)
            lines.append(target.value)
    if len(lines) > len(values):
        axis.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False, borderaxespad=0.2)
    positive = [value for value in lines if value > 0]
    if positive and max(positive) / min(positive) > 30:
        axis.set_xscale("log")
    axis.set_xlim(right=max(positive) * (3 if axis.get_xscale() == "log" else 1.25))
    for index, value in enumerate(values):
        # Near the bound line, write the value inside the bar so the line does not cross it.
        inside = value >= 0.6 * max(positive)
        text, align, color = (
            (f"{number(value)} ", "right", "white") if inside else (f" {number(value)}", "left", "black")
        )
        axis.text(value, index, text, va="center", ha=align, fontsize=8, color=color)
    axis.set_title(scenario.title, loc="left", fontsize=9)
    axis.set_xlabel(unit, fontsize=8)
    axis.tick_params(labelsize=8)


def _label(measurement: Measurement) -> str:
    size = f" ({measurement.size:,})" if measurement.size else ""
    return f"{measurement.tool}{size}"
