"""A bare Bolt app that only acknowledges `/tried`: the yardstick for the bot's own ack.

`python -m bench.bare_bolt` serves it on `HOST:PORT` (from the environment) with the same
stack as the bot (aiohttp, Bolt's adapter, signature verification, one Slack client), so the
difference between the two is the bot's own work before its answer. `GET /healthz` answers 200
once it listens. Used by `bench.goals`; never by the bot.
"""

from __future__ import annotations

import asyncio
import os
import signal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build(token: str, secret: str, api_url: str) -> web.Application:
    app = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url), signing_secret=secret)

    @app.command("/tried")
    async def _ack(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    return web_app


async def serve() -> None:
    env = os.environ
    web_app = build(env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["SLACK_API_URL"])
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, env.get("HOST", "127.0.0.1"), int(env["PORT"]))
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
