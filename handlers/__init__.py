"""Slack listeners, one module per kind, each with `register(app)`.

Rules: a listener acks first (with field errors, for a view submission), parses the payload into
a dataclass from `handlers.payloads`, calls a service, renders with a pure builder from
`blocks/`, and makes its Slack call. Listeners do not catch-and-log: failures reach the single
error handler in `handlers.errors`. Every listener is wrapped in `tracked` so shutdown can let it
finish.
"""

from __future__ import annotations

import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from blocks.replies import unknown_command_text
from handlers import actions, admin, commands, corrections, events, sharing, views

log = logging.getLogger(__name__)


def register_all(app: AsyncApp) -> None:
    """Register every listener, the catch-alls last."""
    commands.register(app)
    events.register(app)
    corrections.register(app)  # before `actions`, whose catch-all takes any action left
    admin.register(app)  # before `actions`, whose catch-all takes any action left
    sharing.register(app)  # likewise
    actions.register(app)
    views.register(app)
    app.command(re.compile(".*"))(on_unknown_command)


async def on_unknown_command(ack: AsyncAck, command: dict[str, str]) -> None:
    """Answer a slash command this app does not know instead of letting Slack show a failure."""
    name = command.get("command", "")
    log.warning("unknown command %r user=%s", name[:40], command.get("user_id"))
    await ack(text=unknown_command_text(name))
