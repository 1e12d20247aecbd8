"""Signed but malformed payloads get a 400 and a log line, never a 500; failures are answered once."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bot.runtime import Runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from tests.e2e.conftest import ALICE, settle


def interactive(payload: Any) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def event_body(driver: SlackDriver, **changes: Any) -> tuple[str, str]:
    envelope = driver.envelope({"type": "message", "channel": "C1", "user": ALICE, "ts": "1.1"})
    return json.dumps(envelope | changes), "application/json"


async def inbox_rows(bot: Runtime) -> int:
    async with bot.db.transaction() as conn:
        return int((await conn.execute(text("SELECT COUNT(*) FROM inbox"))).scalar_one())


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a JSON list as the payload", "payload is a list"),
        ("an interactive payload that is a list", "payload is a list"),
        ("event as a string", "event is not an object"),
        ("an event without event_id", "without event_id"),
        ("user as a string in an interaction", "user is not an object"),
        ("actions that are not objects", "actions are not a list of objects"),
        ("a command without user_id", "command without"),
        ("no type at all", "payload without a type"),
    ],
)
async def test_a_signed_malformed_payload_is_answered_400_with_a_log_line(
    bot: Runtime,
    driver: SlackDriver,
    caplog: pytest.LogCaptureFixture,
    name: str,
    problem: str,
) -> None:
    """Each shape Bolt cannot take apart is refused with 400 and logged; nothing is stored."""
    action = {
        "type": "block_actions",
        "user": {"id": ALICE},
        "team": {"id": "T0LOL"},
        "actions": [{"action_id": "x"}],
    }
    bodies = {
        "a JSON list as the payload": (
            json.dumps([{"type": "event_callback"}]),
            "application/json",
        ),
        "an interactive payload that is a list": interactive([action]),
        "event as a string": event_body(driver, event="message"),
        "an event without event_id": event_body(driver, event_id=None),
        "user as a string in an interaction": interactive(action | {"user": ALICE}),
        "actions that are not objects": interactive(action | {"actions": ["x"]}),
        "a command without user_id": (
            urlencode({"command": "/tried", "text": "Claude: it worked", "team_id": "T0LOL"}),
            "application/x-www-form-urlencoded",
        ),
        "no type at all": (json.dumps({"token": "x"}), "application/json"),
    }
    body, content_type = bodies[name]
    reply = await driver.send(body, content_type)
    assert reply.status == 400, reply.body
    assert reply.json() == {"ok": False, "error": "malformed_payload"}
    [line] = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert line.startswith("refused a malformed payload: ")
    assert problem in line
    assert "Traceback" not in caplog.text
    await settle(bot)
    assert await inbox_rows(bot) == 0


async def test_an_unsigned_malformed_payload_is_refused_as_unsigned(
    bot: Runtime, driver: SlackDriver
) -> None:
    """The signature is checked before the shape: a forged malformed body gets 401, as any forgery."""
    reply = await driver.send(json.dumps([1, 2]), "application/json", secret="not-the-secret")
    assert reply.status == 401


async def test_the_error_handler_reads_any_payload_shape() -> None:
    """The log line is written whatever Slack sent: a string user, a string event, a list body."""
    from handlers.errors import describe_request

    assert describe_request({"type": "block_actions", "user": ALICE, "actions": ["x", 3]}) == (
        f"kind=block_actions user={ALICE} what=,"
    )
    assert describe_request({"type": "event_callback", "event": "message"}) == (
        "kind=event_callback user= what="
    )
    assert describe_request({"view": "v", "user": {"id": ALICE}}) == (
        f"kind=unknown user={ALICE} what="
    )
    assert describe_request([1, 2]) == "kind=unknown body=list"


async def test_the_error_handler_logs_a_failure_whose_user_is_a_string(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`on_error` itself does not fail on a payload whose `user` is a string, and logs the reference."""
    from handlers.errors import on_error

    await on_error(RuntimeError("boom"), {"type": "block_actions", "user": ALICE}, None)
    assert "listener failed ref=" in caplog.text
    assert f"user={ALICE}" in caplog.text


async def test_a_listener_failing_right_after_its_ack_answers_once(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """The ack stands (200, at once, no 3-second wait) and the person gets one apology, not two answers."""
    slack.fail_next("views.open", error="internal_error")
    started = time.monotonic()
    reply = await driver.slash_command(ALICE, "")
    elapsed = time.monotonic() - started
    await settle(bot)
    assert (reply.status, reply.body) == (200, "")
    assert elapsed < 2.5  # Bolt's wait for an ack it lost is 3 s; the task asks for this bound
    [apology] = slack.ephemerals(ALICE)
    assert "Something went wrong on our side" in apology.text
    assert caplog.text.count("listener failed ref=") == 1
