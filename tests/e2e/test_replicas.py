"""Two replicas on one database: one leads the scheduled work; a leader that dies is replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.runtime import Runtime
from bot.scheduler import LEASE_LENGTH, TICK_SECONDS, Scheduler
from fakeslack.server import FakeSlack
from tests.e2e.conftest import FakeClock, bot_config
from tests.e2e.test_rituals import GRACE, MONDAY_0800_UTC, install, leaders_ritual, posted


@pytest.fixture
async def replicas(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> AsyncIterator[list[Runtime]]:
    """Two bots started on one database, their timers driven by the test."""
    started = []
    try:
        for _ in range(2):
            runtime = Runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
            await runtime.start()
            started.append(runtime)
        yield started
    finally:
        for runtime in started:
            await runtime.stop()


def timer(runtime: Runtime) -> Scheduler:
    assert runtime.deps is not None
    assert runtime.client is not None
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
