"""Slack at scale: pacing instead of retrying, people looked up once, setup answered at once.

These tests run the emulator at Slack's own rate limits (scale 1), with the bot pacing itself
by the same table.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt.context.async_context import AsyncBoltContext

from bot.runtime import Runtime, start_runtime
from bot.slack_client import PacedWebClient
from core.rituals import AudienceKind
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Channel
from handlers.respond import PooledRespond
from storage.rituals import list_rituals
from tests.e2e.conftest import ADMIN, ALICE, BOB, CHEN, SECRET, FakeClock, bot_config, settle
from tests.e2e.helpers import (
    MONDAY_0800_UTC,
    as_submitted,
    install,
    leaders_ritual,
    posted,
    tick,
)
from tests.e2e.test_setup import setup_values

PEOPLE = 150
ANSWER_GUARD = 20  # seconds: only so that a form never answered fails instead of hanging


@pytest.fixture
async def real_slack(clock: FakeClock) -> AsyncIterator[FakeSlack]:
    """A workspace at Slack's real limits: 150 people in #crowd, the three leaders, an admin."""
    fake = FakeSlack(clock=clock.epoch, rate_scale=1.0)
    crowd = [f"U{n:05d}" for n in range(PEOPLE)]
    for user in crowd:
        fake.add_user(user, user.lower(), tz="Europe/Berlin")
    fake.add_user(ALICE, "alice", tz="Europe/Berlin")
    fake.add_user(BOB, "bob", tz="America/New_York")
    fake.add_user(CHEN, "chen", tz="Asia/Tokyo")
    fake.add_user(ADMIN, "admin", tz="Europe/Berlin", is_admin=True)
    fake.add_channel("crowd", members=crowd)
    fake.add_channel("leaders", members=[ALICE, BOB, CHEN, ADMIN])
    fake.add_channel("ai-digest", members=[ALICE, BOB, CHEN, ADMIN])
    async with fake:
        yield fake


@pytest.fixture
async def real_bot(
    real_slack: FakeSlack, clock: FakeClock, database_url: str
) -> AsyncIterator[Runtime]:
    runtime = await start_runtime(
        bot_config(real_slack, database_url, SLACK_RATE_SCALE="1"), clock=clock, scheduling=False
    )
    yield runtime
    await runtime.stop()


def crowd_id(slack: FakeSlack) -> str:
    return next(c.id for c in slack.ws.channels.values() if c.name == "crowd")


def lookups(slack: FakeSlack) -> Counter[str]:
    """users.info calls per person."""
    return Counter(str(call.args.get("user")) for call in slack.calls("users.info"))


def limited(slack: FakeSlack) -> list[str]:
    return [call.method for call in slack.calls() if call.http_status == 429]


async def test_a_fan_out_at_slacks_limits_meets_no_429_and_looks_each_person_up_once(
    real_bot: Runtime, real_slack: FakeSlack, clock: FakeClock
) -> None:
    """150 DMs to a channel's members: no 429, people read with users.list pages, nobody by
    users.info twice; the next run looks nobody up again."""
    slack = real_slack
    ritual = leaders_ritual(
        slack,
        audience_kind=AudienceKind.CHANNEL,
        audience=(crowd_id(slack),),
        prompt_channel_id=None,
        reminder_weekday=None,
        reminder_at=None,
        digest_channel_id=None,
    )
    await install(real_bot, ritual)
    before = len(slack.calls("users.list"))
    report = await tick(real_bot, clock, MONDAY_0800_UTC)
    assert len(posted(slack, "prompt")) == PEOPLE
    assert sum(report.sent.values()) == PEOPLE
    assert limited(slack) == []
    assert max(lookups(slack).values(), default=0) <= 1
    assert len(slack.calls("users.list")) - before <= 1  # 155 people: one page of 200
    calls = len(slack.calls())
    await tick(real_bot, clock, MONDAY_0800_UTC + timedelta(minutes=5))
    people_calls = [c for c in slack.calls()[calls:] if c.method in {"users.info", "users.list"}]
    assert people_calls == []


async def test_a_429_pauses_every_sender_and_loses_nothing(
    real_bot: Runtime, real_slack: FakeSlack, clock: FakeClock
) -> None:
    """One 429 mid fan-out (Retry-After 1): every worker waits it out, every DM goes once."""
    slack = real_slack
    ritual = leaders_ritual(
        slack,
        audience_kind=AudienceKind.CHANNEL,
        audience=(crowd_id(slack),),
        prompt_channel_id=None,
        reminder_weekday=None,
        reminder_at=None,
        digest_channel_id=None,
    )
    await install(real_bot, ritual)
    assert isinstance(real_bot.client, PacedWebClient)
    pacer = real_bot.client.pacer
    slack.limits.force("chat.postMessage", 1, retry_after=1)
    await tick(real_bot, clock, MONDAY_0800_UTC)
    keys = posted(slack, "prompt")
    assert len(keys) == len(set(keys)) == PEOPLE
    assert limited(slack) == ["chat.postMessage"]
    assert pacer.pauses == 1
    assert pacer.held >= 2  # not only the call that got the 429 waited


async def test_a_day_of_a_per_person_ritual_looks_people_up_a_bounded_number_of_times(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Three people in their own zones, a run every 5 minutes for a day: each person is looked
    up at most once per 6 hours, not once per run."""
    await install(bot, leaders_ritual(slack, prompt_channel_id=None, per_person_tz=True))
    start = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)  # before anyone's Monday 09:00
    runs = 0
    at = start
    while at < start + timedelta(days=1):
        await tick(bot, clock, at)
        at += timedelta(minutes=5)
        runs += 1
    assert runs == 288
    assert sorted(k.rsplit(":", 1)[1] for k in posted(slack, "prompt")) == [ALICE, BOB, CHEN]
    per_person = lookups(slack)
    assert set(per_person) <= {ALICE, BOB, CHEN, ADMIN}
    # Once at setup, then once per 6 hours while the prompts are open (not once per run).
    assert max(per_person.values()) <= 6


async def test_a_failed_lookup_prompts_nobody_at_a_wrong_hour_and_is_tried_next_run(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Bob (New York) cannot be looked up at 09:00 UTC: no prompt at 04:00 his time; the next
    run looks him up again, and he is prompted at his own 09:00 (14:00 UTC)."""
    await install(bot, leaders_ritual(slack, prompt_channel_id=None, per_person_tz=True))
    nine_utc = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.set(nine_utc)
    for user in (ALICE, CHEN):  # known already: Bob is the one Slack cannot tell about
        assert await bot.deps.people.get(bot.client, user) is not None
    looked_up = lookups(slack)[BOB]
    slack.fail_next("users.info", error="fatal_error")
    with caplog.at_level(logging.WARNING):
        await tick(bot, clock, nine_utc)
    assert f"prompt:r-leaders:2026-W48:{BOB}" not in posted(slack, "prompt")
    assert "asked again next run" in caplog.text
    await tick(bot, clock, nine_utc + timedelta(minutes=5))
    assert f"prompt:r-leaders:2026-W48:{BOB}" not in posted(slack, "prompt")
    assert lookups(slack)[BOB] == looked_up + 2  # the failure, then the retry on the next run
    await tick(bot, clock, datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    assert f"prompt:r-leaders:2026-W48:{BOB}" in posted(slack, "prompt")
    assert lookups(slack)[BOB] == looked_up + 2


async def test_last_weeks_people_are_not_looked_up_once_its_grace_is_over(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """A per-person ritual first run a week late: last week is skipped without any lookup."""
    await install(bot, leaders_ritual(slack, prompt_channel_id=None, per_person_tz=True))
    calls = len(slack.calls())
    await tick(bot, clock, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # Friday of W47
    after = slack.calls()[calls:]
    assert [c.method for c in after if c.method in {"users.info", "users.list"}] == []


@pytest.fixture
async def big_channel_bot(
    real_slack: FakeSlack, clock: FakeClock, database_url: str
) -> AsyncIterator[tuple[Runtime, Channel]]:
    """At Slack's limits, a bot started on a workspace with #everyone, a channel of 500."""
    big = [f"UB{n:04d}" for n in range(500)]
    for user in big:
        real_slack.add_user(user, user.lower(), tz="Europe/Berlin")
    channel = real_slack.add_channel("everyone", members=big)
    runtime = await start_runtime(
        bot_config(real_slack, database_url, SLACK_RATE_SCALE="1"), clock=clock, scheduling=False
    )
    yield runtime, channel
    await runtime.stop()


async def test_setup_for_a_500_member_channel_is_answered_and_saved(
    real_slack: FakeSlack, big_channel_bot: tuple[Runtime, Channel]
) -> None:
    """At Slack's limits, a ritual for a channel of 500: the form is answered (no error, no
    timeout), the ritual is saved, and the admin is told by DM."""
    slack = real_slack
    runtime, channel = big_channel_bot
    async with SlackDriver(
        f"http://127.0.0.1:{runtime.port}/slack/events", SECRET, slack
    ) as driver:
        await driver.slash_command(ADMIN, "setup")
        await settle(runtime)
        view_id = driver.last_view(ADMIN, "ritual_form")
        values = setup_values(
            slack,
            audience_users={"type": "multi_users_select", "selected_users": []},
            audience_channel={
                "type": "conversations_select",
                "selected_conversation": channel.id,
            },
        )
        answer = await driver.view_submission(ADMIN, view_id, values)
        assert answer.status == 200
        assert answer.body in ("", "{}")
        await settle(runtime)
    async with runtime.db.read() as conn:
        [ritual] = await list_rituals(conn)
    assert ritual.audience == (channel.id,)
    dm = slack.dm_channel(ADMIN)
    assert dm is not None
    assert "Leadership" in dm.messages[-1].text
    assert "is set up" in dm.messages[-1].text
    assert len(slack.calls("users.info")) <= 1  # the admin; the audience in one users.list page
    assert limited(slack) == []


async def test_a_home_edit_to_a_500_member_channel_is_answered_before_the_audience_is_read(
    real_slack: FakeSlack, big_channel_bot: tuple[Runtime, Channel]
) -> None:
    """At Slack's limits, an edit from Home moving a ritual to a channel of 500: the form is
    answered before the audience is read (as at setup), then the edit is saved and the admin
    told by DM."""
    slack = real_slack
    runtime, channel = big_channel_bot
    await install(runtime, leaders_ritual(slack))
    async with SlackDriver(
        f"http://127.0.0.1:{runtime.port}/slack/events", SECRET, slack
    ) as driver:
        await driver.app_home_opened(ADMIN)
        await settle(runtime)
        await driver.home_action(ADMIN, "ritual_edit", "r-leaders")
        await settle(runtime)
        view_id = driver.last_view(ADMIN, "ritual_edit_form")
        values = as_submitted(
            slack.ws.views[view_id].view,
            audience_users={"selected_users": []},
            audience_channel={"selected_conversation": channel.id},
        )
        # The audience's members are held back: the answer must not wait for them (before,
        # it did, and this submission never came back).
        members = slack.hold("conversations.members")
        answer = await asyncio.wait_for(
            driver.view_submission(ADMIN, view_id, values), timeout=ANSWER_GUARD
        )
        assert answer.status == 200
        assert answer.body in ("", "{}")
        await members.arrived.wait()
        members.release()
        await settle(runtime)
    async with runtime.db.read() as conn:
        [ritual] = await list_rituals(conn)
    assert (ritual.audience_kind, ritual.audience) == (AudienceKind.CHANNEL, (channel.id,))
    dm = slack.dm_channel(ADMIN)
    assert dm is not None
    assert "is saved" in dm.messages[-1].text
    assert limited(slack) == []


async def test_respond_posts_through_the_shared_session(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """A listener's respond() uses the process's one HTTP session, not a new one per call."""
    seen: list[object] = []

    async def watch(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        seen.append(context.respond)
        return await next()

    bot.app.middleware(watch)
    await driver.slash_command(ALICE, "help")
    await settle(bot)
    [respond] = seen
    assert isinstance(respond, PooledRespond)
    assert respond.session is bot.client.session
    assert "/tried" in slack.ephemerals(ALICE)[-1].text


async def test_setup_for_an_audience_of_nobody_is_answered_then_refused_by_dm(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """A channel whose members are all deactivated: the form closes, nothing is saved, and the
    admin is told by DM what to fix."""
    slack.add_user("UGONE", "gone", deleted=True)
    channel = slack.add_channel("ghosts", members=["UGONE"])
    await driver.slash_command(ADMIN, "setup")
    await settle(bot)
    view_id = driver.last_view(ADMIN, "ritual_form")
    values = setup_values(
        slack,
        audience_users={"type": "multi_users_select", "selected_users": []},
        audience_channel={"type": "conversations_select", "selected_conversation": channel.id},
    )
    answer = await driver.view_submission(ADMIN, view_id, values)
    assert answer.status == 200
    assert answer.body in ("", "{}")
    await settle(bot)
    async with bot.db.read() as conn:
        assert await list_rituals(conn) == []
    dm = slack.dm_channel(ADMIN)
    assert dm is not None
    assert "was not set up" in dm.messages[-1].text
    assert "nobody to ask" in dm.messages[-1].text
