"""The one error handler: every listener's exception ends here, logged with context.

Listeners do not catch-and-log on their own, so nothing is swallowed before it reaches this
handler. The person gets a short ephemeral answer when the request carries a `response_url`.
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


def describe_request(body: dict[str, Any]) -> str:
    """Summarise what Slack sent, for the log line: kind, who, and which command or action."""
    kind = body.get("type") or ("command" if "command" in body else "unknown")
    user = (
        body.get("user_id")
        or (body.get("user") or {}).get("id")
        or body.get("event", {}).get("user")
    )
    what = body.get("command") or body.get("event", {}).get("type") or ""
    if body.get("actions"):
        what = ",".join(str(action.get("action_id")) for action in body["actions"])
    elif body.get("view"):
        what = str(body["view"].get("callback_id"))
    return f"kind={kind} user={user} what={what}"


async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None) -> None:
    """Log the failure with its context and tell the person, where Slack lets us."""
    ref = uuid.uuid4().hex[:8]
    log.error("listener failed ref=%s %s", ref, describe_request(body), exc_info=error)
    if respond is not None and respond.response_url:
        try:
            await respond(
                text=SORRY.format(ref=ref), response_type="ephemeral", replace_original=False
            )
        except Exception:
            log.warning("could not tell the person about failure ref=%s", ref, exc_info=True)
