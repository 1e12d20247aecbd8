"""Sharing without one's name, end to end: `/tried anon`, the form's checkbox, the toggle, and
everything others can read (thread copy, digest, export) without the author in it."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from bot.runtime import Runtime
from core.model import JobFunction, Profile
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Message
from storage import profiles
from storage.db import Database
from tests.cli import run_cli
from tests.e2e.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CHEN,
    DANA,
    ROOT,
    FakeClock,
    channel_id,
    settle,
)
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    digest_messages,
    entries,
    form,
    install,
    leaders_ritual,
    message_at,
    tick,
)

CHENS = ("Chen", "chen", CHEN)  # the name, the handle, the user id
ALICES = ("Alice", "alice", ALICE)


def everything(messages: list[Message]) -> str:
    """What others can read of `messages`: text, blocks and metadata, as one string."""
    return json.dumps([[m.text, m.blocks, m.metadata, m.user] for m in messages])


def assert_nowhere(words: tuple[str, ...], text: str) -> None:
    for word in words:
        assert word not in text, f"{word!r} leaked"


async def a_week(bot: Runtime, slack: FakeSlack, clock: FakeClock) -> str:
    """The Leaders ritual prompting in #leaders only (copies land in its thread); Monday's prompt."""
    await install(bot, leaders_ritual(slack, dm=False))
    await tick(bot, clock, MONDAY_0800_UTC)
    clock.advance(hours=2)
    return slack.messages(channel_id(slack, "leaders"))[0].ts


async def the_digest(bot: Runtime, slack: FakeSlack, clock: FakeClock) -> str:
    await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(minutes=1))
    messages = digest_messages(slack)
    assert messages
    return everything(messages)


async def test_tried_anon_leaves_the_author_out_of_the_thread_copy_and_the_digest(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """`/tried anon Copilot: …`: the bot's copy and the digest say "someone"; no name or id anywhere."""
    prompt = await a_week(bot, slack, clock)
    leaders = channel_id(slack, "leaders")
    await driver.slash_command(CHEN, "anon Copilot: wrote the migration, it invented a CLI flag")
    await driver.slash_command(ALICE, "Claude: drafted the memo, surprised it knew our org chart")
    await settle(bot)
    [exp] = await entries(store, CHEN)
    assert (exp.anonymous, exp.private, exp.tool) == (True, False, "GitHub Copilot")
    assert exp.echo_ts is not None
    copy = message_at(slack.ws.channels[leaders], exp.echo_ts)
    assert copy.bot_id == slack.ws.bot_id  # posted by the bot, never as the person
    assert "invented a CLI flag" in everything([copy])
    assert "Shared by someone with `/tried`" in everything([copy])
    assert_nowhere(CHENS, everything([copy]))
    assert CHEN not in message_at(slack.ws.channels[leaders], prompt).reply_users
    # The confirmation went to Chen alone, and says how it is shared.
    [confirmation] = [
        e for e in slack.ephemerals() if "invented a CLI flag" in json.dumps(e.blocks)
    ]
    assert confirmation.user == CHEN
    assert "Without your name" in json.dumps(confirmation.blocks)
    digest = await the_digest(bot, slack, clock)
    assert "it invented a CLI flag" in digest
    assert "\\u2014 someone" in digest
    assert "Alice Adams" in digest  # named entries are credited as before
    assert "Thanks for sharing: Alice Adams." in digest
    assert "from *1 person*" in digest  # an anonymous author is not counted as a person
    assert_nowhere(CHENS, digest)


async def test_the_author_still_sees_edits_and_deletes_it(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Chen's Home shows the entry as his, with Edit and Delete; others' Home never does; no streak."""
    await a_week(bot, slack, clock)
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await settle(bot)
    [exp] = await entries(store, CHEN)
    await driver.app_home_opened(CHEN)
    await driver.app_home_opened(ALICE)
    await settle(bot)
    home = json.dumps(slack.ws.views[f"home:{CHEN}"].view)
    assert "it invented a CLI flag" in home
    assert "Without your name" in home
    assert f'"experiment_edit", "value": "{exp.id}"' in home.replace('"style": "primary", ', "")
    assert "Share one experiment this week to start a streak." in home  # not counted by name
    assert "invented a CLI flag" not in json.dumps(slack.ws.views[f"home:{ALICE}"].view)
    await driver.block_action(CHEN, "experiment_edit", exp.id)
    await settle(bot)
    edit_view = slack.ws.views[driver.last_view(CHEN, "experiment_form")].view
    [privacy] = [b for b in edit_view["blocks"] if b.get("block_id") == "private"]
    assert [o["value"] for o in privacy["element"]["initial_options"]] == ["anonymous"]
    await driver.block_action(ALICE, "experiment_delete", exp.id)
    await settle(bot)
    assert len(await entries(store, CHEN)) == 1  # nobody else may delete it
    await driver.block_action(CHEN, "experiment_delete", exp.id)
    await settle(bot)
    assert await entries(store, CHEN) == []
    leaders = slack.ws.channels[channel_id(slack, "leaders")]
    assert leaders.find(exp.echo_ts or "") is None  # its copy went too


async def test_the_forms_checkbox_shares_without_a_name_and_an_edit_can_undo_it(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """The form's "Share without my name" hides Alice in the copy; unticking it in Edit names her."""
    await a_week(bot, slack, clock)
    leaders = slack.ws.channels[channel_id(slack, "leaders")]
    await driver.slash_command(ALICE, "")
    await settle(bot)
    await driver.view_submission(
        ALICE,
        driver.last_view(ALICE, "experiment_form"),
        form(tool="Claude", summary="summarised the contract", failure="it missed a clause")
        | form(private="anonymous"),
    )
    await settle(bot)
    [exp] = await entries(store)
    assert exp.anonymous
    assert exp.echo_ts is not None
    assert_nowhere(ALICES, everything([message_at(leaders, exp.echo_ts)]))
    digest_before_edit = await the_digest(bot, slack, clock)
    assert "it missed a clause" in digest_before_edit
    assert_nowhere(ALICES, digest_before_edit)
    await driver.block_action(ALICE, "experiment_edit", exp.id)
    await settle(bot)
    await driver.view_submission(
        ALICE,
        driver.last_view(ALICE, "experiment_form"),
        form(tool="Claude", summary="summarised the contract", failure="it missed a clause"),
    )
    await settle(bot)
    [exp] = await entries(store)
    assert not exp.anonymous
    assert "Alice Adams" in everything([message_at(leaders, exp.echo_ts or "")])


async def test_the_confirmation_toggles_the_name_and_the_copy_follows(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """ "Share without my name" under a `/tried` confirmation; "Show my name" puts it back."""
    await a_week(bot, slack, clock)
    leaders = slack.ws.channels[channel_id(slack, "leaders")]
    await driver.slash_command(ALICE, "Copilot: it invented a CLI flag")
    await settle(bot)
    [exp] = await entries(store)
    assert "Alice Adams" in everything([message_at(leaders, exp.echo_ts or "")])
    [confirmation] = slack.ephemerals(ALICE)
    await driver.tap(ALICE, confirmation, "experiment_toggle_anonymous")
    await settle(bot)
    [exp] = await entries(store)
    assert exp.anonymous
    assert_nowhere(ALICES, everything([message_at(leaders, exp.echo_ts or "")]))
    [replaced] = slack.ephemerals(ALICE)
    assert replaced.replaced == 1
    assert "Show my name" in json.dumps(replaced.blocks)
    await driver.tap(BOB, replaced, "experiment_toggle_anonymous")  # not Bob's to change
    await settle(bot)
    assert (await entries(store))[0].anonymous
    await driver.tap(ALICE, replaced, "experiment_toggle_anonymous")
    await settle(bot)
    [exp] = await entries(store)
    assert not exp.anonymous
    assert "Alice Adams" in everything([message_at(leaders, exp.echo_ts or "")])


async def test_a_thread_reply_made_anonymous_loses_its_name_and_link_and_says_why(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A reply shows its author in Slack anyway: the digest drops name and link, and Alice is told."""
    prompt = await a_week(bot, slack, clock)
    leaders = channel_id(slack, "leaders")
    await driver.post_message(
        ALICE, leaders, "Tool: Copilot\nFailed: it invented a CLI flag", thread_ts=prompt
    )
    await settle(bot)
    [summary] = [e for e in slack.ephemerals(ALICE) if e.thread_ts == prompt]
    await driver.tap(ALICE, summary, "experiment_toggle_anonymous")
    await settle(bot)
    [exp] = await entries(store)
    assert exp.anonymous
    assert exp.permalink is not None  # kept for Alice; never shown to others
    [replaced] = [e for e in slack.ephemerals(ALICE) if e.thread_ts == prompt]
    assert "still shows your name in the thread" in json.dumps(replaced.blocks)
    assert "/tried anon" in json.dumps(replaced.blocks)
    digest = await the_digest(bot, slack, clock)
    assert "it invented a CLI flag" in digest
    assert exp.permalink not in digest
    assert "|view>" not in digest
    assert_nowhere(ALICES, digest)


async def test_someone_in_a_function_only_when_the_cell_is_large_enough(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Three of the audience in Legal: "someone in Legal"; Chen alone in Legal: "someone", no Legal."""
    await a_week(bot, slack, clock)
    async with store.transaction() as conn:
        for user in (ALICE, BOB, CHEN):
            await profiles.save_profile(
                conn,
                Profile("T0LOL", user, job_function=JobFunction.LEGAL),
                now=MONDAY_0800_UTC,
            )
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await settle(bot)
    [exp] = await entries(store, CHEN)
    leaders = slack.ws.channels[channel_id(slack, "leaders")]
    assert "Shared by someone in Legal" in everything([message_at(leaders, exp.echo_ts or "")])
    digest = await the_digest(bot, slack, clock)
    assert "\\u2014 someone in Legal" in digest
    assert_nowhere(CHENS, digest)


async def test_a_function_that_would_point_at_the_author_is_not_shown(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Chen alone in Legal: neither the byline nor the by-function tally names Legal."""
    await a_week(bot, slack, clock)
    async with store.transaction() as conn:
        await profiles.save_profile(
            conn, Profile("T0LOL", CHEN, job_function=JobFunction.LEGAL), now=MONDAY_0800_UTC
        )
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await settle(bot)
    [exp] = await entries(store, CHEN)
    assert exp.job_function is JobFunction.LEGAL  # kept for Chen and for the operator
    digest = await the_digest(bot, slack, clock)
    assert "\\u2014 someone" in digest
    assert "Legal" not in digest
    assert_nowhere(CHENS, digest)


async def test_people_outside_the_digest_do_not_make_a_function_cell(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Dana and the admin (Legal, outside the Leaders ritual) sharing the same week do not let
    the Leaders digest say "someone in Legal" of Chen, its only Legal member."""
    await a_week(bot, slack, clock)
    async with store.transaction() as conn:
        for user in (CHEN, DANA, ADMIN):
            await profiles.save_profile(
                conn, Profile("T0LOL", user, job_function=JobFunction.LEGAL), now=MONDAY_0800_UTC
            )
    await driver.slash_command(DANA, "Claude: a contract review")
    await driver.slash_command(ADMIN, "Claude: a policy draft")
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await settle(bot)
    digest = await the_digest(bot, slack, clock)
    assert "\\u2014 someone" in digest
    assert "Legal" not in digest


async def test_a_week_shared_only_without_names_reads_well_and_names_no_one(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Every entry anonymous: no empty credit line, no "0 people", and no name or id anywhere."""
    await a_week(bot, slack, clock)
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await driver.slash_command(ALICE, "anon Claude: surprised it knew our org chart")
    await settle(bot)
    digest = await the_digest(bot, slack, clock)
    assert "*2 experiments* shared without names, with 2 tools" in digest
    assert "2 experiments shared without names, 1 failure" in digest  # the notification
    assert "Thanks to everyone who shared." in digest
    assert "Thanks for sharing:" not in digest
    assert "Welcome" not in digest
    assert_nowhere(CHENS + ALICES, digest)


async def test_a_copy_in_the_authors_dm_is_never_linked(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Asked by DM, Chen's copies land in his DM thread: his named entry links there, and the
    anonymous one must not, or the shared DM id would name him."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    clock.advance(hours=2)
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await driver.slash_command(CHEN, "Claude: it dropped three notes silently")
    await settle(bot)
    dm = slack.dm_channel(CHEN)
    assert dm is not None
    assert all(e.echo_channel_id == dm.id for e in await entries(store, CHEN))
    digest = await the_digest(bot, slack, clock)
    assert "it invented a CLI flag" in digest
    assert digest.count(f"/archives/{dm.id}/") == 1  # the named entry's link only


async def test_tried_anon_alone_says_what_is_missing(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried anon` with nothing after it saves nothing and says so."""
    await driver.slash_command(ALICE, "anon")
    await settle(bot)
    assert await entries(store) == []
    assert "`/tried anon` needs the experiment to share without your name" in json.dumps(
        slack.ephemerals(ALICE)[-1].blocks
    )


async def test_export_names_anonymous_authors_only_when_asked(
    bot: Runtime, driver: SlackDriver, database_url: str, tmp_path: Path
) -> None:
    """`export` leaves the author of an anonymous entry out; `--include-anonymous-authors` keeps it."""
    await driver.slash_command(CHEN, "anon Copilot: it invented a CLI flag")
    await driver.slash_command(ALICE, "Claude: named")
    await settle(bot)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    code, out, err = await run_cli(env, tmp_path, "export", "--format", "json")
    assert code == 0, err
    rows = {r["tool"]: r for r in json.loads(out)}
    assert (rows["GitHub Copilot"]["user_id"], rows["GitHub Copilot"]["anonymous"]) == ("", True)
    assert rows["Claude"]["user_id"] == ALICE
    assert CHEN not in out
    code, out, err = await run_cli(env, tmp_path, "export", "--format", "csv")
    assert code == 0, err
    assert CHEN not in out
    assert {r["tool"]: r["user_id"] for r in csv.DictReader(io.StringIO(out))} == {
        "GitHub Copilot": "",
        "Claude": ALICE,
    }
    code, out, err = await run_cli(
        env, tmp_path, "export", "--format", "json", "--include-anonymous-authors"
    )
    assert code == 0, err
    assert {r["tool"]: r["user_id"] for r in json.loads(out)} == {
        "GitHub Copilot": CHEN,
        "Claude": ALICE,
    }
