"""`python -m bot run` as an operator runs it: serves, answers health checks, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp

from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage import experiments as repo
from storage.db import Database
from tests.e2e.conftest import ALICE, SECRET, bot_env


async def test_the_process_serves_and_stops_cleanly_on_sigterm(
    slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """The bot starts, takes a signed /tried, and on SIGTERM finishes its work, closes, and exits 0."""
    env = bot_env(slack, database_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    log = ""
    port = None
    while port is None:
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=30)).decode()
        assert line, f"the bot exited early:\n{log}"
        log += line
        match = re.search(r"listening host=\S+ port=(\d+)", line)
        port = int(match.group(1)) if match else None
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as health,
    ):
        assert health.status == 200
    async with SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, slack) as driver:
        reply = await driver.slash_command(ALICE, "Claude: summarised the RFC, it worked")
    assert reply.status == 200
    process.send_signal(signal.SIGTERM)
    rest = (await asyncio.wait_for(process.stderr.read(), timeout=30)).decode()
    assert await process.wait() == 0
    assert "shutting down" in rest
    assert "stopped" in rest
    assert SECRET not in log + rest
    assert slack.token not in log + rest
    db = Database.connect(database_url)
    try:
        async with db.transaction() as conn:
            [exp] = await repo.list_for_user(conn, "T0LOL", ALICE)
    finally:
        await db.close()
    assert exp.tool == "Claude"
