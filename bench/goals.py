"""Issue 12's goals, measured in one run: `.venv/bin/python -m bench.goals`.

Options: `--scale small|full` (small: a quick look, full: the issue's sizes), `--rows` (a comma
list of ack, ingest, cpu, digest, cli, fanout; all by default), `--runs N` (medians of N; 3 at
full scale), `--postgres URL` (the ingest and digest rows run on SQLite and PostgreSQL side by
side; `--postgres none` for SQLite alone).

Every row runs real processes: the bot is `python -m bot run` on a port of its own, Slack is the
emulator in this process (rate limits off: it measures the bot, not Slack's pacing), and every
request is signed HTTP. It prints each row's measured figure, its goal and the ratio.

- ack: 1,000 `/tried` quick entries (100 at small scale), 50 at a time, against the bot and
  against a bare Bolt app that only acks (`bench.bare_bolt`), one after the other in the same run:
  p50 and p99 of the HTTP round trip, and the bot's p99 over the bare app's.
- ingest: 5,000 thread replies to a prompt (200 at small scale), 50 at a time: replies stored per
  second, from the first request until every reply is stored; lost = acked minus stored.
- cpu: the bot process's CPU time (user + system, from /proc) over the ack run and over the
  ingest run, divided by the messages: everything the bot does for each, ack to last Slack call.
- digest: `python -m bot digest --preview` over a generated history of 1,000,000 experiments
  (20,000 at small scale), built once and cached (`.bench-cache/` for SQLite, a kept schema for
  PostgreSQL): the whole command's wall time and peak memory, and in this process the time of
  gathering (the queries) and of gathering and rendering together.
- cli: start-up of `python -m bot --help` and `python -m bot export`.
- fanout: `bench/fanout.py` when it exists (`python -m bench.fanout`), else "not run".

The machine is shared and noisy: read medians and ratios, not single figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bench.databases import bench_database, execute
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from services.deps import Deps
from storage import rituals as ritual_repo
from storage.db import Database, to_db_time

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench-cache"
SECRET = "goals-secret"
TEAM = "T0LOL"
CONCURRENCY = 50
REPLIERS = 50
TRIERS = 500
HISTORY_VERSION = 3  # bump when the generated history changes shape (or its migrations)
HISTORY_WEEKS = 400  # about eight years of earlier weeks
DIGEST_WEEK = WeekId.parse("2026-W48")
DIGEST_ENTRIES = 300
DIGEST_SHARERS = 60
HISTORY_PEOPLE = 500
TOOLS = ("Claude", "Copilot", "Cursor", "ChatGPT", "Gemini", "Perplexity")
ROWS = ("ack", "ingest", "cpu", "digest", "cli", "fanout")
SETTLE_SECONDS = 600.0
PROFILE: Path | None = None
BOT_ENV: dict[str, str] = {}  # `--bot-env NAME=VALUE`: settings of the bot under test


@dataclass(frozen=True)
class Scale:
    requests: int
    replies: int
    history: int
    runs: int
    fanout: tuple[int, float] = (2000, 1.0)  # bench.fanout's --people and --scale


SCALES = {
    # tiny: every row runs, nothing is measured; the fan-out's 2,000 DMs at Slack's rates
    # alone would take 200 s, 20 at ten times the rates take a fraction of one.
    "tiny": Scale(requests=10, replies=10, history=2_000, runs=1, fanout=(20, 10.0)),
    "small": Scale(requests=100, replies=200, history=20_000, runs=1),
    "full": Scale(requests=1_000, replies=5_000, history=1_000_000, runs=3),
}


@dataclass
class Line:
    what: str
    database: str
    measured: str
    goal: str
    ratio: str = ""


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)

    def add(self, line: Line) -> None:
        self.lines.append(line)
        print(f"  {line.what} [{line.database}]: {line.measured} (goal {line.goal}) {line.ratio}")

    def table(self) -> str:
        out = [
            "| what | database | measured | goal | ratio to goal (≤ 1 meets it) |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {x.what} | {x.database} | {x.measured} | {x.goal} | {x.ratio} |" for x in self.lines
        ]
        return "\n".join(out)


def ratio(measured: float, goal: float) -> str:
    return f"{measured / goal:.2f}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workspace() -> tuple[FakeSlack, str]:
    slack = FakeSlack(rate_limits=False)
    for n in range(REPLIERS):
        slack.add_user(f"UR{n:05d}", f"replier{n}", tz="Europe/Berlin")
    for n in range(TRIERS):
        slack.add_user(f"UT{n:05d}", f"trier{n}", tz="Europe/Berlin")
    for n in range(HISTORY_PEOPLE):
        slack.add_user(f"U{n:06d}", f"person{n}", tz="Europe/Berlin")
    channel = slack.add_channel("leaders", members=[f"UR{n:05d}" for n in range(REPLIERS)])
    return slack, channel.id


def bot_env(slack: FakeSlack, url: str, port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SCHEDULER_TICK_SECONDS": "1",
        "SCHEDULER_LEASE_SECONDS": "10",
        # The emulator's limits are off; the bot's own pacing at Slack's limits would make the
        # rows measure the pacing (a reaction a reply: minutes for a burst), not the bot.
        "SLACK_RATE_SCALE": "1000",
    } | BOT_ENV


@dataclass
class Process:
    pid: int
    url: str


@asynccontextmanager
async def serving(
    slack: FakeSlack, url: str, log: Path, *, bare: bool = False
) -> AsyncIterator[Process]:
    """Start the bot (or the bare Bolt app) as a process; stop it with SIGTERM afterwards."""
    port = free_port()
    module = ["bench.bare_bolt"] if bare else ["bot", "run"]
    if PROFILE is not None and not bare:  # `--profile DIR`: the bot's own cProfile, per process
        out_file = PROFILE / f"bot-{time.monotonic_ns()}.prof"
        module = ["cProfile", "-o", str(out_file), "-m", *module]
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *module,
            env=bot_env(slack, url, port),
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                if proc.returncode is not None:
                    raise RuntimeError(f"the process ended at start-up; see {log}")
                try:
                    async with http.get(f"{base}/healthz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"the process did not start; see {log}")
        yield Process(proc.pid, f"{base}/slack/events")
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), timeout=60)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def burst(count: int, send: Callable[[int], Awaitable[bool]]) -> tuple[list[float], int]:
    """Send `count` requests, CONCURRENCY at a time; return each round trip and how many acked."""
    gate = asyncio.Semaphore(CONCURRENCY)
    times: list[float] = []
    acked = 0

    async def one(n: int) -> None:
        nonlocal acked
        async with gate:
            started = time.perf_counter()
            ok = await send(n)
            times.append(time.perf_counter() - started)
            acked += ok

    await asyncio.gather(*(one(n) for n in range(count)))
    return times, acked


async def count_rows(db: Database, source: str) -> tuple[int, int]:
    """Experiments stored from `source`, and inbox rows not finished yet."""
    async with db.read() as conn:
        stored = (
            await conn.execute(
                text("SELECT COUNT(*) FROM experiments WHERE source = :source"), {"source": source}
            )
        ).scalar_one()
        pending = (
            await conn.execute(text("SELECT COUNT(*) FROM inbox WHERE status = 'pending'"))
        ).scalar_one()
    return int(stored), int(pending)


async def settle(db: Database, source: str, expected: int) -> int:
    """Wait until `expected` experiments are stored and the inbox is empty; return the count."""
    deadline = time.monotonic() + SETTLE_SECONDS
    stored = 0
    while time.monotonic() < deadline:
        stored, pending = await count_rows(db, source)
        if stored >= expected and pending == 0:
            break
        await asyncio.sleep(0.05)
    return stored


async def until_quiet(pid: int, *, still: float = 0.5) -> None:
    """Wait until the process has used no CPU for `still` seconds (its Slack calls are over)."""
    before = cpu_seconds(pid)
    for _ in range(int(60 / still)):
        await asyncio.sleep(still)
        now = cpu_seconds(pid)
        if now - before < 0.02:
            return
        before = now


# ---- ack, and CPU per /tried ------------------------------------------------------------


@dataclass
class AckRun:
    p50: float
    p99: float
    bare_p50: float
    bare_p99: float
    cpu_per_message: float
    lost: int


async def ack_run(requests: int, tmp: Path) -> AckRun:
    slack, _channel = workspace()
    url = f"sqlite+aiosqlite:///{tmp / f'ack-{time.monotonic_ns()}.db'}"
    async with slack:
        async with (
            serving(slack, url, tmp / "bot.log") as bot,
            SlackDriver(bot.url, SECRET, slack) as driver,
        ):

            async def tried(n: int) -> bool:
                answer = await driver.slash_command(
                    f"UT{n % TRIERS:05d}", f"Claude: entry {n}, it worked"
                )
                return answer.status == 200 and not answer.body

            await burst(5, tried)  # warm-up: the first request of a process pays its imports
            db = Database.connect(url)
            await settle(db, "command", 5)
            await until_quiet(bot.pid)
            cpu = cpu_seconds(bot.pid)
            times, acked = await burst(requests, tried)
            stored = await settle(db, "command", requests + 5) - 5
            await until_quiet(bot.pid)
            cpu = cpu_seconds(bot.pid) - cpu
            await db.close()
        async with (
            serving(slack, url, tmp / "bare.log", bare=True) as bare,
            SlackDriver(bare.url, SECRET, slack) as driver,
        ):
            await burst(5, tried)
            bare_times, _ = await burst(requests, tried)
    return AckRun(
        p50=percentile(times, 50),
        p99=percentile(times, 99),
        bare_p50=percentile(bare_times, 50),
        bare_p99=percentile(bare_times, 99),
        cpu_per_message=cpu / requests,
        lost=max(acked - stored, 0),
    )


# ---- ingest, and CPU per thread reply ---------------------------------------------------


@dataclass
class IngestRun:
    rate: float
    lost: int
    cpu_per_message: float


def prompt_ritual(channel: str, now: datetime) -> Ritual:
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    return Ritual(
        id="goals",
        team_id=TEAM,
        name="Goals",
        audience_kind=AudienceKind.USERS,
        audience=tuple(f"UR{n:05d}" for n in range(REPLIERS)),
        weekday=Weekday(due.weekday()),
        at=due.time(),
        tz="UTC",
        prompt_channel_id=channel,
        dm=False,
        created_at=now - timedelta(days=1),
    )


async def ingest_run(replies: int, server: str | None, tmp: Path) -> IngestRun:
    slack, channel = workspace()
    async with (
        slack,
        bench_database(server, tmp) as url,
        serving(slack, url, tmp / "bot.log") as bot,
        SlackDriver(bot.url, SECRET, slack) as driver,
    ):
        db = Database.connect(url)
        now = datetime.now(UTC)
        async with db.transaction() as conn:
            await ritual_repo.insert_ritual(conn, prompt_ritual(channel, now), now=now)
        for _ in range(600):  # the bot's scheduler posts the prompt within a tick
            if slack.messages(channel):
                break
            await asyncio.sleep(0.1)
        thread_ts = slack.messages(channel)[0].ts

        async def reply(n: int) -> bool:
            message = slack.user_posts(
                f"UR{n % REPLIERS:05d}",
                channel,
                f"Claude: reply {n}, it worked",
                thread_ts=thread_ts,
            )
            event = driver.message_event(channel, message)
            event_id = None
            for retry in (None, 1, 2, 3):  # Slack redelivers a non-2xx up to three times
                answer, event_id = await driver.event(event, event_id=event_id, retry_num=retry)
                if answer.status == 200:
                    return True
            return False

        await until_quiet(bot.pid)
        cpu = cpu_seconds(bot.pid)
        started = time.perf_counter()
        _times, acked = await burst(replies, reply)
        stored = await settle(db, "thread", replies)
        seconds = time.perf_counter() - started
        await until_quiet(bot.pid)
        cpu = cpu_seconds(bot.pid) - cpu
        await db.close()
    return IngestRun(
        rate=stored / seconds, lost=max(acked - stored, 0), cpu_per_message=cpu / replies
    )


# ---- the digest over a long history -----------------------------------------------------


def history_rows(history: int) -> Iterator[tuple[Any, ...]]:
    """The generated history: `DIGEST_ENTRIES` in the digest's week, the rest spread before it.

    Rows come oldest week first, as a team's entries are written, so a week's rows sit together.
    """
    weeks = [DIGEST_WEEK.shift(-k) for k in range(HISTORY_WEEKS + 1)]
    per_week = -(-history // HISTORY_WEEKS)
    total = history + DIGEST_ENTRIES
    oldest_first = (
        DIGEST_ENTRIES + index * per_week + j
        for index in range(HISTORY_WEEKS - 1, -1, -1)
        for j in range(per_week)
    )
    for n in (*(m for m in oldest_first if m < total), *range(DIGEST_ENTRIES)):
        in_week = n < DIGEST_ENTRIES
        week = weeks[0] if in_week else weeks[1 + (n - DIGEST_ENTRIES) // per_week]
        at = to_db_time(
            datetime.combine(week.monday(), datetime.min.time(), UTC) + timedelta(minutes=n % 9000)
        )
        failed = n % 2 == 1
        user = f"U{(n % DIGEST_SHARERS if in_week else n % HISTORY_PEOPLE):06d}"
        yield (
            f"h{n:08d}",
            TEAM,
            user,
            "command",
            f"history:{n}",
            TOOLS[n % len(TOOLS)],
            "",
            f"history entry {n}",
            f"surprise {n}" if n % 5 == 0 else "",
            f"failure {n}" if failed else "",
            "failed" if failed else "worked",
            "confident_wrong" if failed else None,
            1 if n % 50 == 7 else 0,
            "goals",
            str(week),
            at,
            at,
        )


_HISTORY_COLUMNS = (
    "id, team_id, user_id, source, source_key, tool, work, summary, surprise, failure, outcome,"
    " failure_mode, is_private, ritual_id, week, created_at, updated_at"
)


def digest_ritual() -> Ritual:
    return Ritual(
        id="goals",
        team_id=TEAM,
        name="Goals",
        audience_kind=AudienceKind.USERS,
        audience=tuple(f"U{n:06d}" for n in range(DIGEST_SHARERS)),
        weekday=Weekday.MON,
        at=datetime.min.time().replace(hour=9),
        tz="UTC",
        dm=True,
        created_at=datetime(2018, 1, 1, tzinfo=UTC),
    )


def migrate(url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATABASE_URL": url},
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode())


async def add_ritual(url: str) -> None:
    db = Database.connect(url)
    try:
        async with db.transaction() as conn:
            if await ritual_repo.find_ritual(conn, "goals") is None:
                await ritual_repo.insert_ritual(
                    conn, digest_ritual(), now=datetime(2018, 1, 1, tzinfo=UTC)
                )
    finally:
        await db.close()


async def sqlite_history(history: int) -> str:
    """A SQLite file holding the history, built once under `.bench-cache/`."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"history-v{HISTORY_VERSION}-{history}.db"
    url = f"sqlite+aiosqlite:///{path}"
    if not path.exists():
        print(f"  building a {history:,}-experiment history in {path} (once)", flush=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        migrate(f"sqlite+aiosqlite:///{partial}")
        conn = sqlite3.connect(partial)
        try:
            with conn:
                conn.executemany(
                    f"INSERT INTO experiments ({_HISTORY_COLUMNS})"  # noqa: S608 (literals only)
                    f" VALUES ({', '.join('?' * 17)})",
                    history_rows(history),
                )
        finally:
            conn.close()
        await add_ritual(f"sqlite+aiosqlite:///{partial}")
        partial.rename(path)
    migrate(url)  # a newer release's migrations (indexes) are applied outside the timing
    return url


async def postgres_history(server: str, history: int) -> str:
    """A PostgreSQL schema holding the history, built once and kept."""
    schema = f"bench_history_v{HISTORY_VERSION}_{history}"
    rest = server.split("://", 1)[1]
    url = f"postgresql+asyncpg://{rest}{'&' if '?' in rest else '?'}search_path={schema}"
    conn = await asyncpg.connect("postgresql://" + rest, timeout=10)
    try:
        ready = await conn.fetchval(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1"
            " AND table_name = 'history_ready'",
            schema,
        )
    finally:
        await conn.close()
    if not ready:
        print(f"  building a {history:,}-experiment history in schema {schema} (once)", flush=True)
        await execute(server, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await execute(server, f'CREATE SCHEMA "{schema}"')
        migrate(url)
        await add_ritual(url)
        conn = await asyncpg.connect("postgresql://" + rest, timeout=10)
        try:
            await conn.copy_records_to_table(
                "experiments",
                schema_name=schema,
                records=history_rows(history),
                columns=[c.strip() for c in _HISTORY_COLUMNS.split(",")],
            )
            await conn.execute(f'ANALYZE "{schema}".experiments')
            await conn.execute(f'CREATE TABLE "{schema}".history_ready (at TEXT)')
        finally:
            await conn.close()
    migrate(url)
    return url


@dataclass
class DigestRun:
    command: float
    peak_mib: float
    gather: float
    gather_render: float


def timed_command(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a command; return its wall seconds, peak memory (MiB), exit code and output.

    The peak is GNU time's `%M` when it is installed: a child's own `ru_maxrss` starts from
    this (larger) process's at the fork. Without it, the figure is an upper bound.
    """
    with tempfile.TemporaryDirectory() as tmp, (Path(tmp) / "out").open("w+b") as out:
        peak_file = Path(tmp) / "peak"
        gnu_time = Path("/usr/bin/time")
        wrapped = (
            [str(gnu_time), "-f", "%M", "-o", str(peak_file), *argv] if gnu_time.exists() else argv
        )
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kib = (
            float(peak_file.read_text().split()[-1]) if peak_file.exists() else usage.ru_maxrss
        )
        out.seek(0)
        return seconds, peak_kib / 1024, proc.returncode, out.read().decode(errors="replace")


async def digest_run(url: str, runs: int) -> DigestRun:

    slack, _channel = workspace()
    commands: list[float] = []
    peaks: list[float] = []
    gathers: list[float] = []
    totals: list[float] = []
    async with slack:
        env = bot_env(slack, url, 0) | {"LOG_LEVEL": "WARNING"}
        argv = [
            sys.executable,
            "-m",
            "bot",
            "digest",
            "goals",
            "--week",
            str(DIGEST_WEEK),
            "--preview",
        ]
        await asyncio.to_thread(timed_command, argv, env)  # warm-up
        for _ in range(runs):
            seconds, peak, code, output = await asyncio.to_thread(timed_command, argv, env)
            if code != 0:
                raise RuntimeError(f"digest --preview failed:\n{output[-2000:]}")
            commands.append(seconds)
            peaks.append(peak)
        db = Database.connect(url)
        deps = Deps(db=db)
        client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
        async with db.read() as conn:
            ritual = await ritual_repo.find_ritual(conn, "goals")
        assert ritual is not None
        await digests.render(deps, client, ritual, DIGEST_WEEK)  # warm-up
        for _ in range(max(runs, 3)):
            started = time.perf_counter()
            await digests.gather(deps, ritual, DIGEST_WEEK)
            gathers.append(time.perf_counter() - started)
            started = time.perf_counter()
            await digests.render(deps, client, ritual, DIGEST_WEEK)
            totals.append(time.perf_counter() - started)
        await db.close()
    return DigestRun(
        command=statistics.median(commands),
        peak_mib=statistics.median(peaks),
        gather=statistics.median(gathers),
        gather_render=statistics.median(totals),
    )


# ---- the rows ---------------------------------------------------------------------------


def databases(postgres: str | None) -> list[tuple[str, str | None]]:
    return [("SQLite", None)] + ([("PostgreSQL", postgres)] if postgres else [])


async def ack_rows(scale: Scale, report: Report, want: set[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        runs = [await ack_run(scale.requests, Path(tmp)) for _ in range(scale.runs)]
    p50 = statistics.median(r.p50 for r in runs) * 1000
    p99 = statistics.median(r.p99 for r in runs) * 1000
    bare99 = statistics.median(r.bare_p99 for r in runs) * 1000
    bare50 = statistics.median(r.bare_p50 for r in runs) * 1000
    over = statistics.median(r.p99 / r.bare_p99 for r in runs)
    lost = sum(r.lost for r in runs)
    label = f"/tried ack, {scale.requests:,} at {CONCURRENCY} concurrent"
    if "ack" in want:
        report.add(
            Line(
                f"{label}: p99",
                "SQLite",
                f"{p99:.0f} ms (p50 {p50:.0f} ms, lost {lost})",
                "< 100 ms",
                ratio(p99, 100),
            )
        )
        report.add(
            Line(
                f"{label}: p99 / bare Bolt's p99 ({bare99:.0f} ms, p50 {bare50:.0f} ms)",
                "SQLite",
                f"{over:.2f}x",
                "≤ 1.3x",
                ratio(over, 1.3),
            )
        )
    if "cpu" in want:
        cpu = statistics.median(r.cpu_per_message for r in runs) * 1000
        report.add(
            Line(
                "bot CPU per /tried (ack to last Slack call)",
                "SQLite",
                f"{cpu:.1f} ms",
                "≤ 3 ms",
                ratio(cpu, 3),
            )
        )


async def ingest_rows(scale: Scale, report: Report, want: set[str], postgres: str | None) -> None:
    for name, server in databases(postgres):
        with tempfile.TemporaryDirectory() as tmp:
            runs = [await ingest_run(scale.replies, server, Path(tmp)) for _ in range(scale.runs)]
        rate = statistics.median(r.rate for r in runs)
        lost = sum(r.lost for r in runs)
        if "ingest" in want:
            report.add(
                Line(
                    f"thread replies stored, {scale.replies:,} at {CONCURRENCY} concurrent",
                    name,
                    f"{rate:,.0f} /s (lost {lost})",
                    "≥ 500 /s, none lost",
                    ratio(500, rate) if rate else "inf",
                )
            )
        if "cpu" in want:
            cpu = statistics.median(r.cpu_per_message for r in runs) * 1000
            report.add(
                Line(
                    "bot CPU per thread reply (ack to last Slack call)",
                    name,
                    f"{cpu:.1f} ms",
                    "≤ 3 ms",
                    ratio(cpu, 3),
                )
            )


async def digest_rows(scale: Scale, report: Report, postgres: str | None) -> None:
    for name, server in databases(postgres):
        url = await (
            sqlite_history(scale.history)
            if server is None
            else postgres_history(server, scale.history)
        )
        run = await digest_run(url, scale.runs)
        what = f"digest --preview over {scale.history:,} past experiments"
        report.add(Line(f"{what}: gather (queries)", name, f"{run.gather * 1000:,.0f} ms", "", ""))
        report.add(
            Line(
                f"{what}: gather + render (names from Slack)",
                name,
                f"{run.gather_render * 1000:,.0f} ms",
                "< 300 ms",
                ratio(run.gather_render, 0.3),
            )
        )
        report.add(
            Line(
                f"{what}: whole command",
                name,
                f"{run.command:.2f} s, {run.peak_mib:.0f} MiB",
                "< 1 s",
                ratio(run.command, 1.0),
            )
        )


def cli_rows(scale: Scale, report: Report) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'cli.db'}"
        migrate(url)
        for what, argv in (("--help", ["--help"]), ("export", ["export"])):
            command = [sys.executable, "-m", "bot", *argv]
            timed_command(command, env | {"DATABASE_URL": url})
            times = [
                timed_command(command, env | {"DATABASE_URL": url})[0]
                for _ in range(max(5, scale.runs))
            ]
            seconds = statistics.median(times)
            report.add(
                Line(
                    f"`python -m bot {what}` start-up",
                    "SQLite",
                    f"{seconds:.2f} s",
                    "< 0.5 s",
                    ratio(seconds, 0.5),
                )
            )


def fanout_row(report: Report, scale: Scale) -> None:
    if not (ROOT / "bench" / "fanout.py").exists():
        report.add(Line("fan-out (bench/fanout.py)", "", "not run", "", ""))
        return
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.fanout",
            "--people",
            str(scale.fanout[0]),
            "--scale",
            f"{scale.fanout[1]:g}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    tail = " / ".join(line.strip() for line in done.stdout.strip().splitlines()[-3:])
    report.add(
        Line(
            "fan-out (bench/fanout.py)",
            "",
            tail or f"exit {done.returncode}",
            "see bench/fanout.py",
            "",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"a comma list of {', '.join(ROWS)}")
    parser.add_argument("--runs", type=int, default=None, help="runs of each row (medians)")
    parser.add_argument("--requests", type=int, default=None, help="/tried requests (ack row)")
    parser.add_argument("--replies", type=int, default=None, help="thread replies (ingest row)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--profile", type=Path, help="write each bot process's cProfile here")
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        help="NAME=VALUE for the bot (e.g. INTAKE_WORKERS=8)",
    )
    args = parser.parse_args(argv)
    global PROFILE
    BOT_ENV.update(item.split("=", 1) for item in args.bot_env)
    PROFILE = args.profile
    if PROFILE is not None:
        PROFILE.mkdir(parents=True, exist_ok=True)
    want = {row.strip() for row in args.rows.split(",") if row.strip()}
    unknown = want - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    scale = SCALES[args.scale]
    scale = Scale(
        requests=args.requests or scale.requests,
        replies=args.replies or scale.replies,
        history=scale.history,
        runs=args.runs or scale.runs,
        fanout=scale.fanout,
    )
    postgres = None if args.postgres in ("", "none") else args.postgres
    report = Report()
    print(
        f"bench.goals scale={args.scale} runs={scale.runs} rows={','.join(r for r in ROWS if r in want)}",
        flush=True,
    )
    if want & {"ack", "cpu"}:
        asyncio.run(ack_rows(scale, report, want))
    if want & {"ingest", "cpu"}:
        asyncio.run(ingest_rows(scale, report, want, postgres))
    if "digest" in want:
        asyncio.run(digest_rows(scale, report, postgres))
    if "cli" in want:
        cli_rows(scale, report)
    if "fanout" in want:
        fanout_row(report, scale)
    print()
    print(report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
