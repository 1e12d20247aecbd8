"""Fan-out at Slack's limits: `.venv/bin/python -m bench.fanout [--people 2000] [--scale 1]`.

One ritual prompts every member of a channel by DM, against the emulator with its rate limits
ON (Slack's documented numbers, `fakeslack/ratelimit.py`) and the bot pacing itself by its own
copy (`core/slack_limits.py`). Printed: the elapsed time, the time to the first post, the
posting floor (N divided by the workspace-wide post rate: no client can be faster), their
ratio, the 429s Slack answered, and the people lookups per person.

`--scale S` runs the emulator's limits and the bot's pacing S times faster (both windows stay
real seconds, only the allowances grow), for a quicker run; the floor is scaled alike, so the
ratio is comparable. Results go in docs/benchmarks.md ("Fan-out at Slack's limits").
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from bot.config import Config
from bot.runtime import start_runtime
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.slack_limits import POST_WORKSPACE
from fakeslack.server import FakeSlack
from services.ritual_runs import run_due
from storage import rituals as ritual_repo

SECRET = "bench-secret"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


async def fan_out(people: int, scale: float) -> dict[str, float]:
    """Prompt `people` members of a channel by DM; return what was measured."""
    clock = Clock(MONDAY - timedelta(days=1))
    slack = FakeSlack(clock=clock.epoch, rate_scale=scale)
    members = [f"U{n:06d}" for n in range(people)]
    for user in members:
        slack.add_user(user, f"user{user}", tz="Europe/Berlin")
    channel = slack.add_channel("everyone", members=members)
    with tempfile.TemporaryDirectory() as tmp:
        async with slack:
            config = Config.from_env(
                {
                    "SLACK_BOT_TOKEN": slack.token,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": slack.api_url,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}",
                    "HOST": "127.0.0.1",
                    "PORT": "0",
                    "LOG_LEVEL": "ERROR",
                    "SLACK_RATE_SCALE": f"{scale:g}",
                }
            )
            runtime = await start_runtime(config, clock=clock, scheduling=False)
            try:
                async with runtime.deps.db.transaction() as conn:
                    await ritual_repo.insert_ritual(conn, _ritual(channel.id), now=clock())
                clock.now = MONDAY
                first: list[float] = []

                async def watch(started: float) -> None:
                    while not slack.calls("chat.postMessage"):  # noqa: ASYNC110 (a call log, no event)
                        await asyncio.sleep(0.01)
                    first.append(time.perf_counter() - started)

                started = time.perf_counter()
                watcher = asyncio.create_task(watch(started))
                report = await run_due(
                    runtime.deps, runtime.client, now=clock(), grace=timedelta(hours=6)
                )
                elapsed = time.perf_counter() - started
                await watcher
            finally:
                await runtime.stop()
    calls = slack.calls()
    floor = people / (POST_WORKSPACE.calls * scale / POST_WORKSPACE.seconds)
    return {
        "people": people,
        "sent": sum(report.sent.values()),
        "elapsed": elapsed,
        "first_post": first[0] if first else float("nan"),
        "floor": floor,
        "ratio": elapsed / floor,
        "429s": sum(1 for call in calls if call.http_status == 429),
        "users.info": sum(1 for call in calls if call.method == "users.info"),
        "users.list": sum(1 for call in calls if call.method == "users.list"),
    }


def _ritual(channel_id: str) -> Ritual:
    return Ritual(
        id="bench",
        team_id="T0LOL",
        name="Bench",
        audience_kind=AudienceKind.CHANNEL,
        audience=(channel_id,),
        weekday=Weekday.MON,
        at=clock_time(9),
        tz="Europe/Berlin",
        dm=True,
        created_at=MONDAY - timedelta(days=1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    result = asyncio.run(fan_out(args.people, args.scale))
    print(f"machine: {platform.machine()} {platform.python_version()}, scale={args.scale:g}")
    print(
        f"{result['sent']:.0f}/{result['people']:.0f} DMs in {result['elapsed']:.1f} s "
        f"(first post after {result['first_post']:.2f} s); floor {result['floor']:.1f} s; "
        f"ratio {result['ratio']:.2f}"
    )
    print(
        f"429s: {result['429s']:.0f}; users.info: {result['users.info']:.0f} "
        f"({result['users.info'] / result['people']:.3f} a person); "
        f"users.list pages: {result['users.list']:.0f}"
    )


if __name__ == "__main__":
    main()
