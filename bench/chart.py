"""The digest chart's costs, run by hand: `.venv/bin/python -m bench.chart` (docs/benchmarks.md).

1. Import: a fresh interpreter importing `services.charts` alone, and then also what
   `services.chart_render` imports when it draws (median of 5 each): the difference is what
   an eager import of matplotlib would add to every start-up, and what the lazy one saves.
2. Drawing: one eight-week, five-tool chart in a warm process (median of 10), and its size.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from core.chart_data import WeekCount, build_series, chart_weeks
from core.weeks import WeekId

_IMPORT = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"
_DRAWN = (
    "from matplotlib.figure import Figure; from matplotlib.backends.backend_agg import"
    " FigureCanvasAgg; from matplotlib.ticker import MaxNLocator"
)


def import_seconds(body: str, runs: int = 5) -> float:
    """Median seconds a fresh interpreter takes to run `body` (an import)."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT.format(body=body)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def main() -> None:
    from services.chart_render import render_png

    week = WeekId.parse("2026-W48")
    weeks = chart_weeks(week)
    tools = ["GitHub Copilot", "Claude", "ChatGPT", "Cursor", "Gemini", "Perplexity"]
    counts = [
        WeekCount(str(w), tool, entries=(n * 7 + k) % 6 + 1, failures=(n + k) % 3)
        for n, w in enumerate(weeks)
        for k, tool in enumerate(tools)
    ]
    series = build_series(ritual_name="Leaders", weeks=weeks, counts=counts, audiences={})
    lazy = import_seconds("import services.charts")
    eager = import_seconds(f"import services.charts; {_DRAWN}")
    print(f"import services.charts, fresh process: {lazy * 1000:.0f} ms")
    print(
        f"  and matplotlib's Figure and Agg canvas too: {eager * 1000:.0f} ms"
        f" (+{(eager - lazy) * 1000:.0f} ms, {eager / lazy:.1f}x)"
    )
    render_png(series)  # warm: fonts and caches
    drawn = []
    for _ in range(10):
        start = time.perf_counter()
        png = render_png(series)
        drawn.append(time.perf_counter() - start)
    print(f"draw one chart, warm (median of 10): {statistics.median(drawn) * 1000:.0f} ms")
    print(f"PNG size: {len(png) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
