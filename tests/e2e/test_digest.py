"""The weekly digest end to end: content, safety, splitting, exactly once, faults, quiet weeks, preview."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from bot.runtime import Runtime
from core.model import Experiment, FailureMode, Outcome, Source
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from storage import experiments as repo
from storage.db import Database, new_id
from tests.e2e.conftest import ADMIN, ALICE, BOB, CHEN, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    a_week_of_sharing,
    add_long_failures,
    all_text,
    cli,
    digest_messages,
    dm_id,
    install,
    leaders_ritual,
    posted,
    tick,
)


async def test_digest_is_posted_once_with_every_section(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Friday 16:00 Berlin: a top post (what to know, numbers, credit), every entry in its thread; once."""
    await a_week_of_sharing(bot, driver, slack, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN - timedelta(minutes=1))
    assert digest_messages(slack) == []
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(hours=1))
    [top, thread] = digest_messages(slack)
    assert thread.thread_ts == top.ts
    head = all_text([top])
    assert "*4 experiments* from *4 people* with 3 tools; 2 failures." in head
    assert "3 of 3 people asked shared (100%)" in head  # Dana is a guest: credited, not counted
    assert "Most failures: GitHub Copilot, 2 of 2 entries" in head
    assert "Thanks for sharing: Alice Adams, Bob Brown, Chen Chao, Dana Diaz." in head
    assert "Everyone here shared for the first time" in head  # not the credit list again
    assert top.text == "Leaders digest for 2026-W48: 4 experiments from 4 people, 2 failures"
    text = all_text([thread])
    assert "*GitHub Copilot* \\u00b7 2 entries, 2 failed" in text
    # Rendered once, inert: the broadcast never fires.
    assert "it invented a CLI flag @\\u2060channel _(Confident wrong answer)_" in text
    assert "Silently partial" in text
    assert "it knew our org chart" in text
    assert "First tried this week: Claude, Cursor, GitHub Copilot" in text
    assert "sensitive HR note" not in all_text([top, thread])
    assert "<!channel>" not in all_text([top, thread])
    assert "<@" not in all_text([top, thread])
    assert text.count("|view>") == 4  # every entry is itemised, with its link
    for message in (top, thread):
        for block in Block.parse_all(message.blocks):
            block.validate_json()


async def test_edited_and_deleted_replies_show_their_latest_state(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """An edit after capture shows in the digest; a deleted reply is omitted."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    kept, _ = await driver.post_message(
        ALICE, leaders, "Claude: first draft of the text", thread_ts=prompt
    )
    gone, _ = await driver.post_message(
        BOB, leaders, "Gemini: this one will be deleted", thread_ts=prompt
    )
    await settle(bot)
    await driver.edit_message(leaders, kept.ts, "Claude: the corrected text, surprised by its tone")
    await driver.delete_message(leaders, gone.ts)
    await settle(bot)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    text = all_text(digest_messages(slack))
    assert "corrected text" in text
    assert "first draft" not in text
    assert "will be deleted" not in text


async def test_three_hundred_experiments_are_all_counted_and_split_within_limits(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A huge week is split over the main post and thread replies, each within Slack's limits; nothing dropped."""
    ritual = await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    tools = ["Copilot", "Claude", "Cursor", "Gemini", "ChatGPT"]
    async with store.transaction() as conn:
        for n in range(300):
            exp = Experiment(
                id=new_id(),
                team_id="T0LOL",
                user_id=(ALICE, BOB, CHEN)[n % 3],
                source=Source.COMMAND,
                summary=f"experiment number {n} " + "with a long description " * 12,
                created_at=MONDAY_0800_UTC,
                updated_at=MONDAY_0800_UTC,
                week="2026-W48",
                tool=tools[n % 5],
                outcome=Outcome.FAILED if n % 2 else Outcome.WORKED,
                failure=f"failure {n}" if n % 2 else "",
                failure_mode=FailureMode.CONFIDENT_WRONG if n % 2 else None,
                surprise=f"surprise {n}" if n % 3 == 0 else "",
                ritual_id=ritual.id,
                permalink=f"https://learning-out-loud.slack.com/archives/C1/p{n}",
            )
            await repo.insert_experiment(conn, exp, source_key=f"bulk:{n}")
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    messages = digest_messages(slack)
    assert len(messages) > 1
    main, *replies = messages
    assert all(reply.thread_ts == main.ts for reply in replies)
    assert "*300 experiments*" in all_text([main])
    assert "Most failures" in all_text([main])
    text = all_text(messages)
    for n in range(300):
        if n % 2:
            assert f"failure {n}" in text
        if n % 3 == 0:
            assert f"surprise {n}" in text
    assert all(m.blocks is not None and len(m.blocks) <= 50 for m in messages)
    assert f"Thread part 1 of {len(messages) - 1}" in all_text(replies[:1])
    assert [c for c in slack.calls("chat.postMessage") if not c.ok] == []


async def test_archived_digest_channel_tells_the_admin_and_keeps_the_digest(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The channel is archived: a clear log line, one DM to the ritual's creator; posted later on retry."""
    await a_week_of_sharing(bot, driver, slack, clock)
    digest = channel_id(slack, "ai-digest")
    slack.archive_channel(digest)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(minutes=5))
    assert "digest part not posted" in caplog.text
    assert "is_archived" in caplog.text
    notices = [
        m
        for m in slack.messages(dm_id(slack, ADMIN))
        if "could not be posted" in json.dumps(m.blocks)
    ]
    assert len(notices) == 1
    slack.ws.channels[digest].is_archived = False
    ritual = leaders_ritual(slack)
    result = await digests.post_digest(bot.deps, bot.client, ritual, WeekId.parse("2026-W48"))
    assert (result.failed, result.posted) == (None, 2)
    assert len(digest_messages(slack)) == 2


async def test_a_post_that_fails_half_way_resumes_without_duplicates(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The main post goes out, then Slack fails; the next run posts only the missing parts, in the thread."""
    ritual = await install(
        bot, leaders_ritual(slack, dm=False, reminder_weekday=None, reminder_at=None)
    )
    await tick(bot, clock, MONDAY_0800_UTC)
    await add_long_failures(store, ritual.id, 200)
    # Part 1 lands; part 2 gets a 500 (a post is never re-sent blindly, so the run stops there).
    slack.fail_next("chat.postMessage", status=500, after=1)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    assert len(digest_messages(slack)) == 1
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(seconds=30))
    messages = digest_messages(slack)
    main, *rest = messages
    assert len(rest) >= 2
    assert all(m.thread_ts == main.ts for m in rest)
    keys = posted(slack, "digest")
    assert len(keys) == len(set(keys)) == len(messages)
    text = all_text(messages)
    assert all(f"failure {n} " in text for n in range(200))


async def test_quiet_week_gets_an_encouraging_post_or_none(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """No entries: a short, kind post; a ritual that opted out posts nothing."""
    await install(bot, leaders_ritual(slack))
    await install(bot, leaders_ritual(slack, id="r-silent", name="Silent", quiet_week_post=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    [message] = digest_messages(slack)
    assert "A quiet week" in all_text([message])
    assert "Leaders" in all_text([message])


async def test_digest_missed_while_down_is_posted_on_return(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Down at 16:00 Friday, back at 19:00: the digest goes out once."""
    await a_week_of_sharing(bot, driver, slack, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(hours=3))
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(hours=4))
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert len(posted(slack, "digest")) == len(set(posted(slack, "digest"))) == 2


async def test_operator_previews_and_posts_from_the_cli(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    """`--preview` prints without posting; `--pin` leads with an entry; `--post` posts once; `--force` again."""
    await a_week_of_sharing(bot, driver, slack, clock)
    code, out, err = await cli(
        slack, database_url, tmp_path, "digest", "Leaders", "--week", "2026-W48", "--preview"
    )
    assert code == 0, err
    assert "Learning Out Loud · Leaders · 2026-W48" in out
    assert "it invented a CLI flag @channel" in out  # the terminal shows the broadcast as text
    assert digest_messages(slack) == []
    [cursor] = [line.split("\t")[0].split()[1] for line in out.splitlines() if "\tCursor\t" in line]
    pin = ("digest", "Leaders", "--week", "2026-W48", "--pin")
    code, _, err = await cli(slack, database_url, tmp_path, *pin, "nope")
    assert code == 1
    assert "'nope' is not a shared entry of Leaders in 2026-W48" in err
    assert (await cli(slack, database_url, tmp_path, *pin, cursor))[0] == 0
    assert (
        await cli(
            slack, database_url, tmp_path, "digest", "Leaders", "--week", "2026-W48", "--post"
        )
    )[0] == 0
    assert (
        await cli(
            slack, database_url, tmp_path, "digest", "Leaders", "--week", "2026-W48", "--post"
        )
    )[0] == 0
    assert len(digest_messages(slack)) == 2
    assert ":pushpin: *Cursor* \\u00b7 prototyped the dashboard" in all_text(
        digest_messages(slack)[:1]
    )
    code, _, err = await cli(slack, database_url, tmp_path, *pin, cursor)
    assert code == 1
    assert "already laid out" in err
    await cli(
        slack,
        database_url,
        tmp_path,
        "digest",
        "Leaders",
        "--week",
        "2026-W48",
        "--post",
        "--force",
    )
    assert len(digest_messages(slack)) == 4
    code, _, err = await cli(
        slack, database_url, tmp_path, "digest", "Leaders", "--week", "2026-W54", "--preview"
    )
    assert code == 2
    assert "2026 has no ISO week 54" in err
