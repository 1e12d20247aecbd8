"""`python -m bench.goals` runs every row at a tiny scale (it measures nothing here: no timing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.drill
def test_the_goals_benchmark_runs_every_row_at_a_tiny_scale() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.goals", "--scale", "tiny", "--postgres", "none"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout.split("| what | database | measured | goal |", 1)[1]
    for row in (
        "/tried ack, 10 at 50 concurrent: p99 |",
        "p99 / bare Bolt's p99",
        "bot CPU per /tried",
        "thread replies stored, 10 at 50 concurrent | SQLite |",
        "bot CPU per thread reply",
        "digest --preview over 2,000 past experiments: whole command | SQLite |",
        "`python -m bot export` start-up",
        "fan-out (bench/fanout.py)",
    ):
        assert row in table
    assert "(lost 0)" in table
    assert "20/20 DMs in " in table  # the fan-out row ran, at its tiny size
