"""The foundation end to end: signed requests, the first /tried slice, bad input, Slack faults."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.runtime import Runtime
from core.model import Experiment, FailureMode, Outcome, Source
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage import experiments as repo
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, settle

ROOT = Path(__file__).resolve().parents[2]


async def experiments_of(store: Database, user: str) -> list[Experiment]:
    async with store.transaction() as conn:
        return await repo.list_for_user(conn, "T0LOL", user, limit=100)


async def test_tried_saves_at_once_and_confirms_privately(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """`/tried Copilot: …` is acked, stored with the tool parsed, and confirmed ephemerally."""
    started = time.monotonic()
    reply = await driver.slash_command(
        ALICE, "Copilot: drafted the migration plan, it invented a CLI flag"
    )
    assert reply.status == 200
    assert time.monotonic() - started < 3  # Slack's ack deadline
    await settle(bot)
    [exp] = await experiments_of(store, ALICE)
    assert (exp.tool, exp.summary, exp.source) == (
        "GitHub Copilot",
        "drafted the migration plan, it invented a CLI flag",
        Source.COMMAND,
    )
    assert (exp.outcome, exp.failure_mode, exp.week) == (
        Outcome.FAILED,
        FailureMode.CONFIDENT_WRONG,
        "2026-W48",
    )
    [confirmation] = slack.ephemerals(ALICE)
    assert confirmation.source == "response_url"
    assert "Saved" in confirmation.text
    shown = json.dumps(confirmation.blocks)
    assert "Confident wrong answer" in shown
    assert "experiment_edit" in shown


async def test_url_verification_answers_the_challenge(driver: SlackDriver) -> None:
    """Slack's URL check gets its challenge back."""
    reply = await driver.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert reply.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in reply.body


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"secret": "not-the-secret"}, id="wrong-signature"),
        pytest.param({"signed": False}, id="missing-headers"),
        pytest.param({"timestamp": int(time.time()) - 6 * 60}, id="older-than-5-minutes"),
    ],
)
async def test_unverified_requests_get_401_and_store_nothing(
    bot: Runtime, driver: SlackDriver, store: Database, options: dict[str, Any]
) -> None:
    """A request Slack did not sign, or signed too long ago, is refused and changes nothing."""
    reply = await driver.slash_command(ALICE, "Claude: summarised the RFC", **options)
    assert reply.status == 401
    await settle(bot)
    assert await experiments_of(store, ALICE) == []


async def test_malformed_body_is_refused_without_a_crash(bot: Runtime, driver: SlackDriver) -> None:
    """A signed body that is not a Slack payload is answered 400, not crashed on."""
    reply = await driver.send('{"type": "event_callback", "event": ', "application/json")
    assert reply.status == 400
    health = await _get(bot, "/healthz")
    assert health[0] == 200


async def test_forty_thousand_characters_are_refused_with_the_reason(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """An over-long entry is not silently cut: the person is told its length and the limit."""
    await driver.slash_command(ALICE, "Claude: " + "x" * 40_000)
    await settle(bot)
    assert await experiments_of(store, ALICE) == []
    [answer] = slack.ephemerals(ALICE)
    assert "40,008 characters" in json.dumps(answer.blocks)
    assert "3,000" in json.dumps(answer.blocks)


async def test_unknown_command_and_action_are_acknowledged(
    bot: Runtime, driver: SlackDriver
) -> None:
    """Something the bot does not know gets a 200 and a helpful word, never an error page."""
    command = await driver.slash_command(ALICE, "", command="/unknown")
    assert command.status == 200
    assert "/tried help" in command.body
    action = await driver.block_action(ALICE, "from_an_old_version", "x")
    assert action.status == 200


async def test_unknown_subcommand_shows_help(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """`/tried lsit` is answered with help, naming what was typed."""
    await driver.slash_command(ALICE, "lsit")
    await settle(bot)
    [answer] = slack.ephemerals(ALICE)
    assert "lsit" in json.dumps(answer.blocks)
    assert "/tried list" in json.dumps(answer.blocks)


async def test_every_subscribed_event_has_a_listener(bot: Runtime, driver: SlackDriver) -> None:
    """Each bot event in the manifest is answered 200, so Slack never redelivers it."""
    manifest = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    listed = manifest.split("bot_events:", 1)[1].split("interactivity:", 1)[0]
    events = re.findall(r"^\s+- ([a-z_.]+)", listed, re.MULTILINE)
    samples: dict[str, dict[str, Any]] = {
        "app_home_opened": {
            "type": "app_home_opened",
            "user": ALICE,
            "tab": "home",
            "channel": "D1",
        },
        "message.channels": {
            "type": "message",
            "channel": "C1",
            "user": BOB,
            "text": "hi",
            "ts": "1.1",
            "channel_type": "channel",
        },
        "message.groups": {
            "type": "message",
            "channel": "G1",
            "user": BOB,
            "text": "hi",
            "ts": "1.2",
            "channel_type": "group",
        },
        "message.im": {
            "type": "message",
            "channel": "D1",
            "user": BOB,
            "text": "hi",
            "ts": "1.3",
            "channel_type": "im",
        },
        "reaction_added": {
            "type": "reaction_added",
            "user": BOB,
            "reaction": "eyes",
            "item_user": ALICE,
            "item": {"type": "message", "channel": "C1", "ts": "1.1"},
            "event_ts": "1.4",
        },
        "reaction_removed": {
            "type": "reaction_removed",
            "user": BOB,
            "reaction": "eyes",
            "item_user": ALICE,
            "item": {"type": "message", "channel": "C1", "ts": "1.1"},
            "event_ts": "1.5",
        },
    }
    assert set(events) == set(samples)
    for name in events:
        reply, _ = await driver.event(samples[name])
        assert reply.status == 200, name
    await settle(bot)


async def test_rate_limits_and_server_errors_are_retried(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """A 429 with Retry-After (0 here) and a 500 are retried by slack_sdk's handlers; nothing is lost."""
    slack.limits.force("users.info", 1, retry_after=0)
    slack.fail_next("users.info", status=500)
    await driver.slash_command(ALICE, "Gemini: compared two vendor contracts, worked well")
    await settle(bot)
    [exp] = await experiments_of(store, ALICE)
    assert exp.tool == "Gemini"
    statuses = [call.http_status for call in slack.calls("users.info")]
    # The injected fault first, then the limit, then success (and later look-ups, for Home).
    assert statuses[:3] == [500, 429, 200]
    assert set(statuses[3:]) <= {200}


async def test_health_check_follows_the_database(bot: Runtime, tmp_path: Path) -> None:
    """/healthz is 200 while the database answers and 503 once it does not."""
    assert (await _get(bot, "/healthz"))[0] == 200
    working = bot.db.engine
    bot.db.engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"
    )
    try:
        status, body = await _get(bot, "/healthz")
    finally:
        await bot.db.engine.dispose()
        bot.db.engine = working
    assert status == 503
    assert "unreachable" in body


async def test_readiness_follows_start_up_shutdown_and_the_database(
    bot: Runtime, tmp_path: Path
) -> None:
    """/readyz is 200 once started, 503 while draining or when the database does not answer."""
    assert await _get(bot, "/readyz") == (200, '{"ready": true}')
    bot.readiness.reason = "draining"
    status, body = await _get(bot, "/readyz")
    assert (status, "draining" in body) == (503, True)
    bot.readiness.reason = None
    assert bot.db is not None
    working = bot.db.engine
    bot.db.engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"
    )
    try:
        status, body = await _get(bot, "/readyz")
    finally:
        await bot.db.engine.dispose()
        bot.db.engine = working
    assert (status, "database unreachable" in body) == (503, True)


async def _get(bot: Runtime, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{bot.port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_a_failing_listener_tells_the_person_and_logs_a_reference(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """An error inside a listener reaches the one error handler: a log line with context, a private apology."""
    slack.fail_next("views.open", error="internal_error")
    await driver.slash_command(ALICE, "")
    await settle(bot)
    [apology] = slack.ephemerals(ALICE)
    assert "Something went wrong on our side" in apology.text
    reference = re.search(r"reference `([0-9a-f]{8})`", apology.text)
    assert reference is not None
    assert (
        f"listener failed ref={reference.group(1)} kind=command user={ALICE} what=/tried"
        in caplog.text
    )


async def test_help_lists_every_subcommand(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack
) -> None:
    """`/tried help` explains each way to use the command."""
    await driver.slash_command(ALICE, "help")
    await settle(bot)
    shown = json.dumps(slack.ephemerals(ALICE)[-1].blocks)
    for usage in (
        "/tried list",
        "/tried undo",
        "/tried private",
        "/tried profile",
        "/tried forget-me",
        "/tried setup",
    ):
        assert usage in shown
