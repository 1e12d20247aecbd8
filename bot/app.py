"""Build the Bolt app: no module-level app, client or connection anywhere.

Middleware order: Bolt's own (signature verification first), then the intake, which writes
requests that must not be lost to the inbox and answers them itself (its workers have their own
paced client and `deps`), then, for every other request, `deps` (and a paced copy of the
per-request client, `bot.slack_client`) into the context.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.intake import Intake, install
from bot.slack_client import PacedWebClient, paced_copy
from handlers.errors import on_error
from handlers.respond import PooledRespond
from services.deps import Deps

log = logging.getLogger(__name__)


def build_app(
    *, client: AsyncWebClient, deps: Deps, signing_secret: str | None, intake: Intake
) -> AsyncApp:
    """Create the app with every listener registered and `deps` in each request's context."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        # Socket Mode authenticates the socket; HTTP requests are always verified.
        request_verification_enabled=signing_secret is not None,
        logger=logging.getLogger("bolt"),
    )

    install(app, intake)  # first: a kept request needs nothing of the context below

    @app.middleware
    async def _inject_deps(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        context["deps"] = deps
        if isinstance(client, PacedWebClient) and context.client is not None:
            # Bolt copies a plain client per request; listeners get a paced copy instead, so
            # their calls count against the same limits as the scheduler's.
            context["client"] = paced_copy(context.client, client.pacer)
        if context.response_url and client.session is not None:
            # Bolt's respond() opens a session per call; listeners get one over the shared session.
            context["respond"] = PooledRespond(
                response_url=context.response_url, session=client.session
            )
        return await next()

    handlers.register_all(app)
    app.error(on_error)
    return app
