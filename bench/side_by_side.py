"""SQLite and PostgreSQL side by side, run by hand (results go in docs/benchmarks.md):

`.venv/bin/python -m bench.side_by_side [--postgres postgresql://postgres@127.0.0.1:5432/test]`

1. Intake: thread replies ingested per second, 50 signed requests at a time, from the first
   request until every reply is stored (`bench.intake_drill`'s reply drill).
2. Fan-out: one ritual prompting 2,000 people by DM, rate limits off (`bench.run`'s fan-out).
3. Digest over a long history: gathering, building and rendering one week's digest (300
   entries) when the team's history holds 1,000,000 experiments (the digest reads it for
   tools and people new this week). The history is bulk-loaded first, outside the timing.

Each figure is one run on a fresh database; both databases run in the same process, one after
the other, on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.databases import bench_database
from bench.intake_drill import replies_drill
from bench.run import MONDAY, Clock, fan_out, ritual, with_bot
from bot.runtime import Runtime
from core.weeks import WeekId
from fakeslack.server import FakeSlack
from services import digests
from storage import rituals as ritual_repo
from storage.db import to_db_time

HISTORY_CHUNK = 10_000
TOOLS = ("Claude", "Copilot", "Cursor", "ChatGPT", "Gemini", "Perplexity")


async def ingest_rate(server: str | None, replies: int) -> float:
    """Thread replies stored per second at 50 concurrent signed requests."""
    with tempfile.TemporaryDirectory() as tmp:
        async with bench_database(server, Path(tmp)) as url:
            result = await replies_drill(replies, 50, {"DATABASE_URL": url})
    assert (result.lost, result.stored) == (0, replies), result.line()
    return result.stored / result.seconds


def _row(n: int, week: str, ritual_id: str) -> dict[str, Any]:
    at = to_db_time(MONDAY - timedelta(minutes=n % 100_000))
    failed = n % 2 == 1
    return {
        "id": f"h{n:08d}",
        "user_id": f"U{n % 500:06d}",
        "source_key": f"history:{n}",
        "tool": TOOLS[n % len(TOOLS)],
        "summary": f"history entry {n}",
        "surprise": f"surprise {n}" if n % 5 == 0 else "",
        "failure": f"failure {n}" if failed else "",
        "outcome": "failed" if failed else "worked",
        "failure_mode": "confident_wrong" if failed else None,
        "ritual_id": ritual_id,
        "week": week,
        "at": at,
    }


async def digest_over_history(server: str | None, history: int, week_size: int) -> float:
    """Seconds to render one week's digest when the history holds `history` experiments."""

    async def body(runtime: Runtime, _slack: FakeSlack, clock: Clock) -> float:
        assert runtime.deps is not None
        assert runtime.client is not None
        r = ritual(10)
        target = WeekId.parse("2026-W48")
        weeks = [str(target)]
        for _ in range(400):  # about eight years of earlier weeks
            weeks.append(str(WeekId.parse(weeks[-1]).previous()))
        async with runtime.deps.db.transaction() as conn:
            await ritual_repo.insert_ritual(conn, r, now=clock())
        insert = text(
            "INSERT INTO experiments (id, team_id, user_id, source, source_key, tool, work,"
            " summary, surprise, failure, outcome, failure_mode, is_private, ritual_id, week,"
            " created_at, updated_at) VALUES (:id, 'T0LOL', :user_id, 'command', :source_key,"
            " :tool, '', :summary, :surprise, :failure, :outcome, :failure_mode, 0, :ritual_id,"
            " :week, :at, :at)"
        )
        total = history + week_size
        for start in range(0, total, HISTORY_CHUNK):
            rows = [
                _row(n, weeks[0] if n < week_size else weeks[1 + n % 400], r.id)
                for n in range(start, min(start + HISTORY_CHUNK, total))
            ]
            async with runtime.deps.db.transaction() as conn:
                await conn.execute(insert, rows)
        if runtime.deps.db.is_postgres:
            async with runtime.deps.db.transaction() as conn:
                await conn.execute(text("ANALYZE experiments"))
        started = time.perf_counter()
        messages = await digests.render(runtime.deps, runtime.client, r, target)
        assert messages
        return time.perf_counter() - started

    return await with_bot(500, body, server)  # the sharers, whose names the digest looks up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--history", type=int, default=1_000_000)
    args = parser.parse_args()
    rows: dict[str, list[str]] = {
        f"thread replies ingested per second, 50 concurrent signed requests ({args.replies:,})": [],
        f"fan-out by DM, {args.people:,} people, rate limits off": [],
        f"digest of one week (300 entries) over a {args.history:,}-experiment history": [],
    }
    cells = list(rows.values())
    for server in (None, args.postgres):
        name = "PostgreSQL" if server else "SQLite"
        rate = asyncio.run(ingest_rate(server, args.replies))
        cells[0].append(f"{rate:,.0f} /s")
        print(f"{name}: ingest {rate:,.0f} replies/s", flush=True)
        seconds = asyncio.run(fan_out(args.people, server))
        cells[1].append(f"{seconds:.2f} s ({seconds / args.people * 1000:.1f} ms a person)")
        print(f"{name}: fan-out {seconds:.2f} s", flush=True)
        digest = asyncio.run(digest_over_history(server, args.history, 300))
        cells[2].append(f"{digest * 1000:,.0f} ms")
        print(f"{name}: digest {digest * 1000:,.0f} ms", flush=True)
    print("\n| what | SQLite | PostgreSQL |\n| --- | --- | --- |")
    for what, values in rows.items():
        print(f"| {what} | {' | '.join(values)} |")


if __name__ == "__main__":
    main()
