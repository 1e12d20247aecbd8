"""The HTTP surface: Slack's requests at POST /slack/events, and GET /healthz."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's payloads are far smaller; a bigger body is not Slack and is refused with 413.
MAX_BODY_BYTES = 1024 * 1024


def build_web_app(app: AsyncApp, db: Database) -> web.Application:
    """Create the aiohttp application serving Bolt and the health check."""

    async def slack_events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:
            # Bolt parses the body before verifying it; a body that is not JSON or a form is
            # not from Slack, whatever its headers say.
            log.warning("refused a malformed request body bytes=%s", request.content_length)
            return web.json_response({"ok": False, "error": "malformed_body"}, status=400)
        bolt_response = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        if await db.ping():
            return web.json_response({"ok": True, "database": "reachable"})
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app.router.add_get("/healthz", healthz)
    return web_app
