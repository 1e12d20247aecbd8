"""The author confirms in one tap: a private summary after each captured reply, and corrections."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

from bot.runtime import Runtime
from core.model import Experiment, FailureMode, Outcome
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Ephemeral
from services import digests
from services.export import render_export
from storage import confirmations
from storage import experiments as repo
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, FakeClock, channel_id, settle
from tests.e2e.helpers import MONDAY_0800_UTC, form, install, leaders_ritual, prompts_to, tick

WORKED_WELL = "Claude drafted the board memo and it worked well."
HALLUCINATED = "Claude drafted the board memo, but it hallucinated two numbers."
# How the digest's thread marks an entry: failed, and carrying a surprise.
FAILURES, SURPRISES = ":x: *Claude*", ":bulb: *Claude*"
CORRECTIONS = ("correct_failed", "correct_worked", "correct_surprised", "correct_failure_mode")


async def prompted(bot: Runtime, slack: FakeSlack, clock: FakeClock) -> tuple[str, str]:
    """Monday's prompt is posted in #leaders; return the channel and the prompt's ts."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    return leaders, slack.messages(leaders)[0].ts


async def reply(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, text: str = WORKED_WELL
) -> tuple[str, str, str]:
    """Alice replies in the prompt's thread; return the channel, the prompt's ts and the reply's."""
    leaders, prompt = await prompted(bot, slack, clock)
    clock.advance(hours=1)
    message, _ = await driver.post_message(ALICE, leaders, text, thread_ts=prompt)
    await settle(bot)
    return leaders, prompt, message.ts


async def only_entry(store: Database, user: str = ALICE) -> tuple[Experiment, frozenset[str]]:
    async with store.transaction() as conn:
        [exp] = await repo.list_for_user(conn, "T0LOL", user)
        return exp, await confirmations.confirmed_fields(conn, exp.id)


def summaries(slack: FakeSlack, user: str = ALICE) -> list[Ephemeral]:
    return [e for e in slack.ephemerals(user) if e.source == "chat.postEphemeral"]


def action_ids(ephemeral: Ephemeral) -> list[str]:
    return [
        element["action_id"]
        for block in ephemeral.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def shown(ephemeral: Ephemeral) -> str:
    return json.dumps(ephemeral.blocks)


async def digest_text(bot: Runtime, slack: FakeSlack) -> str:
    parts = await digests.render(
        bot.deps, bot.client, leaders_ritual(slack), WeekId.parse("2026-W48")
    )
    return json.dumps([part.blocks for part in parts])


async def test_a_captured_reply_is_summarised_privately_to_its_author_in_the_thread(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """One ephemeral message, to Alice only, in the prompt's thread: tool, outcome, mode, surprise."""
    leaders, prompt, _ts = await reply(bot, driver, slack, clock)
    [summary] = slack.ephemerals()
    assert (summary.user, summary.channel, summary.thread_ts) == (ALICE, leaders, prompt)
    assert summary.source == "chat.postEphemeral"
    text = shown(summary)
    for line in ("*Tool:* Claude", "*Outcome:* Worked", "*Failure mode:* none", "*Surprise:*"):
        assert line in text
    assert action_ids(summary) == [*CORRECTIONS, "experiment_edit", "experiment_toggle_anonymous"]
    [menu] = [e for b in summary.blocks or [] if b["type"] == "actions" for e in b["elements"]][3:4]
    assert [o["text"]["text"] for o in menu["options"]] == [m.label for m in FailureMode]
    for block in Block.parse_all(summary.blocks):
        block.validate_json()


async def test_it_failed_is_stored_at_once_as_confirmed_and_reaches_digest_home_and_export(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """ "It failed" corrects a wrong guess; the summary is replaced in place, buttons and all."""
    await reply(bot, driver, slack, clock)
    [summary] = summaries(slack)
    assert FAILURES not in await digest_text(bot, slack)
    answer = await driver.tap(ALICE, summary, "correct_failed")
    assert answer.status == 200
    await settle(bot)
    exp, confirmed = await only_entry(store)
    assert (exp.outcome, confirmed) == (Outcome.FAILED, frozenset({"outcome"}))
    [replaced] = summaries(slack)
    assert replaced.replaced == 1
    assert "*Outcome:* Failed _(yours)_" in shown(replaced)
    assert action_ids(replaced) == [*CORRECTIONS, "experiment_edit", "experiment_toggle_anonymous"]
    failures = (await digest_text(bot, slack)).split(FAILURES, 1)[1]
    assert "drafted the board memo" in failures
    await driver.app_home_opened(ALICE)
    await settle(bot)
    home = json.dumps(slack.calls("views.publish")[-1].args["view"])
    assert "Outcome: Failed" in home
    async with store.transaction() as conn:
        exported = render_export(await repo.list_since(conn, None, include_private=False), "json")
    assert json.loads(exported)[0]["outcome"] == "failed"


async def test_choosing_a_failure_mode_marks_a_partial_failure(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The menu sets the mode; an entry that worked becomes mixed; "It failed" then makes it failed."""
    await reply(bot, driver, slack, clock)
    [summary] = summaries(slack)
    await driver.tap(ALICE, summary, "correct_failure_mode", option="Silently partial")
    await settle(bot)
    exp, confirmed = await only_entry(store)
    assert (exp.outcome, exp.failure_mode) == (Outcome.MIXED, FailureMode.SILENTLY_PARTIAL)
    assert confirmed == {"outcome", "failure_mode"}
    [replaced] = summaries(slack)
    menu = [e for b in replaced.blocks or [] if b["type"] == "actions" for e in b["elements"]][3]
    assert menu["initial_option"]["text"]["text"] == "Silently partial"
    await driver.tap(ALICE, replaced, "correct_failed")
    await settle(bot)
    exp, _ = await only_entry(store)
    assert (exp.outcome, exp.failure_mode) == (Outcome.FAILED, FailureMode.SILENTLY_PARTIAL)
    text = await digest_text(bot, slack)
    assert ":x: *Claude* \\u00b7 Claude drafted the board memo" in text
    assert "_(Silently partial)_" in text


async def test_it_worked_clears_the_failure_and_it_surprised_me_takes_the_summary(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A wrong failure guess is cleared in one tap; a surprise with no words takes the summary."""
    await reply(bot, driver, slack, clock, HALLUCINATED)
    [summary] = summaries(slack)
    await driver.tap(ALICE, summary, "correct_worked")
    await settle(bot)
    await driver.tap(ALICE, summaries(slack)[0], "correct_surprised")
    await settle(bot)
    exp, confirmed = await only_entry(store)
    assert (exp.outcome, exp.failure_mode, exp.failure) == (Outcome.WORKED, None, "")
    assert exp.surprise == HALLUCINATED
    assert confirmed == {"outcome", "failure_mode", "failure", "surprise"}
    text = await digest_text(bot, slack)
    assert SURPRISES in text
    assert FAILURES not in text


async def test_someone_elses_click_is_refused_politely_and_changes_nothing(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Bob cannot correct Alice's entry, even with its id in hand."""
    await reply(bot, driver, slack, clock)
    before = await only_entry(store)
    await driver.block_action(BOB, "correct_failed", before[0].id)
    await driver.block_action(
        BOB,
        "correct_failure_mode",
        selected_option={"value": f"{before[0].id}|refused", "text": {"text": "Refused"}},
    )
    await settle(bot)
    assert await only_entry(store) == before
    assert [e.text for e in slack.ephemerals(BOB)] == [
        "Only the person who shared this can correct it."
    ] * 2
    assert summaries(slack)[0].replaced == 0


async def test_an_edit_after_a_correction_keeps_the_confirmed_fields(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Re-reading the edited message updates the words but not what Alice confirmed."""
    leaders, _prompt, ts = await reply(bot, driver, slack, clock)
    await driver.tap(ALICE, summaries(slack)[0], "correct_worked")
    await settle(bot)
    await driver.edit_message(leaders, ts, HALLUCINATED)
    await settle(bot)
    exp, _ = await only_entry(store)
    assert exp.summary == HALLUCINATED
    assert (exp.outcome, exp.failure_mode, exp.failure) == (Outcome.WORKED, None, "")
    assert FAILURES not in await digest_text(bot, slack)


async def test_an_edit_sends_a_fresh_summary_only_when_the_understanding_changed(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A typo fix sends nothing; an edit that turns a success into a failure sends one summary."""
    leaders, prompt, ts = await reply(bot, driver, slack, clock)
    await driver.edit_message(leaders, ts, WORKED_WELL.replace("well", "really well"))
    await settle(bot)
    assert len(summaries(slack)) == 1
    await driver.edit_message(leaders, ts, HALLUCINATED)
    await settle(bot)
    _first, fresh = summaries(slack)
    assert fresh.thread_ts == prompt
    exp, _ = await only_entry(store)
    if exp.outcome is Outcome.FAILED:  # as the capture rules read "hallucinated"
        assert "*Outcome:* Failed" in shown(fresh)


async def test_a_retried_reply_event_gets_no_second_summary(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Slack's redelivery of the same event is not a new capture: still one summary."""
    leaders, prompt = await prompted(bot, slack, clock)
    message, event_id = await driver.post_message(ALICE, leaders, WORKED_WELL, thread_ts=prompt)
    await settle(bot)
    event = {
        "type": "message",
        "channel": leaders,
        "user": ALICE,
        "text": message.text,
        "ts": message.ts,
        "thread_ts": prompt,
        "channel_type": "channel",
    }
    await driver.event(event, event_id=event_id, retry_num=1)
    await settle(bot)
    assert len(summaries(slack)) == 1


async def test_summaries_turned_off_in_the_profile_are_not_sent(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The profile form shows the setting on by default; unticked, replies are captured quietly."""
    await driver.slash_command(ALICE, "profile")
    await settle(bot)
    view_id = driver.last_view(ALICE, "profile_form")
    modal = json.dumps(slack.ws.views[view_id].view)
    assert "show me privately what the bot understood" in modal
    summaries_block = next(
        b for b in slack.ws.views[view_id].view["blocks"] if b["block_id"] == "reply_summaries"
    )
    assert summaries_block["element"]["initial_options"][0]["value"] == "on"
    await driver.view_submission(ALICE, view_id, form(dm_prompts="on"))
    await settle(bot)
    home = json.dumps(slack.calls("views.publish")[-1].args["view"])
    assert "Reply summaries: off" in home
    await reply(bot, driver, slack, clock)
    exp, _ = await only_entry(store)
    assert exp.outcome is Outcome.WORKED
    assert summaries(slack) == []
    assert slack.calls("reactions.add")  # the quiet :memo: receipt still comes


async def test_tried_quick_entry_confirmation_has_the_same_corrections(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried Copilot: …` answers with what was saved and the same taps, plus Delete."""
    await driver.slash_command(ALICE, "Copilot: drafted the migration plan, it invented a CLI flag")
    await settle(bot)
    [confirmation] = slack.ephemerals(ALICE)
    assert confirmation.source == "response_url"
    assert "Saved" in confirmation.text
    assert action_ids(confirmation) == [
        *CORRECTIONS,
        "experiment_edit",
        "experiment_toggle_anonymous",
        "experiment_delete",
    ]
    await driver.tap(ALICE, confirmation, "correct_worked")
    await settle(bot)
    exp, confirmed = await only_entry(store)
    assert (exp.outcome, exp.failure_mode) == (Outcome.WORKED, None)
    assert "outcome" in confirmed
    [replaced] = slack.ephemerals(ALICE)
    assert replaced.replaced == 1
    assert "*Outcome:* Worked _(yours)_" in shown(replaced)
    assert "experiment_delete" in action_ids(replaced)


async def test_a_change_in_the_form_is_confirmed_too(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Edit opens the form; the outcome changed there survives a later edit of the message."""
    leaders, _prompt, ts = await reply(bot, driver, slack, clock)
    await driver.tap(ALICE, summaries(slack)[0], "experiment_edit")
    await settle(bot)
    values: dict[str, Any] = form(tool="Claude", summary=WORKED_WELL, outcome="mixed")
    await driver.view_submission(ALICE, driver.last_view(ALICE, "experiment_form"), values)
    await settle(bot)
    exp, confirmed = await only_entry(store)
    assert (exp.outcome, confirmed) == (Outcome.MIXED, frozenset({"outcome"}))
    await driver.edit_message(leaders, ts, HALLUCINATED)
    await settle(bot)
    exp, _ = await only_entry(store)
    assert exp.outcome is Outcome.MIXED


async def test_a_reply_to_a_dm_prompt_is_summarised_in_that_dm_thread(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Asked by DM, answered in the DM's thread: the summary comes in that thread."""
    await prompted(bot, slack, clock)
    [dm_prompt] = prompts_to(slack, ALICE)
    dm = slack.open_im(ALICE).id
    await driver.post_message(ALICE, dm, WORKED_WELL, thread_ts=dm_prompt.ts)
    await settle(bot)
    [summary] = summaries(slack)
    assert (summary.channel, summary.thread_ts) == (dm, dm_prompt.ts)


async def test_one_person_costs_one_users_info_across_tried_home_and_a_correction(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Every surface asks the people directory: a `/tried` (mentioning Bob), a Home open and a
    correction tap on the answer, by the same person, ask Slack once per person in all."""
    await driver.slash_command(ALICE, f"Claude: drafted notes with <@{BOB}>, worked")
    await settle(bot)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    [answer] = [e for e in slack.ephemerals(ALICE) if "correct_failed" in json.dumps(e.blocks)]
    await driver.tap(ALICE, answer, "correct_failed")
    await settle(bot)
    exp, _confirmed = await only_entry(store)
    assert exp.outcome is Outcome.FAILED
    asked = [str(call.args.get("user")) for call in slack.calls("users.info")]
    assert sorted(asked) == [ALICE, BOB]
