"""The outcome chart: how long rendering one episode's chart takes (the target is 100 ms).

Renders the chart of an episode with a baseline and 12 treatment sessions (NPRS at each,
the LEFS at the assessment, session 4 and session 12) `--renders` times, and, in the same
run and process for comparison, an empty matplotlib figure of the same size with the same
two empty axes, written as SVG the same way: the floor that any such chart made with
matplotlib pays. Also times reading the outcomes through the engine (`outcomes_from`),
which the episode page does on every view.

Each is timed by the wall clock and by the CPU time of the process (`time.process_time`):
on a machine shared with other work the wall clock also counts the waits for a CPU, so the
load average over the run is printed with the figures.

No database is used: the measurements are model instances never saved, as the page would
read them. Figures are printed last, one a line: `chart <name> <value>` (milliseconds,
median and 90th percentile). Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from harness import Figures, say

ROOT = Path(__file__).resolve().parent.parent


def timed(render: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each of `count` calls."""
    render()  # the first call fills matplotlib's caches
    wall, cpu = [], []
    for _ in range(count):
        start, start_cpu = time.perf_counter(), time.process_time()
        render()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=50, help="renders of each (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fascia-bench-chart-") as var_dir:
        os.environ["FASCIA_VAR_DIR"] = var_dir
        os.environ["MPLCONFIGDIR"] = var_dir
        return run(args)


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
    import django

    django.setup()
    from io import StringIO

    from django.utils import timezone
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    from fascia.pathways import REGISTRY
    from fascia.records.models import Measurement
    from fascia.treatment.outcomes import (
        CHART_SIZE,
        NO_METADATA,
        SessionStart,
        chart_svg,
        outcomes_from,
    )

    pathway = REGISTRY.current("piriformis-dry-needling")
    start = timezone.now() - timedelta(days=90)
    sessions = [SessionStart(n, start + timedelta(days=7 * n), n) for n in range(1, 13)]
    rows = [
        Measurement(measure="nprs", qualifier="now", value=Decimal(7), assessment_id=1),
        Measurement(measure="lefs", value=Decimal(38), assessment_id=1),
    ]
    for n in range(1, 13):
        nprs = Decimal(max(7 - n // 2, 1))
        rows.append(Measurement(measure="nprs", qualifier="now", value=nprs, session_number=n))
    for n, lefs in ((4, 47), (12, 61)):
        rows.append(Measurement(measure="lefs", value=Decimal(lefs), session_number=n))
    outcomes = outcomes_from(pathway, rows, sessions)

    def empty() -> str:
        figure = Figure(figsize=CHART_SIZE)
        figure.subplots(2, 1, sharex=True)
        out = StringIO()
        FigureCanvasSVG(figure).print_svg(out, metadata=NO_METADATA)
        return out.getvalue()

    say(f"rendering each {args.renders} times")
    figures = Figures()
    figures.add("chart", "renders", args.renders)
    figures.add("chart", "svg_bytes", len(chart_svg(outcomes)))
    for name, render in (
        ("empty_figure", empty),
        ("episode_chart", lambda: chart_svg(outcomes)),
        ("outcomes_from", lambda: outcomes_from(pathway, rows, sessions)),
    ):
        for clock, times in zip(("wall", "cpu"), timed(render, args.renders), strict=True):
            figures.add("chart", f"{name}_{clock}_median_ms", statistics.median(times))
            figures.add("chart", f"{name}_{clock}_p90_ms", statistics.quantiles(times, n=10)[-1])
    figures.add("chart", "load_average_1min", os.getloadavg()[0], digits=2)
    figures.add("chart", "cpus", os.cpu_count())
    figures.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
