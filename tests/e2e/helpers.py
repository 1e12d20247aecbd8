"""What several end-to-end modules share: the Leaders ritual, a week of sharing, and how to read the results.

Test modules import from here (and from `conftest`), never from one another.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.runtime import Runtime
from core.model import Experiment, Source
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Channel, Message
from services.ritual_runs import RunReport, run_due
from services.ritual_setup import create_ritual
from storage import experiments as repo
from storage.db import Database
from tests.cli import run_cli
from tests.e2e.conftest import ADMIN, ALICE, BOB, CHEN, DANA, FakeClock, bot_env, channel_id, settle

GRACE = timedelta(hours=6)


MONDAY_0800_UTC = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, week 2026-W48


def leaders_ritual(slack: FakeSlack, **changes: Any) -> Ritual:
    """Monday 09:00 Europe/Berlin, in #leaders and by DM, reminder Wednesday 14:00, digest Friday 16:00."""
    base = Ritual(
        id="r-leaders",
        team_id="T0LOL",
        name="Leaders",
        audience_kind=AudienceKind.USERS,
        audience=(ALICE, BOB, CHEN),
        weekday=Weekday.MON,
        at=time(9, 0),
        tz="Europe/Berlin",
        prompt_channel_id=channel_id(slack, "leaders"),
        dm=True,
        reminder_weekday=Weekday.WED,
        reminder_at=time(14, 0),
        digest_channel_id=channel_id(slack, "ai-digest"),
        created_by=ADMIN,
    )
    return replace(base, **changes)


CREATED = datetime(2026, 1, 5, 12, tzinfo=UTC)  # before every moment these tests look at


async def install(bot: Runtime, ritual: Ritual) -> Ritual:
    """Create the ritual (as the modal and the CLI do) early in 2026, then put the clock back."""
    assert bot.deps is not None
    assert bot.client is not None
    clock = bot.clock
    assert isinstance(clock, FakeClock)
    was = clock()
    clock.set(CREATED)
    assert await create_ritual(bot.deps, bot.client, ritual) == []
    clock.set(was)
    return ritual


async def tick(bot: Runtime, clock: FakeClock, at: datetime | None = None) -> RunReport:
    """One scheduled run at `at` (or now)."""
    assert bot.deps is not None
    assert bot.client is not None
    if at is not None:
        clock.set(at)
    return await run_due(bot.deps, bot.client, now=clock(), grace=GRACE)


def posted(slack: FakeSlack, kind: str) -> list[str]:
    """Every send key the bot posted, of one kind, from the messages' metadata."""
    keys = []
    for channel in slack.ws.channels.values():
        for message in channel.messages:
            key = (message.metadata or {}).get("event_payload", {}).get("send_key", "")
            if key.startswith(kind + ":"):
                keys.append(key)
    return keys


FRIDAY_1600_BERLIN = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def digest_messages(slack: FakeSlack) -> list[Message]:
    """What the bot posted in #ai-digest, its chart aside (see `chart_messages`)."""
    return [m for m in slack.messages(channel_id(slack, "ai-digest")) if m.bot_id and not m.files]


def chart_messages(slack: FakeSlack) -> list[Message]:
    """The file shares the bot made in #ai-digest: the digest's charts."""
    return [m for m in slack.messages(channel_id(slack, "ai-digest")) if m.bot_id and m.files]


def all_text(messages: list[Message]) -> str:
    """Every block of `messages` as one JSON string, to search in."""
    return json.dumps([m.blocks for m in messages])


async def a_week_of_sharing(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Prompts on Monday, then replies with surprises and failures, /tried entries, a private one."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    clock.advance(hours=2)
    await driver.post_message(
        ALICE,
        leaders,
        "Tool: Copilot\nWhat happened: wrote the migration\nFailed: it invented a CLI flag <!channel>",
        thread_ts=prompt,
    )
    await driver.post_message(
        BOB,
        leaders,
        "Claude drafted the board memo. Surprised it knew our org chart.",
        thread_ts=prompt,
    )
    await driver.post_message(
        DANA,
        leaders,
        "Tool: Copilot\nWhat happened: tests\nFailed: only did half of the files, silently",
        thread_ts=prompt,
    )
    await driver.slash_command(CHEN, "Cursor: prototyped the dashboard, worked great")
    await driver.slash_command(CHEN, "private ChatGPT: a sensitive HR note")
    await settle(bot)


async def entries(store: Database, user: str = ALICE) -> list[Experiment]:
    """A person's stored entries, as `/tried list` reads them."""
    async with store.transaction() as conn:
        return await repo.list_for_user(conn, "T0LOL", user, limit=100)


def form(**fields: str) -> dict[str, dict[str, Any]]:
    """Form values as Slack sends them in view.state.values."""
    values: dict[str, dict[str, Any]] = {}
    for name, value in fields.items():
        if name in {"outcome", "failure_mode", "job_function", "caught"}:
            values[name] = {name: {"type": "static_select", "selected_option": {"value": value}}}
        elif name in {"private", "dm_prompts"}:
            values[name] = {name: {"type": "checkboxes", "selected_options": [{"value": value}]}}
        else:
            values[name] = {name: {"type": "plain_text_input", "value": value}}
    return values


async def cli(slack: FakeSlack, database_url: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    """Run `python -m bot …` against the emulator."""
    return await run_cli(bot_env(slack, database_url), cwd, *args)


def prompts_to(slack: FakeSlack, user: str) -> list[Message]:
    """The prompts the bot posted in a person's DM."""
    dm = slack.dm_channel(user)
    if dm is None:
        return []
    return [
        m
        for m in dm.messages
        if m.bot_id
        and (m.metadata or {}).get("event_payload", {}).get("send_key", "").startswith("prompt:")
    ]


def dm_id(slack: FakeSlack, user: str) -> str:
    """The id of the bot's DM with `user`, which must exist by now."""
    dm = slack.dm_channel(user)
    assert dm is not None, f"no DM with {user}"
    return dm.id


def message_at(channel: Channel, ts: str) -> Message:
    """The message at `ts` in `channel`, which must be there."""
    message = channel.find(ts)
    assert message is not None, f"no message {ts} in {channel.id}"
    return message


async def add_long_failures(store: Database, ritual_id: str, count: int) -> None:
    """Alice's Claude failures `bulk000`…, each about 300 characters: enough to split a digest."""
    async with store.transaction() as conn:
        for n in range(count):
            exp = Experiment(
                id=f"bulk{n:03d}",
                team_id="T0LOL",
                user_id=ALICE,
                source=Source.COMMAND,
                summary=f"n{n}",
                created_at=MONDAY_0800_UTC,
                updated_at=MONDAY_0800_UTC,
                week="2026-W48",
                tool="Claude",
                failure=f"failure {n} " + "detail " * 40,
                ritual_id=ritual_id,
            )
            await repo.insert_experiment(conn, exp, source_key=f"bulk:{n}")


def as_submitted(view: dict[str, Any], **changes: Any) -> dict[str, dict[str, Any]]:
    """The form's values as Slack sends them when submitted as shown, with `changes` typed in."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind, key = element["type"], element["action_id"]
        if kind == "plain_text_input":
            state = {"value": element.get("initial_value")}
        elif kind == "multi_users_select":
            state = {"selected_users": element.get("initial_users", [])}
        elif kind == "conversations_select":
            state = {"selected_conversation": element.get("initial_conversation")}
        elif kind == "checkboxes":
            state = {"selected_options": element.get("initial_options", [])}
        elif kind == "static_select":
            state = {"selected_option": element.get("initial_option")}
        else:
            state = {"selected_time": element.get("initial_time")}
        if key in changes:
            state = changes[key]
        values[block["block_id"]] = {key: {"type": kind, **state}}
    return values
