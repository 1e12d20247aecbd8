"""`/tried` end to end: the form, list, edit, delete, undo, private entries, profile, App Home, data rights."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.runtime import Runtime
from core.model import JobFunction, Outcome, Source
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database
from storage.profiles import get_profile
from tests.cli import run_cli
from tests.e2e.conftest import ALICE, BOB, ROOT, FakeClock, channel_id, settle
from tests.e2e.helpers import entries, form


async def test_bare_tried_opens_the_form_and_saving_stores_once(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Bare `/tried` opens the modal; a submission (even submitted twice) is stored once."""
    await driver.slash_command(ALICE, "")
    await settle(bot)
    view_id = driver.last_view(ALICE, "experiment_form")
    values = form(
        tool="chatgpt",
        work="board memo",
        summary="It drafted well",
        surprise="It knew our org chart",
        outcome="worked",
    )
    first = await driver.view_submission(ALICE, view_id, values)
    second = await driver.view_submission(ALICE, view_id, values)
    assert (first.status, second.status) == (200, 200)
    await settle(bot)
    [exp] = await entries(store)
    assert (exp.tool, exp.work, exp.surprise, exp.outcome, exp.source) == (
        "ChatGPT",
        "board memo",
        "It knew our org chart",
        Outcome.WORKED,
        Source.FORM,
    )


async def test_missing_required_field_keeps_the_modal_open(
    bot: Runtime, driver: SlackDriver, store: Database
) -> None:
    """A blank "What happened?" comes back as a field error, as Slack's response_action does."""
    await driver.slash_command(ALICE, "")
    await settle(bot)
    reply = await driver.view_submission(
        ALICE, driver.last_view(ALICE), form(tool="Claude", summary="   ")
    )
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"summary": "Say what happened, even in a few words."},
    }
    await settle(bot)
    assert await entries(store) == []


async def test_list_edit_and_delete_your_own(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried list` shows entries with Edit and Delete; Edit opens the filled form; Delete removes."""
    await driver.slash_command(ALICE, "Cursor: refactored the billing module, worked")
    await settle(bot)
    [exp] = await entries(store)
    await driver.slash_command(ALICE, "list")
    await settle(bot)
    listing = json.dumps(slack.ephemerals(ALICE)[-1].blocks)
    assert "refactored the billing module" in listing
    assert exp.id in listing
    await driver.block_action(ALICE, "experiment_edit", exp.id)
    await settle(bot)
    view_id = driver.last_view(ALICE)
    assert "refactored the billing module" in json.dumps(slack.ws.views[view_id].view)
    await driver.view_submission(
        ALICE,
        view_id,
        form(tool="Cursor", summary="refactored billing, then it broke the build", outcome="mixed"),
    )
    await settle(bot)
    [edited] = await entries(store)
    assert (edited.id, edited.summary, edited.outcome) == (
        exp.id,
        "refactored billing, then it broke the build",
        Outcome.MIXED,
    )
    await driver.block_action(ALICE, "experiment_delete", exp.id)
    await settle(bot)
    assert await entries(store) == []


async def test_someone_elses_entry_cannot_be_changed(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Edit and Delete on another person's entry are refused and change nothing."""
    await driver.slash_command(ALICE, "Claude: summarised the RFC")
    await settle(bot)
    [exp] = await entries(store)
    await driver.block_action(BOB, "experiment_delete", exp.id)
    await driver.block_action(BOB, "experiment_edit", exp.id)
    await settle(bot)
    assert await entries(store) == [exp]
    refusals = [e.text for e in slack.ephemerals(BOB)]
    assert refusals == ["You can only change your own entries."] * 2
    assert slack.calls("views.open") == []


async def test_undo_deletes_the_last_entry(
    bot: Runtime, driver: SlackDriver, store: Database, clock: FakeClock
) -> None:
    """`/tried undo` removes only the newest entry."""
    await driver.slash_command(ALICE, "Claude: first")
    await settle(bot)
    clock.advance(minutes=1)
    await driver.slash_command(ALICE, "Gemini: second")
    await settle(bot)
    await driver.slash_command(ALICE, "undo")
    await settle(bot)
    assert [e.summary for e in await entries(store)] == ["first"]


async def test_mentions_are_stored_as_written_and_never_ping(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`<!channel>`, `<!here>`, `<@U…>` and `&<>` are kept verbatim and shown once, inert."""
    text = "Copilot: told <!channel> and <!here> and <@U0BOB> that a < b && c > d"
    await driver.slash_command(ALICE, text)
    await settle(bot)
    [exp] = await entries(store)
    assert exp.summary == "told <!channel> and <!here> and <@U0BOB> that a < b && c > d"
    shown = json.dumps(slack.ephemerals(ALICE)[-1].blocks)
    for mention in ("<!channel>", "<!here>", "<@U0BOB>"):
        assert mention not in shown
    assert "told @\\u2060channel and @\\u2060here and @Bob Brown that a &lt; b" in shown
    assert "&amp;&amp;" in shown


async def test_private_entries_stay_private(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried private …` is stored as private; `/tried private` alone says what is missing."""
    await driver.slash_command(ALICE, "private Claude: drafted a sensitive HR note")
    await driver.slash_command(ALICE, "private")
    await settle(bot)
    [exp] = await entries(store)
    assert exp.private
    assert exp.tool == "Claude"
    missing = [e for e in slack.ephemerals(ALICE) if e.text == "Missing text"]
    assert len(missing) == 1
    assert "`/tried private` needs the experiment to keep private" in json.dumps(missing[0].blocks)


async def test_profile_sets_job_function_and_home_shows_it(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried profile` saves the job function, and later entries carry it; App Home shows it."""
    await driver.slash_command(ALICE, "profile")
    await settle(bot)
    await driver.view_submission(
        ALICE, driver.last_view(ALICE, "profile_form"), form(job_function="legal", dm_prompts="on")
    )
    await settle(bot)
    async with store.transaction() as conn:
        profile = await get_profile(conn, "T0LOL", ALICE)
    assert profile.job_function is JobFunction.LEGAL
    await driver.slash_command(ALICE, "Claude: reviewed an NDA, surprised it caught a clause")
    await settle(bot)
    [exp] = await entries(store)
    assert exp.job_function is JobFunction.LEGAL
    await driver.app_home_opened(ALICE)
    await settle(bot)
    home = json.dumps(slack.ws.views[f"home:{ALICE}"].view)
    assert "Job function: Legal" in home
    assert "reviewed an NDA" in home
    assert "1 week in a row" in home


async def test_forget_me_asks_then_deletes_everything(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried forget-me` asks first; confirming deletes the person's entries and profile only."""
    await driver.slash_command(ALICE, "Claude: one")
    await driver.slash_command(BOB, "Claude: theirs")
    await driver.slash_command(ALICE, "forget-me")
    await settle(bot)
    assert len(await entries(store)) == 1
    await driver.block_action(ALICE, "forget_me_confirm", "confirm")
    await settle(bot)
    assert await entries(store) == []
    assert len(await entries(store, BOB)) == 1
    assert "deleted 1 entry" in slack.ephemerals(ALICE)[-1].text


async def test_export_for_operators(
    bot: Runtime, driver: SlackDriver, database_url: str, tmp_path: Path
) -> None:
    """`python -m bot export` writes CSV or JSON; private entries only with --include-private."""
    await driver.slash_command(ALICE, "Claude: shared one")
    await driver.slash_command(ALICE, "private Gemini: private one")
    await settle(bot)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    code, shared, err = await run_cli(env, tmp_path, "export", "--format", "csv")
    assert code == 0, err
    assert [r["tool"] for r in csv.DictReader(io.StringIO(shared))] == ["Claude"]
    _, everything, _ = await run_cli(
        env, tmp_path, "export", "--format", "json", "--include-private"
    )
    assert sorted(r["tool"] for r in json.loads(everything)) == ["Claude", "Gemini"]


async def test_tried_from_a_channel_the_bot_is_not_in_still_confirms(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """The confirmation goes through the response URL, which works where the bot is not a member."""
    await driver.slash_command(
        ALICE, "Perplexity: researched a vendor", channel_id=channel_id(slack, "random")
    )
    await settle(bot)
    assert len(await entries(store)) == 1
    assert slack.ephemerals(ALICE)[-1].channel == channel_id(slack, "random")
