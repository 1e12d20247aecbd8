"""Replies in the bot's DM: answering a prompt in the conversation itself counts, as in a thread;
replies to a reminder count for its week; anything else gets a short answer, never silence."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.runtime import Runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.conversation import NOT_AN_EXPERIMENT, NOTHING_OPEN
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, CHEN, FakeClock, settle
from tests.e2e.helpers import (
    MONDAY_0800_UTC,
    dm_id,
    entries,
    install,
    leaders_ritual,
    posted,
    prompts_to,
    tick,
)

WEDNESDAY_1400_BERLIN = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def bot_answers(slack: FakeSlack, user: str) -> list[str]:
    """The bot's short answers in a person's DM (not its prompts, questions or copies)."""
    dm = slack.dm_channel(user)
    assert dm is not None
    return [m.text for m in dm.messages if m.bot_id and m.text in (NOTHING_OPEN, NOT_AN_EXPERIMENT)]


async def test_answering_a_dm_prompt_in_the_conversation_is_captured(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Not in the thread: saved for the prompt's week, :memo:, a summary, and no reminder."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    assert prompts_to(slack, ALICE)
    clock.advance(hours=3)
    dm = dm_id(slack, ALICE)
    message, _ = await driver.post_message(
        ALICE, dm, "Claude: drafted the board memo, it invented a revenue number"
    )
    await settle(bot)
    [exp] = await entries(store)
    assert (exp.ritual_id, exp.week, exp.tool) == ("r-leaders", "2026-W48", "Claude")
    assert exp.summary.startswith("drafted the board memo")
    assert slack.ws.channels[dm].find(message.ts).reactions == {"memo": ["U0BOT"]}  # type: ignore[union-attr]
    [summary] = slack.ephemerals(ALICE)
    assert (summary.channel, summary.thread_ts) == (dm, None)
    assert "*Tool:* Claude" in json.dumps(summary.blocks)
    await driver.post_message(
        ALICE, dm, "Gemini also translated the memo, it worked", thread_ts=message.ts
    )
    await settle(bot)
    added = [e for e in await entries(store) if e.tool == "Gemini"]
    assert [(e.ritual_id, e.week) for e in added] == [("r-leaders", "2026-W48")]
    await tick(bot, clock, WEDNESDAY_1400_BERLIN)
    assert ALICE not in " ".join(posted(slack, "reminder"))
    assert bot_answers(slack, ALICE) == []


async def test_a_reply_to_a_dm_reminder_counts_for_its_week(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Asked in #leaders only, Bob is reminded by DM; his reply under the reminder is W48's."""
    await install(bot, leaders_ritual(slack, dm=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    await tick(bot, clock, WEDNESDAY_1400_BERLIN)
    dm = dm_id(slack, BOB)
    [reminder] = [m for m in slack.messages(dm) if m.bot_id]
    clock.advance(hours=1)
    await driver.post_message(
        BOB, dm, "Copilot: wrote the tests, it silently skipped half", thread_ts=reminder.ts
    )
    await driver.post_message(CHEN, dm_id(slack, CHEN), "Gemini: translated a contract, worked")
    await settle(bot)
    [bobs] = await entries(store, BOB)
    [chens] = await entries(store, CHEN)
    assert (bobs.ritual_id, bobs.week) == ("r-leaders", "2026-W48")
    assert (chens.ritual_id, chens.week) == ("r-leaders", "2026-W48")
    [summary] = slack.ephemerals(BOB)
    assert summary.thread_ts == reminder.ts


async def test_dm_chatter_and_messages_with_nothing_open_get_a_short_answer_once(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Before any prompt: "how to share"; chatter after a prompt: "not saved"; retries answer once."""
    dm = slack.open_im(ALICE).id
    message, event_id = await driver.post_message(ALICE, dm, "hello, what is this?")
    await driver.event(driver.message_event(dm, message), event_id=event_id, retry_num=1)
    await settle(bot)
    assert bot_answers(slack, ALICE) == [NOTHING_OPEN]
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    await driver.post_message(ALICE, dm, "thanks!")
    prompt = prompts_to(slack, ALICE)[0].ts
    await driver.post_message(ALICE, dm, "+1", thread_ts=prompt)
    await settle(bot)
    assert await entries(store) == []
    assert bot_answers(slack, ALICE) == [NOTHING_OPEN, NOT_AN_EXPERIMENT, NOT_AN_EXPERIMENT]
    [threaded] = [m for m in slack.messages(dm) if m.text == NOT_AN_EXPERIMENT and m.thread_ts]
    assert threaded.thread_ts == prompt


async def test_after_the_digest_a_dm_message_answers_nothing(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The week is closed once its digest is out and a new week has begun: the person is told how
    to share instead, and nothing is attached to the old week."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    await tick(bot, clock, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday's digest
    clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # next Monday, before its prompt
    await driver.post_message(ALICE, dm_id(slack, ALICE), "Claude: one more, it worked")
    await settle(bot)
    assert await entries(store) == []
    assert bot_answers(slack, ALICE) == [NOTHING_OPEN]
