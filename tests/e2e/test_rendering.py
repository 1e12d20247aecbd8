"""What people wrote is shown once, as they wrote it: names for mentions, links as links,
broadcasts inert, on every surface (summary, confirmation, thread copy, list, Home, digest)."""

from __future__ import annotations

import json

from bot.runtime import Runtime
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, CHEN, FakeClock, channel_id, settle
from tests.e2e.helpers import MONDAY_0800_UTC, entries, form, install, leaders_ritual, tick

# As Slack sends a message's text: `&`, `<`, `>` escaped, its own markup in angle brackets.
REPLY = (
    "Tool: Claude\nWhat happened: checked R&amp;D's plan\nSurprised: <@U0BOB> saw it cite "
    "<https://example.com/plan?a=1&amp;b=2|the plan> &lt;v2&gt; first <!here>"
)
# As Slack sends a slash command with `should_escape`: mentions carry the person's handle.
COMMAND = "Cursor: paired with <@U0DANA|dana> on <#C0ABC|general>, it failed at <!channel> tests"
RAW_CODES = ("<@U0BOB", "&lt;@", "<!here>", "<!channel>", "&amp;amp;", "&amp;lt;", "U0DANA")


def assert_shown_once(shown: str) -> None:
    for code in RAW_CODES:
        assert code not in shown, code


async def test_a_reply_with_mentions_and_links_shows_names_and_links_everywhere(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """The summary, the Home tab and the digest show "@Bob Brown", the link, and `<v2>` as typed."""
    ritual = await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    clock.advance(hours=1)
    await driver.post_message(ALICE, leaders, REPLY, thread_ts=prompt)
    await settle(bot)
    [summary] = slack.ephemerals(ALICE)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    home = json.dumps(slack.ws.views[f"home:{ALICE}"].view)
    parts = await digests.render(bot.deps, bot.client, ritual, WeekId.parse("2026-W48"))
    digest = json.dumps([part.blocks for part in parts])
    for shown in (json.dumps(summary.blocks), home, digest):
        assert_shown_once(shown)
        assert (
            "@Bob Brown saw it cite <https://example.com/plan?a=1&amp;b=2|the plan> &lt;v2&gt; "
            "first @\\u2060here"
        ) in shown


async def test_a_tried_entry_with_mentions_is_confirmed_and_copied_without_codes(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """`/tried` with a mention: the confirmation, the thread copy and the list show "@dana"."""
    await install(bot, leaders_ritual(slack, audience=(ALICE, BOB, CHEN)))
    await tick(bot, clock, MONDAY_0800_UTC)
    await driver.slash_command(ALICE, COMMAND)
    await settle(bot)
    await driver.slash_command(ALICE, "list")
    await settle(bot)
    confirmation, listing = slack.ephemerals(ALICE)[-2:]
    copies = [m for m in slack.messages(channel_id(slack, "leaders")) if m.thread_ts]
    copies += [m for m in slack.dm_channel(ALICE).messages if m.thread_ts]  # type: ignore[union-attr]
    [copy] = [m for m in copies if "paired with" in json.dumps(m.blocks)]
    for shown in (
        json.dumps(confirmation.blocks),
        json.dumps(copy.blocks),
        json.dumps(listing.blocks),
    ):
        assert_shown_once(shown)
        assert "paired with @dana on <#C0ABC>, it failed at @\\u2060channel tests" in shown


async def test_the_edit_form_shows_the_words_and_keeps_what_was_not_touched(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Edit shows `@Bob Brown`, `<v2>` and the link's words, never codes; a field submitted as
    shown stays as Slack sent it, a changed one is replaced."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    await driver.post_message(ALICE, leaders, REPLY, thread_ts=slack.messages(leaders)[0].ts)
    await settle(bot)
    [summary] = slack.ephemerals(ALICE)
    await driver.tap(ALICE, summary, "experiment_edit")
    await settle(bot)
    view_id = driver.last_view(ALICE, "experiment_form")
    fields = {
        block["block_id"]: block["element"].get("initial_value", "")
        for block in slack.ws.views[view_id].view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    assert fields["surprise"] == (
        "@Bob Brown saw it cite the plan (https://example.com/plan?a=1&b=2) <v2> first @\u2060here"
    )
    assert fields["summary"] == "checked R&D's plan"
    [before] = await entries(store)
    await driver.view_submission(
        ALICE,
        view_id,
        form(tool="Claude", summary="checked R&D's plan, twice", surprise=fields["surprise"]),
    )
    await settle(bot)
    [after] = await entries(store)
    assert after.surprise == before.surprise  # untouched: as Slack sent it, mention and link
    assert after.summary == "checked R&D's plan, twice"
