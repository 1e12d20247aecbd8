"""Sends that cannot double: crashes, slow and failing Slack, two replicas, and shutdown.

Each test reproduces one way a prompt could reach a person twice (or be left half-done) and
shows it does not. Slack's faults come from the emulator: a call held before Slack handles it
(`slow_next`), a 500 after the message was stored (`fail_next(accepted=True)`), 429s.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.drill import drill_ritual, people_ids, tally
from bot.runtime import Runtime, start_runtime
from bot.slack_client import PacedWebClient
from core.weeks import WeekId
from fakeslack.server import FakeSlack
from services.ritual_runs import FANOUT_CONCURRENCY, run_due
from storage import rituals as ritual_repo
from storage import sends
from storage.db import Database
from storage.migrate import migrate
from storage.sends import SendKind, SendStatus
from tests.e2e.conftest import ALICE, BOB, CHEN, FakeClock, bot_config, bot_env
from tests.e2e.helpers import (
    GRACE,
    MONDAY_0800_UTC,
    digest_messages,
    dm_id,
    install,
    leaders_ritual,
    posted,
)

ALICE_PROMPT = f"prompt:r-leaders:2026-W48:{ALICE}"


@asynccontextmanager
async def replica(
    slack: FakeSlack, clock: FakeClock, database_url: str, **env: str
) -> AsyncIterator[Runtime]:
    """One bot instance on the shared database, its timer off (tests drive the runs)."""
    runtime = await start_runtime(
        bot_config(slack, database_url, **env), clock=clock, scheduling=False
    )
    try:
        yield runtime
    finally:
        await runtime.stop()


async def run(runtime: Runtime, clock: FakeClock) -> None:
    """One scheduled run of this instance at the clock's time."""
    await run_due(runtime.deps, runtime.client, now=clock(), grace=GRACE)


async def until(condition: Callable[[], bool], *, within: float = 5.0) -> bool:
    """Poll the emulator or the bot for a state it has no event for; False after `within` s."""
    for _ in range(int(within / 0.005)):
        if condition():
            return True
        await asyncio.sleep(0.005)
    return condition()


async def send_of(db: Database | None, key: str) -> sends.Send | None:
    assert db is not None
    async with db.transaction() as conn:
        return await sends.get_send(conn, key)


def alice_only(slack: FakeSlack) -> dict[str, object]:
    return {"audience": (ALICE,), "prompt_channel_id": None}


async def test_a_restart_long_after_a_crash_finds_the_message_in_slack(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """Killed while Slack held an accepted prompt, restarted 13 minutes later: not sent again."""
    slack.slow_next("chat.postMessage", seconds=30)
    async with replica(slack, clock, database_url) as first:
        await install(first, leaders_ritual(slack, **alice_only(slack)))
        clock.set(MONDAY_0800_UTC)
        task = asyncio.create_task(run(first, clock))
        assert await until(lambda: slack.waiting == 1)
        task.cancel()  # the process dies with the post in flight
        with pytest.raises(asyncio.CancelledError):
            await task
    slack.release()  # Slack handles the post it had received
    assert await until(lambda: len(posted(slack, "prompt")) == 1)
    clock.advance(minutes=13)
    async with replica(slack, clock, database_url) as second:
        await run(second, clock)
        await run(second, clock)
        done = await send_of(second.db, ALICE_PROMPT)
    assert posted(slack, "prompt") == [ALICE_PROMPT]
    assert done is not None
    assert done.status is SendStatus.SENT


async def test_two_replicas_never_send_twice_when_a_send_outlasts_the_lease(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """One replica's post waits three minutes in Slack; the other, ticking meanwhile, never takes it over."""
    heartbeat = {"SEND_HEARTBEAT_SECONDS": "0.01"}
    async with (
        replica(slack, clock, database_url, **heartbeat) as first,
        replica(slack, clock, database_url, **heartbeat) as second,
    ):
        await install(first, leaders_ritual(slack, **alice_only(slack)))
        clock.set(MONDAY_0800_UTC)
        slack.slow_next("chat.postMessage", seconds=30)
        sending = asyncio.create_task(run(first, clock))
        assert await until(lambda: slack.waiting == 1)
        for _ in range(6):  # three minutes, in steps of one tick
            clock.advance(seconds=30)
            assert await renewal(first, clock)
            await run(second, clock)
        slack.release()
        await sending
    assert posted(slack, "prompt") == [ALICE_PROMPT]


async def renewal(owner: Runtime, clock: FakeClock) -> bool:
    """Wait (a second at most) until the owner's heartbeat has renewed Alice's claim from now."""
    for _ in range(200):
        claim = await send_of(owner.db, ALICE_PROMPT)
        renewed_until = claim.lease_until if claim is not None else None
        if renewed_until is not None and renewed_until >= clock() + owner.deps.lease.length:
            return True
        await asyncio.sleep(0.005)
    return False


async def test_a_500_after_slack_accepted_the_post_is_not_posted_again(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Slack stores the prompt and answers 500: it is found by its metadata, recorded, not re-sent."""
    await install(bot, leaders_ritual(slack, **alice_only(slack)))
    slack.fail_next("chat.postMessage", status=500, accepted=True)
    clock.set(MONDAY_0800_UTC)
    await run(bot, clock)
    clock.advance(seconds=30)
    await run(bot, clock)
    assert posted(slack, "prompt") == [ALICE_PROMPT]
    done = await send_of(bot.db, ALICE_PROMPT)
    assert done is not None
    assert done.status is SendStatus.SENT
    assert done.ts == slack.messages(dm_id(slack, ALICE))[0].ts


async def test_a_500_before_slack_accepted_the_post_is_sent_on_a_later_run(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Slack answers 500 without storing: nothing found by metadata, so a later run posts it, once."""
    await install(bot, leaders_ritual(slack, **alice_only(slack)))
    slack.fail_next("chat.postMessage", status=503)
    clock.set(MONDAY_0800_UTC)
    await run(bot, clock)
    assert posted(slack, "prompt") == []
    clock.advance(seconds=30)
    await run(bot, clock)
    assert posted(slack, "prompt") == [ALICE_PROMPT]


async def test_reads_are_still_retried_on_a_server_error(bot: Runtime, slack: FakeSlack) -> None:
    """A 503 on users.info (a read) is retried by the client and succeeds."""
    slack.fail_next("users.info", status=503)
    response = await bot.client.users_info(user=ALICE)
    assert response["user"]["id"] == ALICE
    assert [c.http_status for c in slack.calls("users.info")] == [503, 200]


async def test_a_long_rate_limit_gives_the_send_back_for_a_later_run(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """429 with Retry-After 30, five times: no run waits it out, and no run asks Slack again
    before the 30 s are over; later runs send it once."""
    await install(bot, leaders_ritual(slack, **alice_only(slack)))
    assert isinstance(bot.client, PacedWebClient)
    bot.client.pacer.clock = clock.epoch  # the pause runs on the test's time
    slack.rate_limit_next("chat.postMessage", times=5, retry_after=30)
    clock.set(MONDAY_0800_UTC)
    for _ in range(6):
        await asyncio.wait_for(run(bot, clock), timeout=10)
        clock.advance(seconds=15)
        await asyncio.wait_for(run(bot, clock), timeout=10)  # still paused: Slack not asked
        clock.advance(seconds=15)
    assert posted(slack, "prompt") == [ALICE_PROMPT]
    assert len(slack.calls("chat.postMessage")) == 6


async def test_a_hung_slack_call_fails_after_the_configured_timeout(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """Slack hangs on the post: the run gives up after SLACK_TIMEOUT_SECONDS, and the message
    Slack handles late is found, not sent twice."""
    async with replica(slack, clock, database_url, SLACK_TIMEOUT_SECONDS="0.5") as bot:
        await install(bot, leaders_ritual(slack, **alice_only(slack)))
        slack.slow_next("chat.postMessage", seconds=60)
        clock.set(MONDAY_0800_UTC)
        await asyncio.wait_for(run(bot, clock), timeout=10)  # generous: the hang lasts 60 s
        waiting = await send_of(bot.db, ALICE_PROMPT)
        assert waiting is not None
        assert waiting.status is not SendStatus.CLAIMED
        slack.release()  # Slack handles the request it had received, late
        assert await until(lambda: len(posted(slack, "prompt")) == 1)
        clock.advance(seconds=30)
        await run(bot, clock)
        done = await send_of(bot.db, ALICE_PROMPT)
    assert posted(slack, "prompt") == [ALICE_PROMPT]
    assert done is not None
    assert done.status is SendStatus.SENT


async def test_shutdown_lets_a_scheduled_fan_out_finish_its_sends(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """Stopped (as on SIGTERM) mid fan-out: posts in flight finish and are recorded, no new ones
    are claimed, no claim is left unfinished; the next start sends the rest, once each."""
    people = [f"U{n:05d}" for n in range(12)]
    for user in people:
        slack.add_user(user, user.lower(), tz="Europe/Berlin")
    async with replica(slack, clock, database_url) as setup:
        await install(setup, leaders_ritual(slack, audience=tuple(people), prompt_channel_id=None))
    clock.set(MONDAY_0800_UTC)
    slack.slow_next("chat.postMessage", seconds=30, times=FANOUT_CONCURRENCY)
    runtime = await start_runtime(bot_config(slack, database_url), clock=clock)  # the timer on
    assert await until(lambda: slack.waiting == FANOUT_CONCURRENCY)  # every worker mid-post
    stopping = asyncio.create_task(runtime.stop())
    for _ in range(5):
        await asyncio.sleep(0)
    slack.release()
    await asyncio.wait_for(stopping, timeout=20)
    db = Database.connect(database_url)
    try:
        async with db.transaction() as conn:
            records = await sends.list_sends(
                conn, "r-leaders", WeekId.parse("2026-W48"), SendKind.PROMPT
            )
    finally:
        await db.close()
    assert records
    assert {r.status for r in records} == {SendStatus.SENT}
    assert sorted(r.key for r in records) == sorted(posted(slack, "prompt"))
    assert len(records) < len(people)
    async with replica(slack, clock, database_url) as restarted:
        await run(restarted, clock)
    assert sorted(posted(slack, "prompt")) == sorted(
        f"prompt:r-leaders:2026-W48:{u}" for u in people
    )


async def test_shutdown_is_bounded_and_leaves_an_unfinished_send_to_be_checked(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """A post Slack never answers does not hold shutdown past SHUTDOWN_GRACE_SECONDS; it is
    left for a check by metadata, and sent once later."""
    async with replica(slack, clock, database_url) as setup:
        await install(setup, leaders_ritual(slack, **alice_only(slack)))
    clock.set(MONDAY_0800_UTC)
    slack.slow_next("chat.postMessage", seconds=60)
    runtime = await start_runtime(
        bot_config(slack, database_url, SHUTDOWN_GRACE_SECONDS="0.2"), clock=clock
    )
    assert await until(lambda: slack.waiting == 1)
    await asyncio.wait_for(runtime.stop(), timeout=10)  # generous: the hang lasts 60 s
    slack.release()
    clock.advance(seconds=30)
    async with replica(slack, clock, database_url) as restarted:
        left = await send_of(restarted.db, ALICE_PROMPT)
        assert left is not None
        assert left.status is SendStatus.RETRY
        await run(restarted, clock)
    assert posted(slack, "prompt") == [ALICE_PROMPT]


async def test_a_digest_part_held_by_another_worker_is_not_logged_as_an_error(
    slack: FakeSlack, clock: FakeClock, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """While one replica posts the digest, the other's run says so at INFO, not as an error."""
    async with (
        replica(slack, clock, database_url) as first,
        replica(slack, clock, database_url) as second,
    ):
        await install(first, leaders_ritual(slack, dm=False, audience=(ALICE, BOB, CHEN)))
        clock.set(MONDAY_0800_UTC + timedelta(days=4, hours=7))  # Friday 16:00 Berlin
        slack.slow_next("chat.postMessage", seconds=30)
        posting = asyncio.create_task(run(first, clock))
        assert await until(lambda: slack.waiting == 1)
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            await run(second, clock)
        slack.release()
        await posting
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "held by another worker" in caplog.text
    # The first replica's post went through once it was released; the second posted nothing.
    assert len(posted(slack, "digest")) == 1
    assert len(digest_messages(slack)) == 1


@pytest.mark.drill
async def test_drill_thirty_people_two_replicas_one_cut_off_while_slack_misbehaves(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """`bench.drill` in small: two replicas fan out to 30 people while Slack answers 429s, a 500
    after storing, a 503, a slow call and a hang; one replica is cut off mid fan-out and
    restarted. Everyone gets exactly one prompt, and every send ends recorded as sent."""
    people = people_ids(30)
    for user in people:
        slack.add_user(user, user.lower(), tz="UTC")
    async with replica(slack, clock, database_url) as setup, setup.db.transaction() as conn:
        await ritual_repo.insert_ritual(conn, drill_ritual(people, clock()), now=clock())
    slack.rate_limit_next("chat.postMessage", times=3, retry_after=0)
    slack.fail_next("chat.postMessage", status=500, accepted=True, after=2)
    slack.fail_next("chat.postMessage", status=503, after=2)
    slack.slow_next("chat.postMessage", seconds=0.1, after=2)
    slack.slow_next("chat.postMessage", seconds=2, after=2)  # past the 0.3 s timeout
    env = {"SLACK_TIMEOUT_SECONDS": "0.3"}
    async with replica(slack, clock, database_url, **env) as second:
        async with replica(slack, clock, database_url, **env) as first:
            cut = asyncio.create_task(run(first, clock))
            steady = asyncio.create_task(run(second, clock))
            assert await until(lambda: tally(slack, people).recipients >= 10)
            # Slack holds every post for a moment: each worker of both replicas is mid-post.
            slack.slow_next("chat.postMessage", seconds=30, times=2 * FANOUT_CONCURRENCY)
            assert await until(lambda: slack.waiting == 2 * FANOUT_CONCURRENCY)
            cut.cancel()  # the first replica dies mid fan-out
            slack.release()  # Slack handles at once what it had received
            await asyncio.wait({cut, steady})
        async with replica(slack, clock, database_url, **env) as again:
            for _ in range(10):  # a tick every 30 s until every send is settled
                clock.advance(seconds=30)
                await asyncio.gather(run(again, clock), run(second, clock))
                async with again.db.transaction() as conn:
                    records = await sends.list_sends(
                        conn, "drill", drill_week(clock), SendKind.PROMPT
                    )
                if {r.status for r in records} == {SendStatus.SENT}:
                    break
    result = tally(slack, people)
    assert (result.recipients, result.duplicates, result.missing) == (30, 0, 0)
    assert len(records) == 30
    assert {r.status for r in records} == {SendStatus.SENT}


def drill_week(clock: FakeClock) -> WeekId:
    return WeekId.of(clock() - timedelta(minutes=2), ZoneInfo("UTC"))


@pytest.mark.drill
async def test_sigterm_mid_fan_out_finishes_the_sends_in_flight_and_exits(
    database_url: str, tmp_path: Path
) -> None:
    """`python -m bot run` gets SIGTERM while its scheduled fan-out waits on Slack: the posts in
    flight are recorded, nothing new is claimed, no claim is left unfinished, and it exits 0."""
    people = people_ids(12)
    async with FakeSlack(rate_limits=False) as slack:  # the process runs on the wall clock
        for user in people:
            slack.add_user(user, user.lower(), tz="UTC")
        db = Database.connect(database_url)
        try:
            now = datetime.now(UTC)
            await migrate(db, now=now)
            async with db.transaction() as conn:
                await ritual_repo.insert_ritual(conn, drill_ritual(people, now), now=now)
            slack.slow_next("chat.postMessage", seconds=30, times=FANOUT_CONCURRENCY)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=bot_env(slack, database_url),
                cwd=tmp_path,
                stderr=asyncio.subprocess.PIPE,
            )
            assert process.stderr is not None
            assert await until(lambda: slack.waiting == FANOUT_CONCURRENCY, within=30)
            process.send_signal(signal.SIGTERM)
            slack.release()
            log = (await asyncio.wait_for(process.stderr.read(), timeout=30)).decode()
            assert await process.wait() == 0, log
            async with db.transaction() as conn:
                records = await sends.list_sends(
                    conn,
                    "drill",
                    WeekId.of(now - timedelta(minutes=2), ZoneInfo("UTC")),
                    SendKind.PROMPT,
                )
        finally:
            await db.close()
        assert len(records) == FANOUT_CONCURRENCY
        assert {r.status for r in records} == {SendStatus.SENT}
        assert tally(slack, people).recipients == FANOUT_CONCURRENCY
