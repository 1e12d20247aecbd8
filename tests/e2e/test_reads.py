"""Read-only paths take no write lock: they answer while a writer holds its transaction open.

On SQLite a write transaction begins `BEGIN IMMEDIATE` and waits up to 30 s for another writer;
a read (`Database.read`) begins deferred and never waits. Each path below only reads, on hot
paths (every thread reply, every scheduler tick, `/tried list`, App Home, the health check).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.runtime import Runtime
from core.model import Experiment
from fakeslack.server import FakeSlack
from services import capture, skips
from services.deps import Deps
from services.home import publish_home
from services.replies import Reply, on_new_message
from storage.db import Database
from tests.e2e.conftest import ALICE, FakeClock, channel_id
from tests.e2e.helpers import MONDAY_0800_UTC, install, leaders_ritual, tick

TIMEOUT = 10.0  # far below the 30 s a write transaction would wait for the held lock


@asynccontextmanager
async def a_writer_holding(db: Database) -> AsyncIterator[None]:
    """Another writer in the middle of its transaction (it holds SQLite's write lock)."""
    async with db.transaction() as conn:
        await conn.execute(
            text("UPDATE schema_migrations SET applied_at = applied_at WHERE version = 1")
        )
        yield


READS = ["tick", "stray reply", "tried list", "own entry", "skip", "home", "health"]


@pytest.mark.parametrize("path", READS)
async def test_a_read_path_answers_while_a_writer_holds_the_database(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, path: str
) -> None:
    """A tick with nothing due, a message in a thread that is no prompt's, `/tried list`, an
    entry looked up, a skip of an unknown ritual, Home and /healthz each answer at once."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)  # the prompts go out; the next tick has nothing to do
    deps, client = bot.deps, bot.client
    stray = Reply(
        event_id="Ev0STRAY",
        team_id="T0LOL",
        channel_id=channel_id(slack, "leaders"),
        user_id=ALICE,
        text="Claude wrote it",
        ts="1795420900.000200",
        thread_ts="1795420800.000100",  # a thread, but not a prompt's
    )
    reads: dict[str, Callable[[], Awaitable[object]]] = {
        "tick": lambda: tick(bot, clock, MONDAY_0800_UTC + timedelta(minutes=1)),
        "stray reply": lambda: on_new_message(deps, client, stray),
        "tried list": lambda: capture.recent(deps, "T0LOL", ALICE),
        "own entry": lambda: own_or_none(deps),
        "skip": lambda: skips.skip_week(
            deps, client, team_id="T0LOL", user_id=ALICE, ritual_id="nope", week="2026-W48"
        ),
        "home": lambda: publish_home(deps, client, team_id="T0LOL", user_id=ALICE),
        "health": bot.db.ping,
    }
    expected: dict[str, object] = {
        "stray reply": None,
        "tried list": [],
        "own entry": None,
        "skip": skips.Skip.REFUSED,
        "health": True,
    }
    async with a_writer_holding(bot.db):
        result = await asyncio.wait_for(reads[path](), timeout=TIMEOUT)
    if path in expected:
        assert result == expected[path]


async def own_or_none(deps: Deps) -> Experiment | None:
    try:
        return await capture.own_experiment(deps, "nope", ALICE)
    except capture.NotFound:
        return None
