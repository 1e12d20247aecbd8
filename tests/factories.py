"""Test data builders: sensible defaults, changed as each test asks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import count
from typing import Any

from core.model import Experiment, FailureMode, JobFunction, Outcome, Source
from storage.db import new_id

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


def make_experiment(**changes: Any) -> Experiment:
    """A stored-looking experiment (a failed Copilot /tried) with a fresh database id, changed as asked."""
    base = Experiment(
        id=new_id(),
        team_id="T1",
        user_id="U1",
        source=Source.COMMAND,
        summary="drafted the migration plan, it invented a CLI flag",
        created_at=NOW,
        updated_at=NOW,
        week="2026-W48",
        tool="GitHub Copilot",
        outcome=Outcome.FAILED,
        failure_mode=FailureMode.CONFIDENT_WRONG,
        job_function=JobFunction.ENGINEERING,
    )
    return replace(base, **changes)
