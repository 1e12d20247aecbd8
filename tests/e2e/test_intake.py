"""The durable intake: nothing acknowledged is lost, under a burst, a crash, or a database fault."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.runtime import Runtime, start_runtime
from core.model import Source
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.ritual_runs import run_due
from storage import inbox
from storage import rituals as ritual_repo
from storage.db import Database
from tests.conftest import NOW
from tests.databases import break_inserts, mend_inserts
from tests.e2e.conftest import (
    ALICE,
    BOB,
    CHEN,
    DANA,
    SECRET,
    FakeClock,
    bot_config,
    bot_env,
    channel_id,
    settle,
)

PEOPLE = (ALICE, BOB, CHEN, DANA)
MONDAY_0800_UTC = NOW.replace(hour=8)  # 09:00 in Berlin


async def post_prompt(bot: Runtime, slack: FakeSlack, clock: FakeClock) -> tuple[str, str]:
    """Post this week's prompt in #leaders; return the channel and the thread to reply in."""
    leaders = channel_id(slack, "leaders")
    ritual = Ritual(
        id="r-intake",
        team_id=slack.ws.team_id,
        name="Leaders",
        audience_kind=AudienceKind.USERS,
        audience=PEOPLE,
        weekday=Weekday.MON,
        at=MONDAY_0800_UTC.time().replace(hour=9),
        tz="Europe/Berlin",
        prompt_channel_id=leaders,
    )
    async with bot.deps.db.transaction() as conn:
        await ritual_repo.insert_ritual(conn, ritual, now=MONDAY_0800_UTC - timedelta(days=7))
    clock.set(MONDAY_0800_UTC)
    await run_due(bot.deps, bot.client, now=clock(), grace=timedelta(hours=6))
    return leaders, slack.messages(leaders)[0].ts


async def stored(db: Database, source: Source) -> int:
    async with db.transaction() as conn:
        found = await conn.execute(
            text("SELECT COUNT(*) FROM experiments WHERE source = :source"),
            {"source": str(source)},
        )
        return int(found.scalar_one())


async def inbox_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as conn:
        return await inbox.counts(conn)


@pytest.fixture
async def quiet_slack(clock: FakeClock) -> AsyncIterator[FakeSlack]:
    """The four leaders, with the emulator's rate limits off: the drill measures the bot."""
    fake = FakeSlack(clock=clock.epoch, rate_limits=False)
    for user, name in zip(PEOPLE, ("alice", "bob", "chen", "dana"), strict=True):
        fake.add_user(user, name, tz="Europe/Berlin")
    fake.add_channel("leaders", members=list(PEOPLE))
    async with fake:
        yield fake


@pytest.mark.drill
async def test_a_burst_of_replies_and_entries_loses_nothing(
    quiet_slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """500 thread replies 50 at a time and 1,000 unpaced /tried, through a pool of 3 connections: all stored."""
    slack = quiet_slack
    bot = await start_runtime(
        bot_config(
            slack,
            database_url,
            DATABASE_POOL_SIZE="3",
            INTAKE_WORKERS="4",
            SLACK_RATE_SCALE="1000",  # the emulator's limits are off: so is the pacing, nearly
        ),
        clock=clock,
        scheduling=False,
    )
    try:
        leaders, thread_ts = await post_prompt(bot, slack, clock)
        gate = asyncio.Semaphore(50)
        async with SlackDriver(f"http://127.0.0.1:{bot.port}/slack/events", SECRET, slack) as d:

            async def reply(n: int) -> int:
                async with gate:
                    message = slack.user_posts(
                        PEOPLE[n % 4], leaders, f"Claude: reply {n}, it worked", thread_ts=thread_ts
                    )
                    answer, _ = await d.event(d.message_event(leaders, message))
                    return answer.status

            async def tried(n: int) -> tuple[int, str]:
                answer = await d.slash_command(PEOPLE[n % 4], f"Cursor: entry {n}, it worked")
                return answer.status, answer.body

            replies = await asyncio.gather(*(reply(n) for n in range(500)))
            entries = await asyncio.gather(*(tried(n) for n in range(1000)))
            await settle(bot)
            # On a busy machine 1,500 rows can outlast settle's bound: wait for the workers'
            # drain itself (it ends as soon as the inbox is empty).
            assert bot.deps is not None
            assert await bot.deps.inflight.wait(300)
        assert replies == [200] * 500
        assert entries == [(200, "")] * 1000
        assert await stored(bot.db, Source.THREAD) == 500
        assert await stored(bot.db, Source.COMMAND) == 1000
        assert await inbox_counts(bot.db) == {"done": 1500}
    finally:
        await bot.stop()


@pytest.mark.drill
async def test_a_reply_acknowledged_just_before_a_crash_is_stored_once_after_restart(
    slack: FakeSlack, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    """`python -m bot run` answers 200 and is killed (SIGKILL); the next start stores the reply exactly once."""
    setup = await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
    leaders, thread_ts = await post_prompt(setup, slack, clock)
    await setup.stop()

    # Workers off: the process writes requests down and answers, and does nothing else before
    # it dies, so the crash lands exactly between the acknowledgement and the work.
    env = bot_env(slack, database_url) | {"INTAKE_WORKERS": "0"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    port = None
    log = ""
    while port is None:
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=30)).decode()
        assert line, f"the bot exited early:\n{log}"
        log += line
        match = re.search(r"listening host=\S+ port=(\d+)", line)
        port = int(match.group(1)) if match else None
    message = slack.user_posts(
        ALICE, leaders, "Copilot: wrote the tests, it failed", thread_ts=thread_ts
    )
    async with SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, slack) as driver:
        answer, event_id = await driver.event(driver.message_event(leaders, message))
        assert answer.status == 200
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL

    restarted = await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
    try:
        await settle(restarted)
        assert await stored(restarted.db, Source.THREAD) == 1
        async with SlackDriver(
            f"http://127.0.0.1:{restarted.port}/slack/events", SECRET, slack
        ) as driver:
            again, _ = await driver.event(
                driver.message_event(leaders, message), event_id=event_id, retry_num=1
            )
            await settle(restarted)
        assert again.status == 200
        assert await stored(restarted.db, Source.THREAD) == 1
        assert await inbox_counts(restarted.db) == {"done": 1}
        [reaction] = slack.calls("reactions.add")
        assert reaction.args["timestamp"] == message.ts
    finally:
        await restarted.stop()


async def test_a_row_held_by_a_dead_worker_is_taken_again_after_its_lease(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """A row leased by a worker that died waits out the lease, then another worker finishes it."""
    leaders, thread_ts = await post_prompt(bot, slack, clock)
    message = slack.user_posts(BOB, leaders, "Gemini: a summary, it worked", thread_ts=thread_ts)
    envelope = driver.envelope(driver.message_event(leaders, message))
    async with bot.db.transaction() as conn:
        await inbox.put(
            conn, f"event:{envelope['event_id']}", "event", json.dumps(envelope), now=clock()
        )
        [held] = await inbox.take(conn, 1, now=clock(), lease=timedelta(minutes=2))
    assert held.attempts == 1

    bot.intake.kick()
    await settle(bot)
    assert await stored(bot.db, Source.THREAD) == 0  # the lease is still live

    clock.advance(minutes=3)
    bot.intake.kick()
    await settle(bot)
    assert await stored(bot.db, Source.THREAD) == 1
    assert await inbox_counts(bot.db) == {"done": 1}


async def test_when_nothing_can_be_written_the_person_is_told_and_slack_retries(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """With the inbox refusing writes, an event gets a 503 (Slack redelivers) and /tried says it was not saved."""
    leaders, thread_ts = await post_prompt(bot, slack, clock)
    async with bot.db.transaction() as conn:
        await break_inserts(conn, "inbox", "disk full")
    message = slack.user_posts(DANA, leaders, "Claude: it worked", thread_ts=thread_ts)
    answer, event_id = await driver.event(driver.message_event(leaders, message))
    command = await driver.slash_command(DANA, "Claude: drafted a memo, it worked")
    assert answer.status == 503
    assert command.status == 200
    assert "Not saved" in command.json()["text"]
    assert command.json()["response_type"] == "ephemeral"

    async with bot.db.transaction() as conn:
        await mend_inserts(conn, "inbox")
    again, _ = await driver.event(
        driver.message_event(leaders, message), event_id=event_id, retry_num=1
    )
    await settle(bot)
    assert again.status == 200
    assert await stored(bot.db, Source.THREAD) == 1


async def test_an_entry_that_keeps_failing_is_given_up_and_the_person_told(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """When storing fails on every try, the row is marked failed after five and each person hears so, once."""
    leaders, thread_ts = await post_prompt(bot, slack, clock)
    async with bot.db.transaction() as conn:
        await break_inserts(conn, "experiments", "disk trouble")
    message = slack.user_posts(CHEN, leaders, "Claude: it worked", thread_ts=thread_ts)
    answer, _ = await driver.event(driver.message_event(leaders, message))
    command = await driver.slash_command(ALICE, "Cursor: refactored a module <!channel>")
    assert (answer.status, command.status, command.body) == (200, 200, "")
    for _attempt in range(5):
        await settle(bot)
        clock.advance(minutes=5)  # past the back-off, within the response URL's 30 minutes
        bot.intake.kick()
    await settle(bot)
    assert await inbox_counts(bot.db) == {"failed": 2}
    [to_alice] = slack.ephemerals(ALICE)
    assert "could not be saved" in to_alice.text
    assert "@\u2060channel" in to_alice.text  # her text, shown back without pinging anyone
    [to_chen] = slack.ephemerals(CHEN)
    assert "could not be saved" in to_chen.text


async def test_an_edit_arriving_with_its_reply_is_applied_after_it(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """A reply and its edit delivered back to back: the stored experiment has the edited text."""
    leaders, thread_ts = await post_prompt(bot, slack, clock)
    message = slack.user_posts(
        ALICE, leaders, "Claude: first draft, it worked", thread_ts=thread_ts
    )
    first, _ = await driver.event(driver.message_event(leaders, message))
    await driver.edit_message(leaders, message.ts, "Claude: drafted the memo, it failed")
    await settle(bot)
    assert first.status == 200
    async with bot.db.transaction() as conn:
        summary = (
            await conn.execute(text("SELECT summary FROM experiments WHERE source = 'thread'"))
        ).scalar_one()
    assert summary == "drafted the memo, it failed"
