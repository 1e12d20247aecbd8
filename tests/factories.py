"""Test data builders: sensible defaults, changed as each test asks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import count
from typing import Any

from core.model import Experiment, Source

_ids = count(1)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, ISO week 2026-W48


def experiment(**changes: Any) -> Experiment:
    """An experiment in week 2026-W48 with a fresh id."""
    n = next(_ids)
    base = Experiment(
        id=f"e{n:04d}",
        team_id="T0LOL",
        user_id="U1",
        source=Source.THREAD,
        summary=f"summary {n}",
        created_at=NOW,
        updated_at=NOW,
        week="2026-W48",
    )
    return replace(base, **changes)
