"""The demo, the project's front door: a whole week in seconds, with its outputs written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from bot.demo import run_demo


async def test_demo_runs_a_week_and_writes_the_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot demo` prints the week and the digest, and writes valid Block Kit, the chart and HTML."""
    assert await run_demo(tmp_path / "out") == 0
    printed = capsys.readouterr().out
    for moment in ("Mon 09:00", "Wed 14:00  one reminder by DM", "Fri 16:00  the digest is posted"):
        assert moment in printed
    assert "and its chart in the thread" in printed
    assert "Three things to know" in printed
    assert "Every entry, by tool" in printed
    assert "Worked vs failed, by tool and job function" in printed
    assert "tried too: 2 same, 0 could not reproduce" in printed  # updated after two answers
    assert "performance review" not in printed  # the private entry stays private
    parts = json.loads((tmp_path / "out" / "digest.json").read_text(encoding="utf-8"))
    assert parts
    for part in parts:
        for block in Block.parse_all(part["blocks"]):
            block.validate_json()
    page = (tmp_path / "out" / "channel.html").read_text(encoding="utf-8")
    assert "<b>GitHub Copilot</b>" in page
    assert "<script" not in page
    chart = (tmp_path / "out" / "digest-chart.png").read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    assert '<img class="image" src="digest-chart.png" alt="Bar charts of entries' in page
    thread = (tmp_path / "out" / "thread.html").read_text(encoding="utf-8")
    assert "Maya Okafor" in thread
    assert "Learning Out Loud (app)" in thread
