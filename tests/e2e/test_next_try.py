"""How a failure was caught and "next I'll try…": asked in the form and the template, recalled privately."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.runtime import Runtime
from core.model import Caught, Profile
from core.occurrence import SendKind, SendStatus
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.export import render_export
from storage import sends
from storage.db import Database
from storage.profiles import save_profile
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
    assert "Next: giving it the CLI's help text first (reminded privately next week)" in said
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


RECALL = "Last week you said you'd try next"


def _recalls(slack: FakeSlack, user: str | None = None) -> list[str]:
    return [e.channel for e in slack.ephemerals(user) if RECALL in json.dumps(e.blocks)]


async def test_a_channel_prompt_recalls_next_tries_privately_once(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Week 2's channel prompt: one ephemeral to each person with a next try; not to the paused,
    not to others, and never twice however often the scheduler runs."""
    await install(bot, leaders_ritual(slack, dm=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    for user, next_line in ((CHEN, "ask for the clause numbers"), (ALICE, "paste the schema")):
        await driver.post_message(
            user,
            leaders,
            f"Tool: Claude\nWork: NDA redline\nFailed: cited a missing clause\nNext: {next_line}",
            thread_ts=prompt,
        )
    await driver.post_message(
        BOB, leaders, "Tool: ChatGPT\nWork: a memo\nWorked: a clean draft", thread_ts=prompt
    )
    await settle(bot)
    async with store.transaction() as conn:  # Alice is away the week after
        await save_profile(
            conn, Profile("T0LOL", ALICE, paused_until=date(2026, 12, 4)), now=clock()
        )
    assert _recalls(slack) == []
    report = await tick(bot, clock, NEXT_MONDAY)
    await tick(bot, clock, NEXT_MONDAY + timedelta(minutes=5))
    await tick(bot, clock, NEXT_MONDAY + timedelta(hours=3))
    assert _recalls(slack, CHEN) == [leaders]
    assert _recalls(slack) == [leaders]  # nobody else: not Alice (paused), not Bob (none)
    [shown] = [e for e in slack.ephemerals(CHEN) if RECALL in json.dumps(e.blocks)]
    assert "ask for the clause numbers" in json.dumps(shown.blocks)
    assert report.sent[SendKind.NEXT_TRY] == 1
    # The channel's prompt itself says nothing of anyone's next try.
    channel_prompts = [m for m in slack.messages(leaders) if m.bot_id]
    assert "try next" not in json.dumps([m.blocks for m in channel_prompts])


async def test_a_recall_left_in_doubt_by_a_crash_is_not_shown_again(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A recall claimed by a worker that died is recorded as maybe sent, and not shown."""
    await install(bot, leaders_ritual(slack, dm=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    await driver.post_message(
        CHEN,
        leaders,
        "Tool: Claude\nWork: NDA redline\nFailed: a missing clause\nNext: ask for numbers",
        thread_ts=slack.messages(leaders)[0].ts,
    )
    await settle(bot)
    assert bot.deps is not None
    async with store.transaction() as conn:  # a worker claimed it, then died
        claim = await sends.claim_send(
            conn,
            kind=SendKind.NEXT_TRY,
            ritual_id="r-leaders",
            week=WeekId.parse("2026-W49"),
            recipient=CHEN,
            now=NEXT_MONDAY - timedelta(hours=1),
            lease=bot.deps.lease.length,
        )
    assert claim is not None
    await tick(bot, clock, NEXT_MONDAY)
    assert _recalls(slack) == []
    async with store.read() as conn:
        record = await sends.get_send(conn, claim.key)
    assert record is not None
    assert (record.status, record.error) == (SendStatus.FAILED, "maybe_sent")
