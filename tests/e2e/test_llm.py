"""The optional language model end to end: the real bot, the Slack emulator and a fake endpoint.

The model reads replies in prompt threads and `/tried` entries after the ack; whatever goes
wrong on its side (malformed answers, wrong labels, 429, 500, a bad key, a hang), the rules'
reading is stored instead and the reply is still captured and acknowledged. Private entries
never reach it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.runtime import Runtime, start_runtime
from core.capture import parse_quick_entry, parse_reply
from core.llm_answer import build_messages
from core.model import FailureMode, Outcome
from core.tools import DEFAULT_CATALOGUE
from fakeslack.driver import SlackDriver
from fakeslack.llm import FakeLLM
from fakeslack.server import FakeSlack
from services.llm import LanguageModel, ModelUnavailable
from storage.db import Database
from tests.e2e.conftest import ALICE, BOB, FakeClock, bot_config, channel_id, settle
from tests.e2e.helpers import MONDAY_0800_UTC, entries, form, install, leaders_ritual, tick

MODEL = "fake-small"
# No marker the rules know ("wrong", "invented", …): only a reader sees it failed.
# Told only through its consequence: the rules read no failure in it.
SUBTLE = (
    "Used Claude to summarise the supplier contract. The supplier asked us which termination "
    "clause we meant, since their copy has none like it."
)
CITED = (
    "The supplier asked us which termination clause we meant, since their copy has none like it."
)
GOOD_ANSWER = {
    "chatter": False,
    "tool": "Claude",
    "outcome": "failed",
    "failure_mode": "confident_wrong",
    "surprise": None,
    "failure": CITED,
}
# The rules catch this one; a fallback must store exactly what they read.
MARKED = "Copilot wrote the tests, then it hallucinated an API. Surprised me how sure it was."


@pytest.fixture
async def llm() -> AsyncIterator[FakeLLM]:
    async with FakeLLM() as fake:
        yield fake


@pytest.fixture
def llm_timeout() -> str:
    return "10"  # generous: only the timeout test waits for it, with its own short value


@pytest.fixture
def llm_key(llm: FakeLLM) -> str:
    return llm.api_key


@pytest.fixture
async def bot(
    slack: FakeSlack,
    clock: FakeClock,
    database_url: str,
    llm: FakeLLM,
    llm_timeout: str,
    llm_key: str,
) -> AsyncIterator[Runtime]:
    """The real bot with the language model configured, pointed at the fake endpoint."""
    config = bot_config(
        slack,
        database_url,
        LLM_API_URL=llm.api_url,
        LLM_API_KEY=llm_key,
        LLM_MODEL=MODEL,
        LLM_TIMEOUT_SECONDS=llm_timeout,
    )
    runtime = await start_runtime(config, clock=clock, scheduling=False)
    yield runtime
    await runtime.stop()


async def reply_in_thread(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, text: str
) -> tuple[str, str, int]:
    """Bob replies under Monday's prompt in #leaders; return channel, ts, and the ack's status."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt_ts = slack.messages(leaders)[0].ts
    clock.advance(hours=1)
    message = slack.user_posts(BOB, leaders, text, thread_ts=prompt_ts)
    ack, _ = await driver.event(
        {
            "type": "message",
            "channel": leaders,
            "user": BOB,
            "text": text,
            "ts": message.ts,
            "thread_ts": prompt_ts,
            "channel_type": "channel",
        }
    )
    await settle(bot)
    return leaders, message.ts, ack.status


def fields(exp: Any) -> tuple[Any, ...]:
    return (exp.tool, exp.outcome, exp.failure_mode, exp.surprise, exp.failure)


def rules_reading(text: str) -> tuple[Any, ...]:
    draft = parse_reply(text, DEFAULT_CATALOGUE).draft
    return (draft.tool, draft.outcome, draft.failure_mode, draft.surprise, draft.failure)


def memo_on(slack: FakeSlack, channel: str, ts: str) -> bool:
    message = slack.ws.channels[channel].find(ts)
    return message is not None and "memo" in message.reactions


async def test_a_subtle_failure_is_stored_with_the_models_failure_mode(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    store: Database,
    llm: FakeLLM,
) -> None:
    """A failure with no marker the rules know is stored as the model read it, with a :memo:."""
    llm.reply_with(GOOD_ANSWER)
    leaders, ts, status = await reply_in_thread(bot, driver, slack, clock, SUBTLE)
    assert status == 200
    [exp] = await entries(store, BOB)
    assert fields(exp) == ("Claude", Outcome.FAILED, FailureMode.CONFIDENT_WRONG, "", CITED)
    assert exp.summary == SUBTLE
    assert memo_on(slack, leaders, ts)


async def test_only_the_text_is_sent_with_the_labels_and_the_key(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, llm: FakeLLM
) -> None:
    """One request: the model, JSON mode, instructions and the reply's text; no ids or names."""
    llm.reply_with(GOOD_ANSWER)
    leaders, _ts, _status = await reply_in_thread(bot, driver, slack, clock, SUBTLE)
    [request] = llm.requests
    assert request["model"] == MODEL
    assert request["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert request["messages"][1]["content"] == SUBTLE
    sent = json.dumps(request)
    for private in (BOB, "bob", "Bob Brown", leaders, "leaders", slack.ws.team_id):
        assert private not in sent


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("Sure! It failed, I would say.", id="prose-not-json"),
        pytest.param('{"outcome": "failed", "failure_mode": ', id="cut-off-json"),
        pytest.param(
            {"outcome": "partly", "failure_mode": "hallucination", "tool": "Gemini"},
            id="unknown-labels",
        ),
    ],
)
async def test_a_malformed_or_mislabelled_answer_keeps_the_rules_reading(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    store: Database,
    llm: FakeLLM,
    content: str | dict[str, Any],
) -> None:
    """What the model says that is not JSON or not an allowed label is dropped for the rules'."""
    llm.reply_with(content)
    leaders, ts, _status = await reply_in_thread(bot, driver, slack, clock, MARKED)
    [exp] = await entries(store, BOB)
    assert fields(exp) == rules_reading(MARKED)
    assert memo_on(slack, leaders, ts)
    assert len(llm.requests) == 1


@pytest.mark.parametrize("llm_timeout", ["0.2"])
async def test_a_hanging_model_times_out_and_the_reply_is_still_captured(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    store: Database,
    llm: FakeLLM,
) -> None:
    """The event is acked at once; after the timeout the rules' reading is stored, with a :memo:."""
    llm.hang()
    leaders, ts, status = await reply_in_thread(bot, driver, slack, clock, MARKED)
    assert status == 200
    [exp] = await entries(store, BOB)
    assert fields(exp) == rules_reading(MARKED)
    assert memo_on(slack, leaders, ts)
    assert len(llm.requests) == 1


@pytest.mark.parametrize("status", [429, 500])
async def test_rate_limits_and_errors_fall_back_once_without_retrying(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    store: Database,
    llm: FakeLLM,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 429 or 500 is not retried: one request, the rules' reading, one log line with the reason."""
    llm.fail(status)
    with caplog.at_level(logging.INFO):
        leaders, ts, _ = await reply_in_thread(bot, driver, slack, clock, MARKED)
    [exp] = await entries(store, BOB)
    assert fields(exp) == rules_reading(MARKED)
    assert memo_on(slack, leaders, ts)
    assert len(llm.requests) == 1
    fallbacks = [r.getMessage() for r in caplog.records if "fallback to rules" in r.getMessage()]
    assert len(fallbacks) == 1
    assert str(status) in fallbacks[0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hallucinated" not in logged
    assert llm.api_key not in logged


@pytest.mark.parametrize("llm_key", ["sk-not-the-right-one"])
async def test_a_refused_key_falls_back_to_the_rules(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    store: Database,
    llm: FakeLLM,
) -> None:
    """The endpoint answers 401 to a wrong key; the reply is captured as the rules read it."""
    llm.reply_with(GOOD_ANSWER)
    await reply_in_thread(bot, driver, slack, clock, SUBTLE)
    [exp] = await entries(store, BOB)
    assert fields(exp) == rules_reading(SUBTLE)


async def test_a_tried_entry_is_read_by_the_model_and_the_confirmation_says_so(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database, llm: FakeLLM
) -> None:
    """`/tried <text>` is acked, read by the model, stored, and the confirmation names the source."""
    llm.reply_with(GOOD_ANSWER)
    ack = await driver.slash_command(ALICE, SUBTLE)
    assert ack.status == 200
    await settle(bot)
    [exp] = await entries(store)
    assert fields(exp) == ("Claude", Outcome.FAILED, FailureMode.CONFIDENT_WRONG, "", CITED)
    confirmation = json.dumps(slack.ephemerals(ALICE)[-1].blocks)
    assert "Confident wrong answer (read by the language model)" in confirmation
    [request] = llm.requests
    assert request["messages"][1]["content"] == SUBTLE
    sent = json.dumps(request)
    for private in (ALICE, "alice", "Alice Adams"):
        assert private not in sent


async def test_a_private_tried_entry_is_never_sent(
    bot: Runtime, driver: SlackDriver, store: Database, llm: FakeLLM
) -> None:
    """`/tried private …` is read by the rules alone: the endpoint receives nothing."""
    llm.reply_with(GOOD_ANSWER)
    await driver.slash_command(ALICE, "private " + SUBTLE)
    await settle(bot)
    [exp] = await entries(store)
    assert exp.private
    draft = parse_quick_entry(SUBTLE, DEFAULT_CATALOGUE).draft
    assert (exp.outcome, exp.failure_mode) == (draft.outcome, draft.failure_mode)
    assert llm.requests == []


async def test_the_form_is_never_sent_private_or_not(
    bot: Runtime, driver: SlackDriver, store: Database, llm: FakeLLM
) -> None:
    """The form's fields are the person's own choices: nothing in it goes to the model."""
    await driver.slash_command(ALICE, "")
    await settle(bot)
    await driver.view_submission(
        ALICE, driver.last_view(ALICE), form(tool="Claude", summary=SUBTLE, private="private")
    )
    await settle(bot)
    [exp] = await entries(store)
    assert exp.private
    assert llm.requests == []


async def test_an_endpoint_without_json_mode_is_asked_without_it_from_then_on(
    llm: FakeLLM,
) -> None:
    """A 400 to `response_format` falls back once; later requests leave it out and get answers."""
    llm.refuse_json_mode()
    llm.reply_with(GOOD_ANSWER)
    model = LanguageModel(base_url=llm.api_url, api_key=llm.api_key, model=MODEL, timeout=10)
    try:
        with pytest.raises(ModelUnavailable, match="HTTP 400"):
            await model.complete(build_messages(SUBTLE))
        assert json.loads(await model.complete(build_messages(SUBTLE))) == GOOD_ANSWER
    finally:
        await model.close()
    assert ["response_format" in request for request in llm.requests] == [True, False]
    assert llm.api_key not in repr(model)
