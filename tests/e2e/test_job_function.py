"""The job function, asked once after a first share, end to end: one tap, stored, never again."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.runtime import Runtime
from core.model import JobFunction
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Message
from services import digests
from storage import profiles
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    all_text,
    digest_messages,
    entries,
    form,
    install,
    leaders_ritual,
    tick,
)

QUESTION = "what is your job function?"


def questions(slack: FakeSlack, user: str) -> list[Message]:
    """The bot's job function questions in a person's DM with the app."""
    dm = slack.dm_channel(user)
    return [m for m in (dm.messages if dm else []) if m.bot_id and QUESTION in m.text]


async def state(store: Database, user: str) -> profiles.FunctionQuestion | None:
    async with store.read() as conn:
        return await profiles.function_question(conn, "T0LOL", user)


async def job_of(store: Database, user: str) -> JobFunction | None:
    async with store.read() as conn:
        return (await profiles.get_profile(conn, "T0LOL", user)).job_function


async def tap_function(
    driver: SlackDriver, slack: FakeSlack, user: str, question: Message, action_id: str
) -> None:
    dm = slack.dm_channel(user)
    assert dm is not None
    [block_id] = [
        b["block_id"]
        for b in question.blocks or []
        if any(e.get("action_id") == action_id for e in b.get("elements", []))
    ]
    value = next(
        e["value"]
        for b in question.blocks or []
        for e in b.get("elements", [])
        if e.get("action_id") == action_id
    )
    reply = await driver.block_action(
        user, action_id, value, channel_id=dm.id, message_ts=question.ts, block_id=block_id
    )
    assert reply.status == 200


async def test_first_share_asks_the_job_function_once_in_one_tap(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """The first `/tried` (or form) entry brings one DM with a button per function; later ones none."""
    await driver.slash_command(ALICE, "Claude: drafted a memo")
    await settle(bot)
    [question] = questions(slack, ALICE)
    ids = [e["action_id"] for b in question.blocks or [] for e in b.get("elements", [])]
    assert ids == [f"function_choose_{job.value}" for job in JobFunction] + ["function_dismiss"]
    assert await state(store, ALICE) is profiles.FunctionQuestion.ASKED
    await driver.slash_command(ALICE, "Claude: a second memo")
    await settle(bot)
    assert len(questions(slack, ALICE)) == 1
    # The form is a first share too.
    await driver.slash_command(BOB, "")
    await settle(bot)
    await driver.view_submission(
        BOB, driver.last_view(BOB, "experiment_form"), form(tool="Cursor", summary="a prototype")
    )
    await settle(bot)
    assert len(questions(slack, BOB)) == 1


async def test_the_answer_is_stored_and_reaches_the_digest(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A thread reply asks; tapping Legal stores it, gives it to that first entry, and the digest counts it."""
    ritual = await install(bot, leaders_ritual(slack, dm=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    clock.advance(hours=2)
    await driver.post_message(
        ALICE, leaders, "Tool: Copilot\nFailed: it invented a CLI flag", thread_ts=prompt
    )
    await settle(bot)
    [exp] = await entries(store)
    assert exp.job_function is None
    [question] = questions(slack, ALICE)
    await tap_function(driver, slack, ALICE, question, "function_choose_legal")
    await settle(bot)
    assert await job_of(store, ALICE) is JobFunction.LEGAL
    assert await state(store, ALICE) is profiles.FunctionQuestion.ANSWERED
    [exp] = await entries(store)
    assert exp.job_function is JobFunction.LEGAL
    [answered] = [m for m in slack.dm_channel(ALICE).messages if m.ts == question.ts]  # type: ignore[union-attr]
    assert "Saved: your job function is Legal" in answered.text
    assert "Job function: Legal" in json.dumps(slack.ws.views[f"home:{ALICE}"].view)
    digest, _ = await digests.gather(bot.deps, ritual, WeekId.parse("2026-W48"))
    assert [e.job_function for e in digest.entries] == [JobFunction.LEGAL]
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(minutes=1))
    # One entry is no statistic: counted under the table, not shown as a cell.
    assert "1 entry in smaller cells" in all_text(digest_messages(slack))
    await driver.post_message(ALICE, leaders, "Tool: Claude\nWorked: a summary", thread_ts=prompt)
    await settle(bot)
    assert questions(slack, ALICE) == []  # the answered one was replaced, and none came after


async def test_dont_ask_me_is_remembered(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """ "Don't ask me" is stored as dismissed: no function, and no question after later shares."""
    await driver.slash_command(ALICE, "Claude: one")
    await settle(bot)
    [question] = questions(slack, ALICE)
    await tap_function(driver, slack, ALICE, question, "function_dismiss")
    await settle(bot)
    assert await state(store, ALICE) is profiles.FunctionQuestion.DISMISSED
    assert await job_of(store, ALICE) is None
    [dismissed] = [m for m in slack.dm_channel(ALICE).messages if m.ts == question.ts]  # type: ignore[union-attr]
    assert "won't ask again" in dismissed.text
    await driver.slash_command(ALICE, "Claude: two")
    await settle(bot)
    assert questions(slack, ALICE) == []  # the dismissed one was replaced, and none came after


async def test_the_profile_changes_it_and_a_set_function_is_never_asked(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried profile` changes an answered function; someone who set it first is never asked."""
    await driver.slash_command(ALICE, "Claude: one")
    await settle(bot)
    [question] = questions(slack, ALICE)
    await tap_function(driver, slack, ALICE, question, "function_choose_engineering")
    await settle(bot)
    await driver.slash_command(ALICE, "profile")
    await settle(bot)
    profile_view = json.dumps(slack.ws.views[driver.last_view(ALICE, "profile_form")].view)
    assert '"initial_option": {"text": {"type": "plain_text", "text": "Engineering"' in profile_view
    await driver.view_submission(
        ALICE, driver.last_view(ALICE, "profile_form"), form(job_function="design")
    )
    await settle(bot)
    assert await job_of(store, ALICE) is JobFunction.DESIGN
    await driver.slash_command(ALICE, "Claude: two")
    await settle(bot)
    # Entries keep the function they were shared under; new ones take the new one.
    assert {e.job_function for e in await entries(store)} == {
        JobFunction.DESIGN,
        JobFunction.ENGINEERING,
    }
    # Bob sets his function before his first share: nothing to ask.
    await driver.slash_command(BOB, "profile")
    await settle(bot)
    await driver.view_submission(
        BOB, driver.last_view(BOB, "profile_form"), form(job_function="sales")
    )
    await driver.slash_command(BOB, "Claude: a pitch")
    await settle(bot)
    assert questions(slack, BOB) == []
    [bobs] = await entries(store, BOB)
    assert bobs.job_function is JobFunction.SALES


async def test_a_settled_question_is_remembered_for_a_while_without_reading(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Once settled, later shares read nothing for `SETTLED_FOR`; then the database decides again."""
    await driver.slash_command(ALICE, "Claude: one")
    await settle(bot)
    assert len(questions(slack, ALICE)) == 1
    # As after another process's failed delivery: the question is askable again in the database.
    async with store.transaction() as conn:
        await profiles.set_function_question(conn, "T0LOL", ALICE, None)
    await driver.slash_command(ALICE, "Claude: two")
    await settle(bot)
    assert len(questions(slack, ALICE)) == 1  # remembered as settled: not read, not asked
    clock.advance(minutes=6)
    await driver.slash_command(ALICE, "Claude: three")
    await settle(bot)
    assert len(questions(slack, ALICE)) == 2  # forgotten: read again, and asked
