"""compose.yaml's topology from local processes, for a machine without Docker:

`.venv/bin/python -m bench.local_stack [--postgres postgresql://postgres@127.0.0.1:5432/test]`

Two `python -m bot run` replicas on one PostgreSQL database (a schema of their own, dropped
afterwards; `--sqlite` for one SQLite file), the Slack emulator in place of Slack, and in front
a tiny round-robin reverse proxy written here (for this check only; production uses Caddy,
deploy/Caddyfile), which like Caddy sends requests only to replicas whose `/readyz` answers
200 and tries the next replica when one does not answer.

It checks, and prints: both replicas ready; signed `/tried` commands and `app_home_opened`
events sent through the proxy are answered 200, reach both replicas, and take effect (entries
stored, Home published); then one replica is killed with SIGKILL and the same requests through
the proxy are still all answered and stored. `tests/e2e/test_local_stack.py` runs it small.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bench.databases import bench_database
from bench.drill import ROOT, SECRET, Bots
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database

# What a proxy must not pass on as it came (RFC 9110 §7.6.1 hop-by-hop fields, and lengths
# aiohttp sets itself).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


class RoundRobin:
    """A reverse proxy over `upstreams`, for the check only: round robin over the ready ones.

    Every `interval` seconds each upstream's `/readyz` is asked (Caddy's `health_uri`); a
    request goes to the next ready upstream in turn, and to the one after it when the first
    cannot be reached (Caddy's `lb_try_duration`), which is then taken out until ready again.
    """

    def __init__(self, upstreams: list[str], *, interval: float = 0.5) -> None:
        self.upstreams = upstreams
        self.interval = interval
        self.ready: set[str] = set()
        self.served: Counter[str] = Counter()
        self._turn = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._checks: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self) -> int:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        await self._check()
        self._checks = asyncio.create_task(self._check_forever())
        return self.port

    async def stop(self) -> None:
        if self._checks is not None:
            self._checks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checks
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _check(self) -> None:
        assert self._session is not None
        for upstream in self.upstreams:
            try:
                async with self._session.get(
                    upstream + "/readyz", timeout=aiohttp.ClientTimeout(total=2)
                ) as answer:
                    ok = answer.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                self.ready.add(upstream)
            else:
                self.ready.discard(upstream)

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._check()

    def _order(self) -> list[str]:
        ready = [u for u in self.upstreams if u in self.ready]
        if not ready:
            return []
        self._turn = (self._turn + 1) % len(ready)
        return ready[self._turn :] + ready[: self._turn]

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        for upstream in self._order():
            try:
                async with self._session.request(
                    request.method, upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    payload = await answer.read()
                    self.served[upstream] += 1
                    kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                    return web.Response(status=answer.status, body=payload, headers=kept)
            except (aiohttp.ClientConnectionError, TimeoutError):
                self.ready.discard(upstream)  # taken out until its /readyz answers again
        return web.json_response({"error": "no ready upstream"}, status=502)


@dataclass
class StackReport:
    ready: bool = False  # both replicas answered /readyz 200
    sent: int = 0
    answered: int = 0  # HTTP 200 through the proxy
    stored: int = 0  # /tried entries in the database
    homes: int = 0  # people whose App Home was published
    served: dict[str, int] = field(default_factory=dict)  # requests per replica
    after_kill_sent: int = 0
    after_kill_answered: int = 0
    after_kill_stored: int = 0
    survivor_ready: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.ready
            and self.answered == self.sent == self.stored + self.homes
            and len(self.served) == 2
            and min(self.served.values()) > 0
            and self.after_kill_answered == self.after_kill_sent == self.after_kill_stored
            and self.survivor_ready
        )

    def lines(self) -> list[str]:
        return [
            f"both replicas ready (/readyz 200): {self.ready}",
            f"through the proxy: sent {self.sent}, answered 200 {self.answered},"
            f" entries stored {self.stored}, Home views published {self.homes}",
            f"requests served per replica: {self.served}",
            f"after SIGKILL of one replica: sent {self.after_kill_sent},"
            f" answered 200 {self.after_kill_answered}, entries stored {self.after_kill_stored};"
            f" the other still ready: {self.survivor_ready}",
            f"all as expected: {self.ok}",
        ]


async def _entries(db: Database) -> int:
    async with db.read() as conn:
        found = await conn.execute(text("SELECT COUNT(*) FROM experiments"))
        return int(found.scalar_one())


async def _wait_for(db: Database, slack: FakeSlack, entries: int, homes: int) -> tuple[int, int]:
    """Wait (up to 60 s) for the replicas' work after the acks; return what took effect."""
    ends = time.monotonic() + 60
    stored = published = 0
    while time.monotonic() < ends:
        stored = await _entries(db)
        # People, not calls: a Home open also republishes after an entry that lands after it.
        published = len({call.args.get("user_id") for call in slack.calls("views.publish")})
        if stored >= entries and published >= homes:
            break
        await asyncio.sleep(0.2)
    return stored, published


async def local_stack(server: str | None, *, requests: int = 10) -> StackReport:
    """Start the stack, check it, stop it; `server` None runs on one SQLite file."""
    report = StackReport()
    slack = FakeSlack(rate_limits=False)
    people = [f"U{n:06d}" for n in range(requests)]
    for user in people:
        slack.add_user(user, user.lower(), tz="UTC")
    with tempfile.TemporaryDirectory() as tmp:
        async with slack, bench_database(server, Path(tmp)) as url:
            env = {
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(ROOT),
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url,
                "DATABASE_POOL_SIZE": "5",
                "HOST": "127.0.0.1",
                "SHUTDOWN_GRACE_SECONDS": "5",
            }
            bots = Bots(env, Path(tmp))
            db = Database.connect(url)
            proxy: RoundRobin | None = None
            try:
                await asyncio.gather(bots.start("a"), bots.start("b"))  # both migrate at once
                report.ready = await bots.ready()
                upstreams = {slot: f"http://127.0.0.1:{port}" for slot, port in bots.ports.items()}
                proxy = RoundRobin(list(upstreams.values()))
                await proxy.start()
                events = f"http://127.0.0.1:{proxy.port}/slack/events"
                async with SlackDriver(events, SECRET, slack) as driver:
                    # Commands first, then events: in turn, each kind reaches both replicas.
                    for n, user in enumerate(people):
                        tried = await driver.slash_command(
                            user, f"Claude: drafted release note {n}, it worked"
                        )
                        report.sent += 1
                        report.answered += tried.status == 200
                    for user in people:
                        home, _event = await driver.event(
                            {
                                "type": "app_home_opened",
                                "user": user,
                                "channel": slack.open_im(user).id,
                                "tab": "home",
                                "event_ts": slack.next_ts(),
                            }
                        )
                        report.sent += 1
                        report.answered += home.status == 200
                    report.stored, report.homes = await _wait_for(db, slack, requests, requests)
                    report.served = {
                        slot: proxy.served[upstream] for slot, upstream in upstreams.items()
                    }
                    await bots.kill("b")
                    for n, user in enumerate(people):
                        tried = await driver.slash_command(
                            user, f"Copilot: wrote test {n} after the kill, it worked"
                        )
                        report.after_kill_sent += 1
                        report.after_kill_answered += tried.status == 200
                    stored, _homes = await _wait_for(db, slack, 2 * requests, requests)
                    report.after_kill_stored = stored - report.stored
                report.survivor_ready = await bots.ready(within=10)
            finally:
                if proxy is not None:
                    await proxy.stop()
                await bots.stop()
                await db.close()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite", action="store_true", help="one SQLite file instead")
    parser.add_argument("--requests", type=int, default=10, help="of each kind, per round")
    args = parser.parse_args()
    report = asyncio.run(
        local_stack(None if args.sqlite else args.postgres, requests=args.requests)
    )
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
