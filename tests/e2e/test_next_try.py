"""How a failure was caught and "next I'll try…": asked in the form and the template, recalled privately."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.runtime import Runtime
from core.model import Caught
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.export import render_export
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, CHEN, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    all_text,
    digest_messages,
    entries,
    form,
    install,
    leaders_ritual,
    prompts_to,
    tick,
)

NEXT_MONDAY = MONDAY_0800_UTC + timedelta(weeks=1)


async def test_the_form_asks_how_it_was_caught_and_what_to_try_next(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Both are stored; next Monday's DM prompt reminds that person only; the channel's does not."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    [prompt] = prompts_to(slack, BOB)
    await driver.block_action(
        BOB, "experiment_open_form", "r-leaders|2026-W48", message_ts=prompt.ts
    )
    await settle(bot)
    view = driver.last_view(BOB, "experiment_form")
    values = form(
        tool="GitHub Copilot",
        work="billing migration",
        summary="wrote the migration script",
        failure="invented --dry-run",
        caught="customer",
        next_try="giving it the CLI's help text first",
    )
    await driver.view_submission(BOB, view, values)
    await settle(bot)
    [exp] = await entries(store, BOB)
    assert (exp.caught, exp.next_try) == (Caught.CUSTOMER, "giving it the CLI's help text first")
    said = json.dumps(slack.ephemerals(BOB)[-1].blocks)  # the private confirmation
    assert "Caught by a customer" in said
    assert "Next: giving it the CLI's help text first (reminded next week, by DM)" in said
    [row] = json.loads(render_export([exp], "json"))
    assert (row["caught"], row["next_try"]) == ("customer", "giving it the CLI's help text first")
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    thread = all_text(digest_messages(slack)[1:])
    assert "*Caught late or silently*" in thread
    assert (
        "_caught by a customer_: *GitHub Copilot* \\u00b7 billing migration: invented --dry-run"
        in thread
    )
    await tick(bot, clock, NEXT_MONDAY)
    [_, bob_next] = prompts_to(slack, BOB)
    assert "Last week you said you'd try next: _giving it the CLI's help text first_" in json.dumps(
        bob_next.blocks
    )
    [_, alice_next] = prompts_to(slack, ALICE)
    assert "try next" not in json.dumps(alice_next.blocks)
    channel_prompts = [m for m in slack.messages(channel_id(slack, "leaders")) if m.bot_id]
    assert "try next" not in json.dumps([m.blocks for m in channel_prompts])


async def test_a_template_reply_says_how_it_was_caught_and_what_comes_next(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """`Caught:` and `Next:` lines of a reply in the prompt's thread are read into their fields."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    await driver.post_message(
        CHEN,
        leaders,
        "Tool: Claude\nWork: NDA redline\nFailed: cited a clause that is not in the contract\n"
        "Caught: not yet, as far as I know\nNext: ask for the clause numbers",
        thread_ts=prompt,
    )
    await settle(bot)
    [exp] = await entries(store, CHEN)
    assert (exp.caught, exp.next_try, exp.failure) == (
        Caught.NOT_YET,
        "ask for the clause numbers",
        "cited a clause that is not in the contract",
    )
