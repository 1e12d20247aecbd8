"""`/tried <subcommand> …`: the first word decides, and nothing ambiguous is ever posted."""

from __future__ import annotations

import json

from bot.runtime import Runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database
from tests.e2e.conftest import ALICE, FakeClock, settle
from tests.e2e.helpers import MONDAY_0800_UTC, entries, install, leaders_ritual, tick


async def test_help_with_more_words_is_help_and_posts_nothing(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database, clock: FakeClock
) -> None:
    """`/tried help me` answers with help; nothing is saved, nothing lands in the week's thread."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    posted_before = len(slack.calls("chat.postMessage"))
    for text in ("help me", "Help: how does this work?", "? what can you do"):
        await driver.slash_command(ALICE, text)
    await settle(bot)
    assert await entries(store) == []
    assert len(slack.calls("chat.postMessage")) == posted_before
    answers = slack.ephemerals(ALICE)
    assert [a.text for a in answers] == ["How to use /tried"] * 3
    assert "/tried undo" in json.dumps(answers[0].blocks)


async def test_undo_with_more_words_undoes(
    bot: Runtime, driver: SlackDriver, store: Database, clock: FakeClock
) -> None:
    """`/tried undo last one` deletes the newest entry instead of saving "last one"."""
    await driver.slash_command(ALICE, "Claude: first")
    await settle(bot)
    clock.advance(minutes=1)
    await driver.slash_command(ALICE, "Gemini: second")
    await settle(bot)
    await driver.slash_command(ALICE, "undo last one")
    await settle(bot)
    assert [e.summary for e in await entries(store)] == ["first"]


async def test_list_with_more_words_lists_and_a_slip_gets_help(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried list mine please` lists; `/tried lsit mine` is a slip answered with help."""
    await driver.slash_command(ALICE, "Claude: drafted the plan")
    await settle(bot)
    await driver.slash_command(ALICE, "list mine please")
    await settle(bot)
    await driver.slash_command(ALICE, "lsit mine")
    await settle(bot)
    assert [e.summary for e in await entries(store)] == ["drafted the plan"]
    listing, slip = slack.ephemerals(ALICE)[-2:]
    assert listing.text == "Your experiments"
    assert (slip.text, "lsit" in json.dumps(slip.blocks)) == ("How to use /tried", True)
