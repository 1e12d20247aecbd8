"""App Home: every button works from Home, and Home follows every change the person makes."""

from __future__ import annotations

import json

from bot.runtime import Runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database
from tests.e2e.conftest import ALICE, FakeClock, channel_id, settle
from tests.e2e.helpers import MONDAY_0800_UTC, entries, form, install, leaders_ritual, tick


def home(slack: FakeSlack, user: str = ALICE) -> str:
    """The person's Home tab as last published."""
    return json.dumps(slack.ws.views[f"home:{user}"].view)


async def test_delete_on_home_deletes_refreshes_home_and_says_so(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Home's Delete has no response URL: the entry goes, Home is republished with a note."""
    await driver.slash_command(ALICE, "Claude: summarised the RFC, worked")
    await driver.slash_command(ALICE, "Cursor: refactored billing, it broke the build")
    await settle(bot)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    [first] = [e for e in await entries(store) if e.tool == "Claude"]
    [second] = [e for e in await entries(store) if e.tool == "Cursor"]
    assert "summarised the RFC" in home(slack)
    reply = await driver.home_action(ALICE, "experiment_delete", first.id)
    await settle(bot)
    assert reply.status == 200
    assert await entries(store) == [second]
    shown = home(slack)
    assert "*Claude*: summarised the RFC" not in shown  # no longer listed
    assert "*Cursor*: refactored billing" in shown
    assert "Deleted your entry: summarised the RFC, worked" in shown
    assert not [e for e in slack.ephemerals(ALICE) if "Something went wrong" in e.text]


async def test_edit_on_home_opens_the_form_and_home_shows_the_change(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Edit from Home: the filled form opens; after saving, Home shows the new words at once."""
    await driver.slash_command(ALICE, "Claude: summarised the RFC, worked")
    await settle(bot)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    [exp] = await entries(store)
    await driver.home_action(ALICE, "experiment_edit", exp.id)
    await settle(bot)
    view_id = driver.last_view(ALICE, "experiment_form")
    await driver.view_submission(
        ALICE, view_id, form(tool="Claude", summary="summarised the RFC, missed a section")
    )
    await settle(bot)
    assert "summarised the RFC, missed a section" in home(slack)


async def test_home_follows_changes_made_anywhere(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A `/tried` entry, a captured thread reply, a correction tap, an undo: Home is republished."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    assert "Nothing yet" in home(slack)
    await driver.slash_command(ALICE, "Gemini: translated a contract, worked")
    await settle(bot)
    assert "translated a contract" in home(slack)
    leaders = channel_id(slack, "leaders")
    clock.advance(minutes=5)
    await driver.post_message(
        ALICE,
        leaders,
        "Claude drafted the board memo and it worked well.",
        thread_ts=slack.messages(leaders)[0].ts,
    )
    await settle(bot)
    assert "drafted the board memo" in home(slack)
    [summary] = [e for e in slack.ephemerals(ALICE) if e.source == "chat.postEphemeral"]
    await driver.tap(ALICE, summary, "correct_failed")
    await settle(bot)
    assert "Outcome: Failed" in home(slack)
    await driver.slash_command(ALICE, "undo")
    await settle(bot)
    assert "drafted the board memo" not in home(slack)


async def test_share_and_profile_on_home_work_from_home(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """ "Share an experiment" opens the form; the entry is confirmed by DM and listed on Home.
    "Profile & settings" opens the profile form; saving it shows on Home."""
    await driver.app_home_opened(ALICE)
    await settle(bot)
    await driver.home_action(ALICE, "experiment_open_form", "home")
    await settle(bot)
    await driver.view_submission(
        ALICE,
        driver.last_view(ALICE, "experiment_form"),
        form(tool="Claude", summary="drafted the offsite agenda", outcome="worked"),
    )
    await settle(bot)
    assert [e.summary for e in await entries(store)] == ["drafted the offsite agenda"]
    dm = slack.dm_channel(ALICE)
    assert dm is not None
    assert any("Saved" in m.text for m in dm.messages if m.bot_id)
    assert "drafted the offsite agenda" in home(slack)
    await driver.home_action(ALICE, "profile_open", "home")
    await settle(bot)
    await driver.view_submission(
        ALICE, driver.last_view(ALICE, "profile_form"), form(job_function="legal")
    )
    await settle(bot)
    assert "Job function: Legal" in home(slack)
