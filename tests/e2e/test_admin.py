"""Admins manage rituals in Slack: Home lists them with times and controls; Edit, Pause/Resume,
Send now; the setup note says when the first prompt goes out; a failed digest is retried from
its notice; and nobody else can do any of it, however the click is made."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from bot.runtime import Runtime, start_runtime
from core.rituals import Ritual
from core.schedule import Weekday
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Message
from storage.db import Database
from storage.rituals import list_rituals
from tests.e2e.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CHEN,
    SECRET,
    FakeClock,
    bot_config,
    channel_id,
    settle,
)
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    a_week_of_sharing,
    as_submitted,
    digest_messages,
    dm_id,
    install,
    leaders_ritual,
    posted,
    tick,
)

NEXT_MONDAY_0800_UTC = MONDAY_0800_UTC + timedelta(weeks=1)


async def rituals(store: Database) -> list[Ritual]:
    async with store.transaction() as conn:
        return await list_rituals(conn)


def home(slack: FakeSlack, user: str) -> dict[str, Any]:
    """The Home tab last published for a person."""
    return slack.ws.views[f"home:{user}"].view


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    """Every button of a view or message, as (action_id, value)."""
    return [
        (element["action_id"], element.get("value", ""))
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def bot_dms(slack: FakeSlack, user: str) -> list[Message]:
    dm = slack.dm_channel(user)
    return [m for m in dm.messages if m.bot_id] if dm is not None else []


def leaders_prompts(slack: FakeSlack) -> list[Message]:
    return [m for m in slack.messages(channel_id(slack, "leaders")) if m.bot_id]


async def open_home(bot: Runtime, driver: SlackDriver, user: str) -> None:
    await driver.app_home_opened(user)
    await settle(bot)


async def test_home_lists_rituals_with_times_and_controls_for_admins_only(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """An admin in Berlin sees a New York ritual's next times in Berlin time, with its buttons;
    a member sees none of it."""
    await install(bot, leaders_ritual(slack, tz="America/New_York"))
    await open_home(bot, driver, ADMIN)
    shown = json.dumps(home(slack, ADMIN))
    # Now is Monday 23 Nov 04:00 in New York: Monday 09:00 there is 15:00 in Berlin.
    assert "Next prompt: Mon 23 Nov 15:00" in shown
    assert "reminder: Wed 25 Nov 20:00" in shown
    assert "digest: Fri 27 Nov 22:00" in shown
    assert "Times in Europe/Berlin" in shown
    assert buttons(home(slack, ADMIN))[-3:] == [
        ("ritual_edit", "r-leaders"),
        ("ritual_pause", "r-leaders"),
        ("ritual_send_now", "r-leaders"),
    ]
    await open_home(bot, driver, ALICE)
    member = json.dumps(home(slack, ALICE))
    assert "Leaders" not in member
    assert "ritual_" not in member


async def test_edit_opens_the_form_prefilled_and_saves_in_place(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Edit shows the current settings; saving them changed updates the ritual (same id), and
    the new day applies from next week, without a second prompt this week."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    assert len(posted(slack, "prompt")) == 4
    clock.advance(hours=1)
    await open_home(bot, driver, ADMIN)
    await driver.home_action(ADMIN, "ritual_edit", "r-leaders")
    await settle(bot)
    form = slack.ws.views[driver.last_view(ADMIN, "ritual_edit_form")].view
    assert form["private_metadata"] == "r-leaders"
    shown = as_submitted(form)
    assert shown["name"]["name"]["value"] == "Leaders"
    assert shown["audience_users"]["audience_users"]["selected_users"] == [ALICE, BOB, CHEN]
    assert shown["prompt_channel"]["prompt_channel"]["selected_conversation"] == channel_id(
        slack, "leaders"
    )
    assert shown["reminder_day"]["reminder_day"]["selected_option"]["value"] == "2"
    assert shown["digest_at"]["digest_at"]["selected_time"] == "16:00"
    assert shown["dm"]["dm"]["selected_options"] != []
    saved = await driver.view_submission(
        ADMIN,
        driver.last_view(ADMIN, "ritual_edit_form"),
        as_submitted(
            form,
            name={"value": "Leaders weekly"},
            weekday={"selected_option": {"value": "2"}},
            at={"selected_time": "10:00"},
        ),
    )
    assert saved.status == 200
    assert saved.body in ("", "{}")
    await settle(bot)
    [ritual] = await rituals(store)
    assert (ritual.id, ritual.name, ritual.weekday, ritual.at) == (
        "r-leaders",
        "Leaders weekly",
        Weekday.WED,
        time(10, 0),
    )
    assert ritual.audience == (ALICE, BOB, CHEN)
    assert ritual.created_by == ADMIN
    # This week's prompts went out on Monday: the next is next week's Wednesday.
    assert "Next prompt: Wed 02 Dec 10:00 (Europe/Berlin)" in bot_dms(slack, ADMIN)[-1].text
    assert "Next prompt: Wed 02 Dec 10:00" in json.dumps(home(slack, ADMIN))
    assert "Leaders weekly" in json.dumps(home(slack, ADMIN))
    # Wednesday 10:00 Berlin this week: this week's prompt already went out on Monday.
    await tick(bot, clock, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert len(posted(slack, "prompt")) == 4
    await tick(bot, clock, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert len([k for k in posted(slack, "prompt") if ":2026-W49:" in k]) == 4


async def test_pause_stops_prompts_and_resume_brings_them_back(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Paused from Home, the ritual sends nothing at its moment; resumed, it asks next week."""
    await install(bot, leaders_ritual(slack))
    clock.set(MONDAY_0800_UTC - timedelta(hours=1))
    await open_home(bot, driver, ADMIN)
    await driver.home_action(ADMIN, "ritual_pause", "r-leaders")
    await settle(bot)
    assert [r.paused for r in await rituals(store)] == [True]
    assert ("ritual_resume", "r-leaders") in buttons(home(slack, ADMIN))
    assert "paused" in json.dumps(home(slack, ADMIN))
    await tick(bot, clock, MONDAY_0800_UTC)
    await tick(bot, clock, MONDAY_0800_UTC + timedelta(hours=1))
    assert posted(slack, "prompt") == []
    await driver.home_action(ADMIN, "ritual_resume", "r-leaders")
    await settle(bot)
    assert [r.paused for r in await rituals(store)] == [False]
    assert ("ritual_pause", "r-leaders") in buttons(home(slack, ADMIN))
    await tick(bot, clock, NEXT_MONDAY_0800_UTC)
    assert len([k for k in posted(slack, "prompt") if ":2026-W49:" in k]) == 4


async def test_send_now_posts_once_even_when_clicked_twice(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Two clicks at once on a Friday ritual's Send now: each person and the channel get one prompt."""
    await install(bot, leaders_ritual(slack, weekday=Weekday.FRI))
    await open_home(bot, driver, ADMIN)
    await asyncio.gather(
        driver.home_action(ADMIN, "ritual_send_now", "r-leaders"),
        driver.home_action(ADMIN, "ritual_send_now", "r-leaders"),
    )
    await settle(bot)
    assert len(leaders_prompts(slack)) == 1
    assert sorted(posted(slack, "prompt")) == sorted(
        f"prompt:r-leaders:2026-W48:{who}"
        for who in (ALICE, BOB, CHEN, channel_id(slack, "leaders"))
    )
    answers = [m.text for m in bot_dms(slack, ADMIN)]
    assert len(answers) == 2
    # The clicks may share the work, never repeat it: the counts they report add up to four.
    counts = [int(m[1]) if (m := re.match(r"Sent (\d+) prompt", a)) else 0 for a in answers]
    assert sum(counts) == 4
    await open_home(bot, driver, ADMIN)
    assert "Next prompt: Fri 04 Dec 09:00" in json.dumps(home(slack, ADMIN))
    await tick(bot, clock, datetime(2026, 11, 27, 8, 0, tzinfo=UTC))  # Friday 09:00 Berlin
    assert len(posted(slack, "prompt")) == 4


async def test_the_setup_note_says_when_the_first_prompt_goes_out(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """Set up on Monday 10:00 Berlin: a Friday ritual asks this week, a Monday 09:00 one next
    week; the note's Send now sends this week's prompt at once."""
    leaders = {"selected_conversation": channel_id(slack, "leaders")}
    people = {"selected_users": [ALICE, BOB]}
    notes = []
    for name, day in (("Fridays", "4"), ("Mondays", "0")):
        await driver.slash_command(ADMIN, "setup")
        await settle(bot)
        view_id = driver.last_view(ADMIN, "ritual_form")
        values = as_submitted(
            slack.ws.views[view_id].view,
            name={"value": name},
            audience_users=people,
            prompt_channel=leaders,
            weekday={"selected_option": {"value": day}},
        )
        assert (await driver.view_submission(ADMIN, view_id, values)).status == 200
        await settle(bot)
        notes.append(bot_dms(slack, ADMIN)[-1])
    fridays, mondays = notes
    assert "The first prompt goes out this week: Fri 27 Nov 09:00 (Europe/Berlin)" in fridays.text
    assert "The first prompt goes out next week: Mon 30 Nov 09:00 (Europe/Berlin)" in mondays.text
    [(action, ritual_id)] = buttons({"blocks": fridays.blocks})
    assert action == "ritual_send_now"
    await driver.block_action(
        ADMIN, action, ritual_id, channel_id=dm_id(slack, ADMIN), message_ts=fridays.ts
    )
    await settle(bot)
    assert len(leaders_prompts(slack)) == 1
    assert slack.ephemerals(ADMIN)[-1].text.startswith("Sent 1 prompt")


async def test_a_failed_digest_is_retried_from_the_notice(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The notice offers Retry, not a shell command; a member's forged click is refused; the
    admin's posts the digest, once however often it is pressed."""
    await a_week_of_sharing(bot, driver, slack, clock)
    digest = channel_id(slack, "ai-digest")
    slack.archive_channel(digest)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    [notice] = [m for m in bot_dms(slack, ADMIN) if "could not be posted" in json.dumps(m.blocks)]
    assert "python -m bot" not in json.dumps(notice.blocks)
    [(action, value)] = buttons({"blocks": notice.blocks})
    assert (action, value) == ("digest_retry", "r-leaders|2026-W48")
    slack.ws.channels[digest].is_archived = False
    with caplog.at_level(logging.WARNING):
        await driver.block_action(ALICE, action, value)
        await settle(bot)
    assert "refused ritual digest retry by a non-admin user=U0ALICE" in caplog.text
    assert slack.ephemerals(ALICE)[-1].text.startswith("Managing rituals is for")
    assert digest_messages(slack) == []
    for _ in range(2):
        await driver.block_action(
            ADMIN, action, value, channel_id=dm_id(slack, ADMIN), message_ts=notice.ts
        )
        await settle(bot)
        assert slack.ephemerals(ADMIN)[-1].text.endswith("is posted.")
    assert len(digest_messages(slack)) == 2  # the top post and its thread, once


async def test_forged_admin_clicks_and_submissions_are_refused(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    store: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A member's forged Home clicks and edit submission change nothing, and say why."""
    await install(bot, leaders_ritual(slack))
    await open_home(bot, driver, ALICE)
    with caplog.at_level(logging.WARNING):
        for action in ("ritual_pause", "ritual_send_now", "ritual_edit"):
            await driver.home_action(ALICE, action, "r-leaders", forged=True)
            await settle(bot)
    assert [m.text for m in bot_dms(slack, ALICE)] == [
        "Managing rituals is for workspace admins and the people listed in BOT_ADMINS."
    ] * 3
    for verb in ("pause", "send now", "edit"):
        assert f"refused ritual {verb} by a non-admin user=U0ALICE" in caplog.text
    assert slack.calls("views.open") == []
    assert posted(slack, "prompt") == []
    await open_home(bot, driver, ADMIN)
    await driver.home_action(ADMIN, "ritual_edit", "r-leaders")
    await settle(bot)
    form_id = driver.last_view(ADMIN, "ritual_edit_form")
    form = slack.ws.views[form_id].view
    forged = await driver.view_submission(ALICE, form_id, as_submitted(form, name={"value": "x"}))
    assert forged.json()["errors"] == {
        "name": "Managing rituals is for workspace admins and the people listed in BOT_ADMINS."
    }
    [ritual] = await rituals(store)
    assert (ritual.name, ritual.paused) == ("Leaders", False)
    await driver.block_action(ADMIN, "digest_retry", "r-leaders|not-a-week")
    await settle(bot)
    await driver.block_action(ADMIN, "ritual_pause", "r-nowhere")
    await settle(bot)
    assert [e.text for e in slack.ephemerals(ADMIN)][-2:] == [
        "That button is from an unknown version: nothing was done.",
        "That ritual no longer exists.",
    ]


async def test_people_listed_in_bot_admins_manage_rituals_too(
    slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    """Alice is no workspace admin but is in BOT_ADMINS: she sees the controls and may use them,
    even at the same moment as another admin."""
    runtime = await start_runtime(
        bot_config(slack, database_url, BOT_ADMINS=ALICE), clock=clock, scheduling=False
    )
    try:
        async with SlackDriver(
            f"http://127.0.0.1:{runtime.port}/slack/events", SECRET, slack
        ) as driver:
            await install(runtime, leaders_ritual(slack))
            await open_home(runtime, driver, ALICE)
            await driver.home_action(ALICE, "ritual_pause", "r-leaders")
            await settle(runtime)
            assert [r.paused for r in await rituals(runtime.db)] == [True]
            # Two admins press Send now at once: one prompt per recipient.
            await open_home(runtime, driver, ADMIN)
            await asyncio.gather(
                driver.home_action(ALICE, "ritual_send_now", "r-leaders"),
                driver.home_action(ADMIN, "ritual_send_now", "r-leaders"),
            )
            await settle(runtime)
            assert len(leaders_prompts(slack)) == 1
            assert len(posted(slack, "prompt")) == 4
    finally:
        await runtime.stop()


async def test_a_digest_whose_channel_was_archived_goes_to_the_channel_chosen_with_edit(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """As the notice says: pick another channel with Edit, press Retry, and it is posted there."""
    await a_week_of_sharing(bot, driver, slack, clock)
    slack.archive_channel(channel_id(slack, "ai-digest"))
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    [notice] = [m for m in bot_dms(slack, ADMIN) if "could not be posted" in json.dumps(m.blocks)]
    await open_home(bot, driver, ADMIN)
    await driver.home_action(ADMIN, "ritual_edit", "r-leaders")
    await settle(bot)
    form_id = driver.last_view(ADMIN, "ritual_edit_form")
    leaders = channel_id(slack, "leaders")
    values = as_submitted(
        slack.ws.views[form_id].view, digest_channel={"selected_conversation": leaders}
    )
    assert (await driver.view_submission(ADMIN, form_id, values)).status == 200
    await settle(bot)
    assert [r.digest_channel_id for r in await rituals(store)] == [leaders]
    [(action, value)] = buttons({"blocks": notice.blocks})
    await driver.block_action(
        ADMIN, action, value, channel_id=dm_id(slack, ADMIN), message_ts=notice.ts
    )
    await settle(bot)
    assert slack.ephemerals(ADMIN)[-1].text.endswith("is posted.")
    assert [k for k in posted(slack, "digest") if leaders in k] == [
        f"digest:r-leaders:2026-W48:{leaders}#1",
        f"digest:r-leaders:2026-W48:{leaders}#2",
    ]


@pytest.mark.parametrize(
    ("new_time", "asked_this_week"), [("09:30", False), ("11:00", True)], ids=["passed", "ahead"]
)
async def test_a_new_prompt_time_applies_from_its_next_moment(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    new_time: str,
    asked_this_week: bool,
) -> None:
    """Monday 10:00 Berlin, a Friday ritual moved to Monday: 09:30 has passed, so the first
    prompt is next Monday (not a late one now); 11:00 is still ahead, so it is today."""
    await install(bot, leaders_ritual(slack, weekday=Weekday.FRI))
    await open_home(bot, driver, ADMIN)
    await driver.home_action(ADMIN, "ritual_edit", "r-leaders")
    await settle(bot)
    form_id = driver.last_view(ADMIN, "ritual_edit_form")
    values = as_submitted(
        slack.ws.views[form_id].view,
        weekday={"selected_option": {"value": "0"}},
        at={"selected_time": new_time},
    )
    with caplog.at_level(logging.WARNING):
        assert (await driver.view_submission(ADMIN, form_id, values)).status == 200
        await settle(bot)
    await tick(bot, clock, MONDAY_0800_UTC + timedelta(hours=2))  # Monday 11:00 Berlin
    this_week = [k for k in posted(slack, "prompt") if ":2026-W48:" in k]
    assert len(this_week) == (4 if asked_this_week else 0)
    assert ("reason=rescheduled" in caplog.text) is not asked_this_week
    await tick(bot, clock, NEXT_MONDAY_0800_UTC + timedelta(hours=2))
    assert len([k for k in posted(slack, "prompt") if ":2026-W49:" in k]) == 4


async def test_home_shows_a_ritual_in_each_persons_zone_as_local_time(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """Asking at 09:00 in each person's zone: Home says 09:00 local, not one converted instant;
    the digest (in the ritual's zone) is still shown in the admin's."""
    await install(bot, leaders_ritual(slack, tz="America/New_York", per_person_tz=True))
    await open_home(bot, driver, ADMIN)
    shown = json.dumps(home(slack, ADMIN))
    assert "Next prompt: Mon 23 Nov 09:00" in shown
    assert "reminder: Wed 25 Nov 14:00" in shown
    assert "digest: Fri 27 Nov 22:00" in shown
    assert "at that time in each person's own time zone" in shown


async def test_an_edit_reads_the_audience_only_when_it_changed(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Saving a new wording looks nobody up; a new audience is checked as at setup; another
    ritual's name is refused."""
    await install(bot, leaders_ritual(slack))
    await open_home(bot, driver, ADMIN)
    await driver.home_action(ADMIN, "ritual_edit", "r-leaders")
    await settle(bot)
    form_id = driver.last_view(ADMIN, "ritual_edit_form")
    form = slack.ws.views[form_id].view
    before = len(slack.calls("users.info"))
    wording = as_submitted(form, prompt_text={"value": "What did you try?"})
    assert (await driver.view_submission(ADMIN, form_id, wording)).status == 200
    await settle(bot)
    looked_up = {call.args.get("user") for call in slack.calls("users.info")[before:]}
    assert looked_up <= {ADMIN}
    assert [r.prompt_text for r in await rituals(store)] == ["What did you try?"]
    nobody = as_submitted(
        form,
        audience_users={"selected_users": []},
        audience_group={"value": "S0NOSUCH"},
    )
    refused = await driver.view_submission(ADMIN, form_id, nobody)
    assert refused.body in ("", "{}")  # answered at once: the audience is read after
    await settle(bot)
    assert "Could not read the audience" in bot_dms(slack, ADMIN)[-1].text
    assert "was not changed" in bot_dms(slack, ADMIN)[-1].text
    assert [r.audience for r in await rituals(store)] == [(ALICE, BOB, CHEN)]
    await install(bot, leaders_ritual(slack, id="r-other", name="Other"))
    taken = await driver.view_submission(
        ADMIN, form_id, as_submitted(form, name={"value": "Other"})
    )
    assert taken.json()["errors"] == {
        "name": "A ritual named 'Other' already exists: choose another name."
    }
    assert sorted(r.name for r in await rituals(store)) == ["Leaders", "Other"]
