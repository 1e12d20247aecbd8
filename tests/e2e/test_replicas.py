"""Two replicas on one database: one leads the scheduled work; a leader that dies is replaced."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from bot.runtime import Runtime, start_runtime
from bot.scheduler import LEASE_LENGTH, TICK_SECONDS, Scheduler
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.ritual_runs import run_due
from tests.e2e.conftest import (
    ALICE,
    BOB,
    CHEN,
    SECRET,
    FakeClock,
    bot_config,
    channel_id,
    settle,
)
from tests.e2e.helpers import GRACE, MONDAY_0800_UTC, install, leaders_ritual, posted


@pytest.fixture
async def replicas(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> AsyncIterator[list[Runtime]]:
    """Two bots started on one database, their timers driven by the test."""
    started = []
    try:
        for _ in range(2):
            started.append(
                await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
            )
        yield started
    finally:
        for runtime in started:
            await runtime.stop()


def timer(runtime: Runtime) -> Scheduler:
    return Scheduler(runtime.deps, runtime.client, grace=GRACE)


async def test_only_one_replica_runs_each_tick(
    replicas: list[Runtime], slack: FakeSlack, clock: FakeClock
) -> None:
    """Both replicas tick; one leads and sends, the other looks nothing up and sends nothing."""
    first, second = (timer(r) for r in replicas)
    await install(replicas[0], leaders_ritual(slack))
    clock.set(MONDAY_0800_UTC)
    lookups_before = len(slack.calls("users.info"))
    assert await first.tick() is True
    lookups_by_leader = len(slack.calls("users.info")) - lookups_before
    assert await second.tick() is False
    clock.advance(seconds=TICK_SECONDS)
    assert (await second.tick(), await first.tick()) == (False, True)
    assert len(slack.calls("users.info")) - lookups_before == lookups_by_leader
    keys = posted(slack, "prompt")
    assert len(keys) == len(set(keys)) == 4


async def test_a_dead_leader_is_replaced_within_the_lease(
    replicas: list[Runtime], clock: FakeClock
) -> None:
    """The leader stops renewing (killed); the other replica leads once the lease has run out."""
    first, second = (timer(r) for r in replicas)
    assert await first.tick() is True
    clock.advance(seconds=LEASE_LENGTH.total_seconds() - 1)
    assert await second.tick() is False  # the lease is still the dead leader's
    clock.advance(seconds=2)
    assert await second.tick() is True
    assert await first.tick() is False  # a leader that comes back does not take it back


async def test_a_leader_stopping_cleanly_hands_over_at_the_next_tick(
    replicas: list[Runtime], clock: FakeClock
) -> None:
    """Releasing the lease on shutdown lets the other replica lead at once."""
    first, second = (timer(r) for r in replicas)
    assert await first.tick() is True
    await first.release()
    clock.advance(seconds=1)
    assert await second.tick() is True


async def test_replies_to_either_replica_are_stored_and_a_digest_cut_off_is_posted_once(
    replicas: list[Runtime], slack: FakeSlack, clock: FakeClock
) -> None:
    """Thread replies reach both replicas (as a proxy spreads them): every one is stored once.
    Then the replica posting the digest dies mid-post; after its claim's lease the other posts
    what is missing, and each part of the digest is in the channel exactly once."""
    first, second = replicas
    await install(first, leaders_ritual(slack, dm=False, audience=(ALICE, BOB, CHEN)))
    await run(first, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    thread_ts = slack.messages(leaders)[0].ts
    drivers = [
        SlackDriver(f"http://127.0.0.1:{r.port}/slack/events", SECRET, slack) for r in replicas
    ]
    async with drivers[0] as one, drivers[1] as other:
        for n, person in enumerate((ALICE, BOB, CHEN) * 4):
            message = slack.user_posts(
                person, leaders, f"Claude: reply {n}, it invented a flag", thread_ts=thread_ts
            )
            await (one, other)[n % 2].event(one.message_event(leaders, message))
        for runtime in replicas:
            await settle(runtime)
    assert first.db is not None
    async with first.db.read() as conn:
        count = await conn.execute(text("SELECT COUNT(*) FROM experiments"))
        assert count.scalar_one() == 12

    friday = MONDAY_0800_UTC + timedelta(days=4, hours=7)  # Friday 16:00 Berlin: the digest
    slack.slow_next("chat.postMessage", seconds=30)
    posting = asyncio.create_task(run(first, clock, friday))
    assert await until(lambda: slack.waiting == 1)
    posting.cancel()  # the replica dies mid-post: Slack may or may not have the part
    with contextlib.suppress(asyncio.CancelledError):
        await posting
    slack.release()
    await run(second, clock, friday + timedelta(minutes=10))  # past the claim's lease
    keys = posted(slack, "digest")
    assert keys
    assert len(keys) == len(set(keys))


async def run(runtime: Runtime, clock: FakeClock, at: datetime) -> None:
    """One scheduled run of this replica at `at`."""
    clock.set(at)
    await run_due(runtime.deps, runtime.client, now=clock(), grace=GRACE)


async def until(condition: Callable[[], bool], *, within: float = 5.0) -> bool:
    """Poll the emulator for a state it has no event for; False after `within` s."""
    for _ in range(int(within / 0.005)):
        if condition():
            return True
        await asyncio.sleep(0.005)
    return condition()


async def test_a_change_on_one_replica_refreshes_the_home_opened_through_the_other(
    replicas: list[Runtime], slack: FakeSlack
) -> None:
    """Alice opens Home through replica A; her `/tried` is handled by replica B, which
    republishes her Home all the same (who has Home open is kept in the database)."""
    first, second = replicas
    async with (
        SlackDriver(f"http://127.0.0.1:{first.port}/slack/events", SECRET, slack) as via_a,
        SlackDriver(f"http://127.0.0.1:{second.port}/slack/events", SECRET, slack) as via_b,
    ):
        await via_a.app_home_opened(ALICE)
        await settle(first)
        published = len(slack.calls("views.publish"))
        await via_b.slash_command(ALICE, "Gemini: translated a contract, worked")
        await settle(second)
    assert len(slack.calls("views.publish")) == published + 1
    assert "translated a contract" in json.dumps(slack.ws.views[f"home:{ALICE}"].view)
