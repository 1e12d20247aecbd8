"""The HTTP surface: Slack's requests at POST /slack/events, GET /healthz and GET /readyz.

Rules:
- Bolt verifies every request's signature before anything is written or done.
- A body Bolt cannot take apart (not JSON or a form, a list where an object belongs, an `event`
  that is a string, a `user` that is a string) is answered 400 with a log line, never 500. Such
  a body is checked against the signing secret here first, with the same verifier Bolt uses, so
  an unsigned one is still refused as unsigned (401).
- `/healthz` is liveness: 200 while the database answers. `/readyz` is readiness for a load
  balancer: 200 only when start-up is complete (migrations applied; the port is not even open
  while they run), the process is not draining for shutdown, and the database answers; else 503
  with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from handlers.payloads import payload_problem
from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's payloads are far smaller; a bigger body is not Slack and is refused with 413.
MAX_BODY_BYTES = 1024 * 1024


def build_web_app(
    app: AsyncApp,
    db: Database,
    *,
    signing_secret: str | None = None,
    ready: Callable[[], str | None] = lambda: None,
) -> web.Application:
    """Create the aiohttp application serving Bolt and the health check."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def signed(request: web.Request, raw: str) -> bool:
        if verifier is None:
            return True
        return verifier.is_valid(
            body=raw,
            timestamp=request.headers.get("X-Slack-Request-Timestamp", "0"),
            signature=request.headers.get("X-Slack-Signature", ""),
        )

    async def slack_events(request: web.Request) -> web.Response:
        raw = await request.text()
        try:
            payload = parse_body(raw, request.content_type)
        except ValueError:
            # Bolt parses the body before verifying it; a body that is not JSON or a form is
            # not from Slack, whatever its headers say.
            log.warning("refused a malformed request body bytes=%s", request.content_length)
            return web.json_response({"ok": False, "error": "malformed_body"}, status=400)
        problem = payload_problem(payload)
        if problem is not None:
            if not signed(request, raw):
                return web.json_response({"error": "invalid request"}, status=401)
            log.warning("refused a malformed payload: %s bytes=%d", problem, len(raw))
            return web.json_response({"ok": False, "error": "malformed_payload"}, status=400)
        bolt_request = await to_bolt_request(request)
        bolt_response = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        if await db.ping():
            return web.json_response({"ok": True, "database": "reachable"})
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)

    async def readyz(_request: web.Request) -> web.Response:
        # `ready()` names why the process is not ready ("starting", "draining"), or is None.
        reason = ready()
        if reason is None and not await db.ping():
            reason = "database unreachable"
        if reason is not None:
            return web.json_response({"ready": False, "reason": reason}, status=503)
        return web.json_response({"ready": True})

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    return web_app
