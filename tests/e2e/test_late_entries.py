"""An entry shared after its week's digest is carried into the next digest, marked late, and
counted for its own week."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.runtime import Runtime
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from storage.db import Database
from tests.e2e.conftest import BOB, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    digest_messages,
    entries,
    install,
    leaders_ritual,
    tick,
)

SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
W49_MONDAY, W49_FRIDAY = (
    datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
)
W50_MONDAY, W50_FRIDAY = (
    datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
    datetime(2026, 12, 11, 15, 0, tzinfo=UTC),
)
LATE = "Copilot: migrated the CI config, it silently dropped the cache step"


def digest_of(slack: FakeSlack, week: str) -> str:
    """One week's digest, its top post and its thread replies, as JSON."""
    [top] = [
        m
        for m in digest_messages(slack)
        if week in json.dumps(m.blocks) and m.thread_ts in (None, m.ts)  # not a thread reply
    ]
    thread = [m for m in digest_messages(slack) if m.thread_ts == top.ts and m.ts != top.ts]
    return json.dumps([[m.text, m.blocks] for m in (top, *thread)])


async def test_a_reply_after_the_digest_is_in_the_next_digest_marked_late(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """W48's digest is out on Friday; Bob replies on Saturday: W49's digest shows his entry as
    late (not "a quiet week"), W50's does not repeat it, and it stays W48's in history."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    assert "A quiet week" in digest_of(slack, "2026-W48")
    clock.set(SATURDAY)
    await driver.post_message(BOB, leaders, LATE, thread_ts=prompt)
    await settle(bot)
    [late] = await entries(store, BOB)
    assert late.week == "2026-W48"
    await tick(bot, clock, W49_MONDAY)
    await tick(bot, clock, W49_FRIDAY)
    w49 = digest_of(slack, "2026-W49")
    assert "A quiet week" not in w49
    assert "a quiet week" not in w49
    assert "*Shared after the last digest*" in w49
    assert "it silently dropped the cache step" in w49
    assert "Bob Brown" in w49
    assert "_(late, from 2026-W48)_" in w49
    assert "*No experiments* shared for this week itself." in w49  # W49's own count: none
    assert "Also 1 entry shared after the last digest" in w49
    await tick(bot, clock, W50_MONDAY)
    await tick(bot, clock, W50_FRIDAY)
    assert "cache step" not in digest_of(slack, "2026-W50")
    assert "A quiet week" in digest_of(slack, "2026-W50")
    [still] = await entries(store, BOB)
    assert still.week == "2026-W48"
    ritual = leaders_ritual(slack)
    w48_now = await digests.render(bot.deps, bot.client, ritual, WeekId.parse("2026-W48"))
    assert "*1 experiment* from *1 person*" in json.dumps(w48_now[0].blocks)
