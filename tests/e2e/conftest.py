"""End-to-end fixtures: the emulator, the real bot on a free port, and a signed driver.

Everything talks over HTTP on 127.0.0.1. The bot's clock and the emulator's clock are one
`FakeClock`, so tests move time instead of sleeping through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Config
from bot.runtime import Runtime, start_runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database
from tests.conftest import NOW

SECRET = "test-signing-secret"
ALICE, BOB, CHEN, DANA, ADMIN = "U0ALICE", "U0BOB", "U0CHEN", "U0DANA", "U0ADMIN"


@dataclass
class FakeClock:
    """An aware UTC clock that moves only when told."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def slack(clock: FakeClock) -> AsyncIterator[FakeSlack]:
    """A workspace with four leaders in three time zones, an admin, and two channels."""
    fake = FakeSlack(clock=clock.epoch, rate_scale=20)
    fake.add_user(ALICE, "alice", real_name="Alice Adams", tz="Europe/Berlin")
    fake.add_user(BOB, "bob", real_name="Bob Brown", tz="America/New_York")
    fake.add_user(CHEN, "chen", real_name="Chen Chao", tz="Asia/Tokyo")
    fake.add_user(DANA, "dana", real_name="Dana Diaz", tz="Europe/London")
    fake.add_user(ADMIN, "admin", real_name="Ada Min", tz="Europe/Berlin", is_admin=True)
    fake.add_channel("leaders", members=[ALICE, BOB, CHEN, DANA, ADMIN])
    fake.add_channel("ai-digest", members=[ALICE, BOB, CHEN, DANA, ADMIN])
    fake.add_channel("random", members=[ALICE, BOB], bot_member=False)
    async with fake:
        yield fake


def channel_id(slack: FakeSlack, name: str) -> str:
    """The id of a channel by name."""
    return next(c.id for c in slack.ws.channels.values() if c.name == name and not c.is_im)


def bot_config(slack: FakeSlack, database_url: str, **extra: str) -> Config:
    return Config.from_env(
        {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": "0",
            # Retry a 5xx at once: a test proves that it is retried, not how long the wait is.
            "SLACK_RETRY_BACKOFF_SECONDS": "0",
            # The emulator runs at 20 times Slack's rates (the `slack` fixture): pace alike.
            "SLACK_RATE_SCALE": "20",
        }
        | extra
    )


@pytest.fixture
async def bot(slack: FakeSlack, clock: FakeClock, database_url: str) -> AsyncIterator[Runtime]:
    """The real bot, started as `python -m bot run` would, minus the timer (tests drive time)."""
    runtime = await start_runtime(bot_config(slack, database_url), clock=clock, scheduling=False)
    yield runtime
    await runtime.stop()


@pytest.fixture
async def driver(bot: Runtime, slack: FakeSlack) -> AsyncIterator[SlackDriver]:
    async with SlackDriver(f"http://127.0.0.1:{bot.port}/slack/events", SECRET, slack) as d:
        yield d


@pytest.fixture
def store(bot: Runtime) -> Database:
    return bot.db


async def settle(bot: Runtime) -> None:
    """Wait until the bot's background work (acked listeners) has finished."""
    for _ in range(5):
        await asyncio.sleep(0.02)
        if not len(bot.deps.inflight):
            await asyncio.sleep(0.02)
            if not len(bot.deps.inflight):
                return
        await bot.deps.inflight.wait(10)


def tmp_db_url(tmp_path: Path, name: str = "bot.db") -> str:
    return f"sqlite+aiosqlite:///{tmp_path / name}"


ROOT = Path(__file__).resolve().parents[2]


def bot_env(slack: FakeSlack, database_url: str) -> dict[str, str]:
    """The environment an operator would give `python -m bot`, pointed at the emulator."""
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "SLACK_RETRY_BACKOFF_SECONDS": "0",
        "SLACK_RATE_SCALE": "20",
    }
