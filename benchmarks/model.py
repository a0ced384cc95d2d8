"""What a benchmark run produces: measurements against bounds and targets, comparisons, skips."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["at_least", "at_most"]
Of = Literal["median", "ratio_to_bound"]


@dataclass(frozen=True)
class Bound:
    """The best any client could do: the limit the measurement is held against, and why."""

    value: float
    unit: str
    basis: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "basis": self.basis}


@dataclass(frozen=True)
class Target:
    value: float
    direction: Direction
    of: Of = "median"

    def met(self, observed: float | None) -> bool | None:
        if observed is None:
            return None
        return observed >= self.value if self.direction == "at_least" else observed <= self.value

    def describe(self, unit: str) -> str:
        sign = ">=" if self.direction == "at_least" else "<="
        if self.of == "ratio_to_bound":
            return f"{sign} {self.value:g} of bound"
        return f"{sign} {self.value:g} {unit}".rstrip()

    def to_json(self, unit: str) -> dict[str, Any]:
        return {"value": self.value, "direction": self.direction, "of": self.of, "text": self.describe(unit)}


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


@dataclass
class Measurement:
    """One tool's number in one scenario: the median of its runs."""

    tool: str
    metric: str
    unit: str
    size: int | None
    samples: list[float]
    target: Target | None = None
    bound: Bound | None = None
    # Charted as throughput (items per second, higher is better).
    throughput: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return median(self.samples)

    @property
    def ratio_to_bound(self) -> float | None:
        value = self.median
        if self.bound is None or value is None or not self.bound.value:
            return None
        return value / self.bound.value

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        observed = self.ratio_to_bound if self.target.of == "ratio_to_bound" else self.median
        return self.target.met(observed)

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "metric": self.metric,
            "unit": self.unit,
            "size": self.size,
            "samples": self.samples,
            "median": self.median,
            "bound": self.bound.to_json() if self.bound else None,
            "ratio_to_bound": self.ratio_to_bound,
            "target": self.target.to_json(self.unit) if self.target else None,
            "met": self.met,
            "throughput": self.throughput,
            "details": self.details,
        }


@dataclass
class Comparison:
    """How many times faster one tool was than another, from rounds run back to back in one invocation."""

    name: str
    numerator: str
    denominator: str
    per_round: list[float]
    target: Target | None = None

    @property
    def median(self) -> float | None:
        return median(self.per_round)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.median)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "per_round": self.per_round,
            "median": self.median,
            "target": self.target.to_json("x") if self.target else None,
            "met": self.met,
        }


@dataclass(frozen=True)
class Skip:
    tool: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "reason": self.reason}


@dataclass
class ScenarioResult:
    key: str
    title: str
    bound: Bound | None
    knobs: dict[str, Any] | None = None
    measurements: list[Measurement] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "bound": self.bound.to_json() if self.bound else None,
            "emulator_knobs": self.knobs,
            "measurements": [measurement.to_json() for measurement in self.measurements],
            "comparisons": [comparison.to_json() for comparison in self.comparisons],
            "skipped": [skip.to_json() for skip in self.skipped],
            "notes": self.notes,
            "sources": self.sources,
            "seconds": self.seconds,
        }


def _bound(raw: dict[str, Any] | None) -> Bound | None:
    return None if raw is None else Bound(raw["value"], raw["unit"], raw["basis"])


def _target(raw: dict[str, Any] | None) -> Target | None:
    return None if raw is None else Target(raw["value"], raw["direction"], raw["of"])


def scenario_from_json(raw: dict[str, Any]) -> ScenarioResult:
    """Rebuild a scenario's results from latest.json (to redraw the chart and tables without rerunning)."""
    return ScenarioResult(
        key=raw["key"],
        title=raw["title"],
        bound=_bound(raw["bound"]),
        knobs=raw["emulator_knobs"],
        measurements=[
            Measurement(
                tool=item["tool"],
                metric=item["metric"],
                unit=item["unit"],
                size=item["size"],
                samples=item["samples"],
                target=_target(item["target"]),
                bound=_bound(item["bound"]),
                throughput=item["throughput"],
                details=item["details"],
            )
            for item in raw["measurements"]
        ],
        comparisons=[
            Comparison(item["name"], item["numerator"], item["denominator"], item["per_round"], _target(item["target"]))
            for item in raw["comparisons"]
        ],
        skipped=[Skip(item["tool"], item["reason"]) for item in raw["skipped"]],
        notes=raw["notes"],
        sources=raw["sources"],
        seconds=raw["seconds"],
    )
