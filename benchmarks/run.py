"""`python -m benchmarks.run [--runs N] [--quick] [--scenarios a,b] [--out DIR]`: run, then write results.

Writes DIR/latest.json (every sample, the machine, the versions, the command line), DIR/latest.md
(the tables) and DIR/throughput.png (when matplotlib is installed). Exits 1 when a scenario failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import report
from benchmarks.chart import write_chart
from benchmarks.context import FULL, QUICK, Context, find_tools
from benchmarks.machine import machine, source, versions
from benchmarks.measure import BenchmarkError
from benchmarks.model import ScenarioResult, scenario_from_json
from benchmarks.scenarios import SCENARIOS, select

RESULTS = Path(__file__).resolve().parent / "results"
CHART = "throughput.png"
# A scenario that fails (a tool's error, an emulator stopped from outside) runs once more, from scratch.
ATTEMPTS = 2


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; results are medians (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: small sizes, a minute or so")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of: {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results folder (default {RESULTS})")
    parser.add_argument(
        "--settle",
        type=float,
        default=1.1,
        help="seconds to wait after an emulator reset so quota buckets refill (default 1.1)",
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary work folder (projects, logs)")
    parser.add_argument("--no-chart", action="store_true", help="do not draw throughput.png")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: redraw latest.md and throughput.png from the --out folder's latest.json",
    )
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    options.scenario_names = [name.strip() for name in options.scenarios.split(",") if name.strip()]
    try:
        select(options.scenario_names)
    except ValueError as error:
        parser.error(str(error))
    return options


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse(arguments)
    if options.render_only:
        return render(options.out, options.no_chart)
    work = Path(tempfile.mkdtemp(prefix="iotforge-bench-"))
    tools = find_tools()
    ctx = Context(
        runs=options.runs,
        quick=options.quick,
        sizes=QUICK if options.quick else FULL,
        settle=options.settle,
        work=work,
        tools=tools,
    )
    ctx.log(f"work folder {work}; results to {options.out}")
    started = datetime.now(UTC)
    load_at_start = os.getloadavg()
    source_at_start = source(Path(__file__).resolve().parent.parent)
    results: list[ScenarioResult] = []
    failures: list[dict[str, str]] = []
    retried: list[dict[str, str]] = []
    for name, scenario in select(options.scenario_names):
        for attempt in range(1, ATTEMPTS + 1):
            began = time.perf_counter()
            try:
                produced = scenario(ctx)
            except (BenchmarkError, OSError, RuntimeError, ValueError) as error:
                ctx.log(f"scenario {name} failed (attempt {attempt}/{ATTEMPTS}): {error}")
                record = {"scenario": name, "error": str(error), "traceback": traceback.format_exc()}
                (failures if attempt == ATTEMPTS else retried).append(record)
                continue
            for result in produced:
                result.seconds = time.perf_counter() - began
                if attempt > 1:
                    result.notes.append(f"Measured on attempt {attempt}: the first failed ({retried[-1]['error']}).")
            results.extend(produced)
            break
    header = {
        "generated_at": started.isoformat(timespec="seconds"),
        "duration_seconds": (datetime.now(UTC) - started).total_seconds(),
        "command_line": shlex.join(["python", "-m", "benchmarks.run", *arguments]),
        "runs": options.runs,
        "quick": options.quick,
        "sizes": vars(ctx.sizes),
        "machine": machine(),
        # Other work on the machine skews timings: the 1-, 5- and 15-minute load averages around the run.
        "load_average": {"start": load_at_start, "end": os.getloadavg()},
        "versions": versions(tools.aws_cli_version),
        "source": source_at_start,
        "failures": failures,
        "retried": retried,
    }
    chart: dict[str, str | None] = {"file": None, "skipped": "--no-chart"}
    if not options.no_chart:
        skipped = write_chart(results, options.out / CHART)
        chart = {"file": None if skipped else CHART, "skipped": skipped}
    content = report.document(header, results, chart)
    report.write_json(options.out / "latest.json", content)
    report.write_markdown(options.out / "latest.md", content, results)
    ctx.log(f"wrote {options.out / 'latest.json'} and {options.out / 'latest.md'}")
    if options.keep_work:
        ctx.log(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


def render(out: Path, no_chart: bool) -> int:
    """Redraw the Markdown and the chart of an earlier run from its JSON."""
    content = json.loads((out / "latest.json").read_text())
    results = [scenario_from_json(raw) for raw in content["scenarios"]]
    if not no_chart:
        skipped = write_chart(results, out / CHART)
        content["chart"] = {"file": None if skipped else CHART, "skipped": skipped}
        report.write_json(out / "latest.json", content)
    report.write_markdown(out / "latest.md", content, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
