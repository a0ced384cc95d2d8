"""The scenarios, in the order they run; `--scenarios` picks them by these names."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.context import Context
from benchmarks.model import ScenarioResult
from benchmarks.scenarios import bulk, faults, fleet_cost, keys, ota, provisioning, startup

Scenario = Callable[[Context], list[ScenarioResult]]

# "overhead" and "cleanup" share one run: the cleanup removes the things the overhead run made.
SCENARIOS: dict[str, Scenario] = {
    "provisioning": provisioning.run,
    "overhead": fleet_cost.run,
    "cleanup": fleet_cost.run,
    "keys": keys.run,
    "bulk": bulk.run,
    "startup": startup.run,
    "ota": ota.run,
    "faults": faults.run,
}


def select(names: list[str]) -> list[tuple[str, Scenario]]:
    """The scenarios named (each run once even when two names share it), in SCENARIOS order."""
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        raise ValueError(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    chosen: list[tuple[str, Scenario]] = []
    for name, scenario in SCENARIOS.items():
        if name in names and all(scenario is not other for _, other in chosen):
            chosen.append((name, scenario))
    return chosen
