"""Confirmed fields on a real SQLite file: they add up, and an experiment update leaves them be."""

from __future__ import annotations

from dataclasses import replace

from core.model import Outcome
from storage import confirmations
from storage import experiments as repo
from storage.db import Database
from tests.conftest import NOW
from tests.factories import make_experiment


async def test_confirmations_add_up_and_outlive_updates(db: Database) -> None:
    """Each confirmation adds fields; rewriting the experiment does not forget them."""
    exp = make_experiment()
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, exp, source_key="cmd:1")
        assert await confirmations.confirmed_fields(conn, exp.id) == frozenset()
        await confirmations.add_confirmed(conn, exp.id, ["outcome"], now=NOW)
        both = await confirmations.add_confirmed(conn, exp.id, ["failure_mode"], now=NOW)
        await repo.update_experiment(conn, replace(exp, outcome=Outcome.WORKED))
        assert both == {"outcome", "failure_mode"}
        assert await confirmations.confirmed_fields(conn, exp.id) == both
        assert await confirmations.confirmed_fields(conn, "unknown") == frozenset()
