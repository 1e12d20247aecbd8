"""The one error handler: every listener's exception ends here, logged with context.

Listeners do not catch-and-log on their own, so nothing is swallowed before it reaches this
handler. The person gets a short ephemeral answer when the request carries a `response_url`.
The handler itself never fails on the payload's shape: whatever Slack (or anyone) sent, the
description below reads it defensively, since a crash here would hide the original error.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

log = logging.getLogger(__name__)

SORRY = (
    ":warning: Something went wrong on our side and this was not finished (reference `{ref}`). "
    "Please try again in a minute; if it keeps happening, tell your workspace admin the reference."
)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def _short(value: Any) -> str:
    return str(value)[:60] if value is not None else ""


def describe_request(body: Any) -> str:
    """Summarise what Slack sent, for the log line: kind, who, and which command or action."""
    if not isinstance(body, dict):
        return f"kind=unknown body={type(body).__name__}"
    event, user = body.get("event"), body.get("user")
    kind = body.get("type") or ("command" if "command" in body else "unknown")
    who = (
        body.get("user_id")
        or (user if isinstance(user, str) else _field(user, "id"))
        or _field(event, "user")
    )
    what = body.get("command") or _field(event, "type") or ""
    actions, view = body.get("actions"), body.get("view")
    if isinstance(actions, list) and actions:
        what = ",".join(_short(_field(action, "action_id")) for action in actions)
    elif view:
        what = _short(_field(view, "callback_id"))
    return f"kind={_short(kind)} user={_short(who)} what={_short(what)}"


async def on_error(error: Exception, body: Any, respond: AsyncRespond | None) -> None:
    """Log the failure with its context and tell the person, where Slack lets us."""
    ref = uuid.uuid4().hex[:8]
    log.error("listener failed ref=%s %s", ref, describe_request(body), exc_info=error)
    if respond is not None and isinstance(respond.response_url, str) and respond.response_url:
        try:
            await respond(
                text=SORRY.format(ref=ref), response_type="ephemeral", replace_original=False
            )
        except Exception:
            log.warning("could not tell the person about failure ref=%s", ref, exc_info=True)
