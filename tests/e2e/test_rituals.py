"""Rituals end to end: prompts on time across DST, replies collected, reminders, skips, catch-up, fan-out."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import warnings
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.runtime import Runtime, start_runtime
from core.model import FailureMode, Outcome, Profile, Source
from core.rituals import AudienceKind
from core.schedule import Weekday
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.ritual_runs import prompt_now, run_due
from storage.db import Database
from storage.profiles import save_profile
from tests.e2e.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CHEN,
    DANA,
    FakeClock,
    bot_config,
    channel_id,
    settle,
)
from tests.e2e.helpers import (
    GRACE,
    MONDAY_0800_UTC,
    dm_id,
    entries,
    install,
    leaders_ritual,
    message_at,
    posted,
    prompts_to,
    tick,
)


async def test_prompts_go_out_on_time_once(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Nothing before Monday 09:00 Berlin; at 09:00 the channel post and each DM, once; never again."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC - timedelta(minutes=1))
    assert posted(slack, "prompt") == []
    report = await tick(bot, clock, MONDAY_0800_UTC)
    assert report.sent[next(iter(report.sent))] == 4
    assert sorted(posted(slack, "prompt")) == sorted(
        f"prompt:r-leaders:2026-W48:{who}"
        for who in (ALICE, BOB, CHEN, channel_id(slack, "leaders"))
    )
    for later in (timedelta(seconds=30), timedelta(hours=1), timedelta(days=2)):
        await tick(bot, clock, MONDAY_0800_UTC + later)
    assert len(posted(slack, "prompt")) == 4
    prompt = slack.messages(channel_id(slack, "leaders"))[0]
    assert "Which tool?" in json.dumps(prompt.blocks)
    assert "ritual_skip_week" in json.dumps(prompt.blocks)


async def test_replies_in_the_thread_are_captured_edited_and_deleted(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A reply becomes an experiment with a :memo:; a retry is stored once; edits and deletions follow."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt_ts = slack.messages(leaders)[0].ts
    clock.advance(hours=1)
    reply, event_id = await driver.post_message(
        BOB,
        leaders,
        "Tool: Copilot\nWhat happened: wrote the tests\nSurprised: it found a real bug",
        thread_ts=prompt_ts,
    )
    retried, _ = await driver.event(
        {
            "type": "message",
            "channel": leaders,
            "user": BOB,
            "text": reply.text,
            "ts": reply.ts,
            "thread_ts": prompt_ts,
            "channel_type": "channel",
        },
        event_id=event_id,
        retry_num=1,
    )
    assert retried.status == 200
    await settle(bot)
    [exp] = await entries(store, BOB)
    assert (exp.tool, exp.summary, exp.surprise, exp.source, exp.ritual_id, exp.week) == (
        "GitHub Copilot",
        "wrote the tests",
        "it found a real bug",
        Source.THREAD,
        "r-leaders",
        "2026-W48",
    )
    assert (
        exp.permalink
        == f"https://learning-out-loud.slack.com/archives/{leaders}/p{reply.ts.replace('.', '')}?thread_ts={prompt_ts}&cid={leaders}"
    )
    assert message_at(slack.ws.channels[leaders], reply.ts).reactions == {"memo": ["U0BOT"]}
    await driver.edit_message(
        leaders, reply.ts, "Tool: Claude\nWhat happened: wrote the tests, then hallucinated an API"
    )
    await settle(bot)
    [edited] = await entries(store, BOB)
    assert (edited.id, edited.tool, edited.summary) == (
        exp.id,
        "Claude",
        "wrote the tests, then hallucinated an API",
    )
    await driver.delete_message(leaders, reply.ts)
    await settle(bot)
    assert await entries(store, BOB) == []


async def test_other_threads_bots_and_system_messages_are_ignored(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Only human replies in a prompt's thread count."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt_ts = slack.messages(leaders)[0].ts
    other, _ = await driver.post_message(ALICE, leaders, "lunch?")
    await driver.post_message(BOB, leaders, "Claude: not a prompt thread", thread_ts=other.ts)
    await driver.event(
        {
            "type": "message",
            "subtype": "channel_join",
            "channel": leaders,
            "user": DANA,
            "text": "joined",
            "ts": "9.9",
            "thread_ts": prompt_ts,
        }
    )
    await driver.event(
        {
            "type": "message",
            "channel": leaders,
            "bot_id": "B0OTHER",
            "text": "Claude: a bot",
            "ts": "9.8",
            "thread_ts": prompt_ts,
        }
    )
    await settle(bot)
    for user in (ALICE, BOB, DANA):
        assert await entries(store, user) == []


async def test_chatter_in_a_prompt_thread_is_not_an_experiment(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """ "+1", thanks and questions in the thread are conversation: not stored, no :memo:."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt_ts = slack.messages(leaders)[0].ts
    chatter = [
        await driver.post_message(ALICE, leaders, text, thread_ts=prompt_ts)
        for text in ("+1, same thing happened to me", "did anyone try Perplexity?", ":tada:")
    ]
    shared, _ = await driver.post_message(
        BOB,
        leaders,
        "the JSON it returned had trailing commas and our importer choked on it",
        thread_ts=prompt_ts,
    )
    await settle(bot)
    assert await entries(store, ALICE) == []
    for message, _ in chatter:
        assert message_at(slack.ws.channels[leaders], message.ts).reactions == {}
    [exp] = await entries(store, BOB)
    assert (exp.outcome, exp.failure_mode) == (Outcome.FAILED, FailureMode.BROKEN_SHAPE)
    assert message_at(slack.ws.channels[leaders], shared.ts).reactions == {"memo": ["U0BOT"]}


async def test_a_guest_reply_is_stored(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Someone outside the audience who answers is welcome: stored like anyone else."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    await driver.post_message(
        DANA,
        leaders,
        "Gemini: translated a contract, mostly worked",
        thread_ts=slack.messages(leaders)[0].ts,
    )
    await settle(bot)
    [exp] = await entries(store, DANA)
    assert exp.ritual_id == "r-leaders"


async def test_reminder_only_to_who_neither_answered_nor_skipped(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Wednesday 14:00: Alice answered in her DM thread, Bob skipped; only Chen is reminded, once."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    [alice_prompt] = prompts_to(slack, ALICE)
    alice_dm = slack.dm_channel(ALICE)
    assert alice_dm is not None
    await driver.post_message(
        ALICE,
        alice_dm.id,
        "Cursor: built a prototype, surprised how fast",
        thread_ts=alice_prompt.ts,
    )
    await driver.block_action(
        BOB,
        "ritual_skip_week",
        "r-leaders|2026-W48",
        message_ts=prompts_to(slack, BOB)[0].ts,
        channel_id=dm_id(slack, BOB),
    )
    await settle(bot)
    reminder_at = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # Wednesday 14:00 Berlin
    await tick(bot, clock, reminder_at - timedelta(minutes=1))
    assert posted(slack, "reminder") == []
    await tick(bot, clock, reminder_at)
    await tick(bot, clock, reminder_at + timedelta(hours=1))
    assert posted(slack, "reminder") == [f"reminder:r-leaders:2026-W48:{CHEN}"]
    chen_dm = slack.dm_channel(CHEN)
    assert chen_dm is not None
    [reminder] = [m for m in chen_dm.messages if m.thread_ts and m.ts != m.thread_ts]
    assert (
        reminder.thread_ts == prompts_to(slack, CHEN)[0].ts
    )  # a reply under Chen's own prompt, not a channel ping
    assert "<@" not in json.dumps(slack.messages(channel_id(slack, "leaders"))[-1].blocks)


async def test_tried_entry_counts_as_an_answer_and_lands_in_the_thread(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A shared `/tried` entry goes into the person's prompt thread and spares them the reminder."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    clock.advance(hours=2)
    await driver.slash_command(
        CHEN, "Claude: summarised 40 interview notes, it dropped three silently"
    )
    await driver.slash_command(BOB, "private ChatGPT: sensitive")
    await settle(bot)
    [exp] = await entries(store, CHEN)
    assert (exp.ritual_id, exp.week) == ("r-leaders", "2026-W48")
    thread = slack.thread(dm_id(slack, CHEN), prompts_to(slack, CHEN)[0].ts)
    assert "summarised 40 interview notes" in json.dumps(thread[-1].blocks)
    assert not [
        m
        for m in slack.thread(dm_id(slack, BOB), prompts_to(slack, BOB)[0].ts)
        if m.thread_ts and m.ts != m.thread_ts
    ]
    await tick(bot, clock, datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    assert sorted(posted(slack, "reminder")) == sorted(
        f"reminder:r-leaders:2026-W48:{u}" for u in (ALICE, BOB)
    )


async def test_paused_ritual_and_paused_person_get_nothing(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A paused ritual sends nothing; a person on vacation is not prompted by DM."""
    await install(bot, leaders_ritual(slack, id="r-paused", name="Paused", paused=True))
    await install(bot, leaders_ritual(slack, prompt_channel_id=None))
    async with store.transaction() as conn:
        await save_profile(
            conn, Profile("T0LOL", BOB, paused_until=date(2026, 11, 27)), now=clock()
        )
    await tick(bot, clock, MONDAY_0800_UTC)
    assert sorted(posted(slack, "prompt")) == sorted(
        f"prompt:r-leaders:2026-W48:{u}" for u in (ALICE, CHEN)
    )


@pytest.mark.parametrize(
    ("week_monday", "utc_hour"),
    [
        pytest.param(date(2026, 3, 23), 8, id="winter-time"),
        pytest.param(date(2026, 3, 30), 7, id="summer-time"),
        pytest.param(date(2026, 10, 26), 8, id="back-to-winter"),
    ],
)
async def test_daylight_saving_keeps_the_local_time(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, week_monday: date, utc_hour: int
) -> None:
    """Monday 09:00 Berlin is sent at 09:00 local on both sides of a change, not an hour off."""
    await install(bot, leaders_ritual(slack, dm=False))
    due = datetime.combine(week_monday, time(utc_hour), tzinfo=UTC)
    await tick(bot, clock, due - timedelta(minutes=1))
    assert posted(slack, "prompt") == []
    await tick(bot, clock, due)
    assert len(posted(slack, "prompt")) == 1


async def test_a_time_in_the_spring_gap_is_sent_once_after_it(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Sunday 02:30 Berlin does not exist on 29 March 2026: sent once, at 03:30 local."""
    await install(bot, leaders_ritual(slack, dm=False, weekday=Weekday.SUN, at=time(2, 30)))
    gap = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    for at in (
        gap - timedelta(minutes=1),
        gap,
        gap + timedelta(minutes=30),
        gap + timedelta(hours=1),
    ):
        await tick(bot, clock, at)
        assert len(posted(slack, "prompt")) == (0 if at < gap else 1)


async def test_a_time_in_the_autumn_overlap_is_sent_once(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Sunday 01:30 New York happens twice on 1 November 2026: sent once, at the first."""
    await install(
        bot,
        leaders_ritual(slack, dm=False, weekday=Weekday.SUN, at=time(1, 30), tz="America/New_York"),
    )
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    for at in (
        first - timedelta(minutes=1),
        first,
        first + timedelta(hours=1),
        first + timedelta(hours=2),
    ):
        await tick(bot, clock, at)
    assert posted(slack, "prompt") == [f"prompt:r-leaders:2026-W44:{channel_id(slack, 'leaders')}"]


async def test_missed_prompt_is_sent_on_return_within_grace(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Down at 09:00 and back at 13:00 (within six hours): the prompts go out once, late."""
    await install(bot, leaders_ritual(slack, dm=False))
    await install(
        bot,
        leaders_ritual(
            slack,
            id="r-late",
            name="Late",
            dm=False,
            prompt_channel_id=channel_id(slack, "ai-digest"),
        ),
    )
    await tick(bot, clock, MONDAY_0800_UTC + timedelta(hours=4))
    await tick(bot, clock, MONDAY_0800_UTC + timedelta(hours=5))
    assert sorted(posted(slack, "prompt")) == sorted(
        [
            f"prompt:r-leaders:2026-W48:{channel_id(slack, 'leaders')}",
            f"prompt:r-late:2026-W48:{channel_id(slack, 'ai-digest')}",
        ]
    )


async def test_prompt_too_late_after_downtime_is_skipped(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Seven hours after its moment (grace is six), a prompt is not sent; one log line says so."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC - timedelta(days=1))  # the bot ran last week…
    caplog.clear()
    report = await tick(
        bot, clock, MONDAY_0800_UTC + timedelta(hours=7)
    )  # …then was down Monday morning
    again = await tick(bot, clock, MONDAY_0800_UTC + timedelta(hours=8))
    assert [k for k in posted(slack, "prompt") if "2026-W48" in k] == []
    assert (report.skipped_late, again.skipped_late) == (1, 0)
    assert caplog.text.count("prompt skipped") == 1


async def test_each_persons_own_nine_oclock(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """In local-time mode Tokyo, Berlin and New York are each asked at their own 09:00."""
    await install(bot, leaders_ritual(slack, prompt_channel_id=None, per_person_tz=True))
    expected = {
        datetime(2026, 11, 23, 0, 0, tzinfo=UTC): [CHEN],
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC): [CHEN, ALICE],
        datetime(2026, 11, 23, 14, 0, tzinfo=UTC): [CHEN, ALICE, BOB],
    }
    await tick(bot, clock, datetime(2026, 11, 22, 23, 59, tzinfo=UTC))
    assert posted(slack, "prompt") == []
    for at, users in expected.items():
        await tick(bot, clock, at)
        assert sorted(posted(slack, "prompt")) == sorted(
            f"prompt:r-leaders:2026-W48:{u}" for u in users
        )


async def test_deactivated_person_is_skipped_and_the_rest_go_on(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A deactivated user or closed DMs fail for that person only, with a log line."""
    await install(bot, leaders_ritual(slack, prompt_channel_id=None))
    slack.deactivate_user(BOB)
    slack.fail_next("chat.postMessage", error="messages_tab_disabled")
    with caplog.at_level(logging.INFO):
        await tick(bot, clock, MONDAY_0800_UTC)
    # Alice's and Chen's DMs go out concurrently: whichever is posted first meets the closed tab.
    [sent] = posted(slack, "prompt")
    assert sent in {f"prompt:r-leaders:2026-W48:{ALICE}", f"prompt:r-leaders:2026-W48:{CHEN}"}
    refused = CHEN if sent.endswith(ALICE) else ALICE
    assert (
        f"send failed key=prompt:r-leaders:2026-W48:{refused} error=messages_tab_disabled"
        in caplog.text
    )
    assert f"not asking user={BOB} deleted=True" in caplog.text


async def test_fan_out_through_429s_sends_everyone_once(
    bot: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """Posts answered with 429 are retried after Retry-After (0 here: the test proves the retry,
    not the wait); nobody is missed or doubled."""
    await install(bot, leaders_ritual(slack))
    slack.limits.force("chat.postMessage", 3, retry_after=0)
    await tick(bot, clock, MONDAY_0800_UTC)
    keys = posted(slack, "prompt")
    assert len(keys) == len(set(keys)) == 4
    assert [c.http_status for c in slack.calls("chat.postMessage")].count(429) == 3


async def test_prompt_now_sends_once(bot: Runtime, slack: FakeSlack, clock: FakeClock) -> None:
    """`prompt-now` sends the current week at once; asking again sends nothing more."""
    ritual = await install(bot, leaders_ritual(slack))
    clock.set(
        datetime(2026, 11, 24, 10, tzinfo=UTC)
    )  # Tuesday, after the scheduled moment passed unseen
    first = await prompt_now(bot.deps, bot.client, ritual, now=clock())
    second = await prompt_now(bot.deps, bot.client, ritual, now=clock())
    assert (sum(first.sent.values()), sum(second.sent.values())) == (4, 0)


@pytest.mark.drill
async def test_killed_mid_fan_out_and_restarted_prompts_everyone_once(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """300 people, the bot killed a third of the way through, restarted: each prompted exactly once."""
    people = [f"U{n:05d}" for n in range(300)]
    for user in people:
        slack.add_user(user, user.lower(), tz="Europe/Berlin")
    first = await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
    await install(first, leaders_ritual(slack, audience=tuple(people), prompt_channel_id=None))
    clock.set(MONDAY_0800_UTC)
    run = asyncio.create_task(run_due(first.deps, first.client, now=clock(), grace=GRACE))
    # Poll the emulator's state: it has no event to wait on.
    while len(posted(slack, "prompt")) < 100:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    run.cancel()  # the process dies: in-flight posts may or may not have reached Slack
    await asyncio.gather(run, return_exceptions=True)  # keeps no traceback (and its frames) alive
    assert run.cancelled()
    await first.stop()
    # A dead process's connections die with it; here the cancelled run can leave one pooled
    # connection unclosed. Collect it now, so its ResourceWarning is not raised (as an error)
    # in whichever later test the garbage collector happens to run.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert 100 <= len(posted(slack, "prompt")) < 300
    clock.advance(minutes=5)  # past the claim lease
    second = await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
    try:
        await run_due(second.deps, second.client, now=clock(), grace=GRACE)
    finally:
        await second.stop()
    keys = posted(slack, "prompt")
    assert sorted(keys) == sorted(f"prompt:r-leaders:2026-W48:{u}" for u in people)


async def test_share_button_on_the_prompt_opens_the_form_for_that_week(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """ "Share an experiment" opens the same form as /tried; what is saved answers that week's prompt."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0]
    await driver.block_action(
        BOB, "experiment_open_form", "r-leaders|2026-W48", channel_id=leaders, message_ts=prompt.ts
    )
    await settle(bot)
    view_id = driver.last_view(BOB, "experiment_form")
    values = {
        "tool": {"tool": {"type": "plain_text_input", "value": "Perplexity"}},
        "summary": {"summary": {"type": "plain_text_input", "value": "researched three vendors"}},
    }
    await driver.view_submission(BOB, view_id, values)
    await settle(bot)
    [exp] = await entries(store, BOB)
    assert (exp.tool, exp.source, exp.ritual_id, exp.week) == (
        "Perplexity",
        Source.FORM,
        "r-leaders",
        "2026-W48",
    )
    assert "researched three vendors" in json.dumps(slack.thread(leaders, prompt.ts)[-1].blocks)


@pytest.mark.parametrize("kind", [AudienceKind.CHANNEL, AudienceKind.USERGROUP])
async def test_audience_from_a_channel_or_a_user_group(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, kind: AudienceKind
) -> None:
    """A channel's members or a user group's members are asked; bots (the app itself) are not."""
    slack.add_usergroup("S0LEADS", [ALICE, CHEN])
    source = channel_id(slack, "leaders") if kind is AudienceKind.CHANNEL else "S0LEADS"
    await install(
        bot, leaders_ritual(slack, audience_kind=kind, audience=(source,), prompt_channel_id=None)
    )
    await tick(bot, clock, MONDAY_0800_UTC)
    expected = (ALICE, BOB, CHEN, DANA, ADMIN) if kind is AudienceKind.CHANNEL else (ALICE, CHEN)
    assert sorted(posted(slack, "prompt")) == sorted(
        f"prompt:r-leaders:2026-W48:{u}" for u in expected
    )


async def test_admins_see_rituals_on_their_home_tab(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """An admin's Home lists rituals with the next prompt and digest; others' Home does not."""
    await install(bot, leaders_ritual(slack))
    clock.set(datetime(2026, 11, 24, 12, tzinfo=UTC))
    await driver.app_home_opened(ADMIN)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    admin_home = json.dumps(slack.ws.views[f"home:{ADMIN}"].view)
    assert "*Leaders* \\u00b7 active" in admin_home  # json.dumps escapes the middle dot
    assert "Next prompt: Mon 30 Nov 09:00" in admin_home
    assert "digest: Fri 27 Nov 16:00" in admin_home
    assert "Times in Europe/Berlin" in admin_home
    assert "Rituals" not in json.dumps(slack.ws.views[f"home:{ALICE}"].view)


async def test_editing_an_entry_updates_its_copy_in_the_thread(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """An Edit changes the bot's copy in the prompt thread; making it private removes the copy."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    await driver.slash_command(CHEN, "Claude: first words")
    await settle(bot)
    [exp] = await entries(store, CHEN)
    assert exp.echo_ts is not None
    dm = slack.dm_channel(CHEN)
    assert dm is not None
    assert "first words" in json.dumps(message_at(dm, exp.echo_ts).blocks)
    await driver.block_action(CHEN, "experiment_edit", exp.id)
    await settle(bot)
    edited = {
        "tool": {"tool": {"type": "plain_text_input", "value": "Claude"}},
        "summary": {"summary": {"type": "plain_text_input", "value": "better words"}},
    }
    await driver.view_submission(CHEN, driver.last_view(CHEN, "experiment_form"), edited)
    await settle(bot)
    assert "better words" in json.dumps(message_at(dm, exp.echo_ts).blocks)
    await driver.block_action(CHEN, "experiment_edit", exp.id)
    await settle(bot)
    private = edited | {
        "private": {"private": {"type": "checkboxes", "selected_options": [{"value": "private"}]}}
    }
    await driver.view_submission(CHEN, driver.last_view(CHEN, "experiment_form"), private)
    await settle(bot)
    assert dm.find(exp.echo_ts) is None


async def test_start_up_sends_a_prompt_missed_while_down(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """With the real scheduler on, a bot started 20 minutes after 09:00 sends the prompt at once."""
    setup = await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
    await install(setup, leaders_ritual(slack, dm=False))
    await setup.stop()
    clock.set(MONDAY_0800_UTC + timedelta(minutes=20))
    runtime = await start_runtime(
        bot_config(slack, database_url), clock=clock
    )  # scheduling on, as in production
    try:
        for _ in range(200):
            if posted(slack, "prompt"):
                break
            await asyncio.sleep(0.02)
    finally:
        await runtime.stop()
    assert posted(slack, "prompt") == [f"prompt:r-leaders:2026-W48:{channel_id(slack, 'leaders')}"]
