"""Digest test data: the realistic weeks of `bot.sample_week`, stored and given names in Slack."""

from __future__ import annotations

from collections.abc import Sequence

from bot.sample_week import Person, people, realistic_week
from core.model import Experiment
from fakeslack.server import FakeSlack
from storage import experiments as repo
from storage.db import Database

__all__ = ["Person", "add_people", "people", "realistic_week", "store_entries"]


def add_people(slack: FakeSlack, crowd: Sequence[Person]) -> None:
    """Give each person a Slack account, so the digest can credit them by name."""
    for person in crowd:
        slack.add_user(person.user_id, person.user_id.lower(), real_name=person.name, tz="UTC")


async def store_entries(store: Database, entries: Sequence[Experiment]) -> None:
    """Store the entries as captured (each under its own source key)."""
    async with store.transaction() as conn:
        for exp in entries:
            await repo.insert_experiment(conn, exp, source_key=f"fixture:{exp.id}")
