"""Emoji reactions on captured replies feed the digest's "three things to know"."""

from __future__ import annotations

from sqlalchemy import text as sql

from bot.runtime import Runtime
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from storage.db import Database
from tests.e2e.conftest import ADMIN, ALICE, BOB, CHEN, DANA, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    all_text,
    digest_messages,
    install,
    leaders_ritual,
    tick,
)


async def _reactions(store: Database) -> int:
    async with store.read() as conn:
        return len(
            (await conn.execute(sql("SELECT user_id FROM reactions WHERE present = 1"))).all()
        )


async def test_the_entry_most_people_reacted_to_is_a_thing_to_know(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Reactions are kept as added and removed; the author's own and the bot's do not count."""
    await install(bot, leaders_ritual(slack, dm=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    reply, _ = await driver.post_message(
        CHEN,
        leaders,
        "Tool: Claude\nWork: NDA redline\nFailed: cited a clause that is not in the contract",
        thread_ts=prompt,
    )
    await driver.post_message(
        BOB, leaders, "Tool: ChatGPT\nWork: a memo\nWorked: a clean draft", thread_ts=prompt
    )
    await settle(bot)
    for user, emoji in ((ALICE, "eyes"), (BOB, "eyes"), (BOB, "100"), (CHEN, "tada")):
        await driver.react(user, leaders, reply.ts, emoji)
    await driver.react(DANA, leaders, reply.ts, "eyes")
    await driver.react(DANA, leaders, reply.ts, "eyes", remove=True)
    await settle(bot)
    assert await _reactions(store) == 4  # Alice, Bob twice, Chen; Dana took hers back
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    top = all_text(digest_messages(slack)[:1])
    assert "reacted to" not in top  # two people besides the author: fewer than three
    await driver.react(ADMIN, leaders, reply.ts, "eyes")
    await settle(bot)
    digest_channel = channel_id(slack, "ai-digest")
    slack.ws.channels[digest_channel].messages.clear()

    assert bot.deps is not None
    assert bot.client is not None
    await digests.post_digest(
        bot.deps, bot.client, leaders_ritual(slack, dm=False), WeekId.parse("2026-W48"), force=True
    )
    top = all_text(digest_messages(slack)[:1])
    assert ":raised_hands: 3 people reacted to: *Claude*" in top
