"""Events API listeners: one for every event the manifest subscribes to.

Bolt answers 404 to an event no listener matches and Slack then redelivers it, so each
subscribed type has a listener here even when it has little to do. `app.message()` does not
see `message_changed` or `message_deleted`, hence one `app.event("message")` routing by subtype.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.inflight import tracked
from handlers.payloads import MessageEvent
from services import home, replies

log = logging.getLogger(__name__)

# Subtypes that are a person writing: a plain message has none.
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def register(app: AsyncApp) -> None:
    """Listen for messages (new, changed, deleted) and App Home opens."""
    app.event("message")(tracked(on_message))
    app.event("app_home_opened")(tracked(on_home_opened))


async def on_message(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Route a message event by subtype: new reply, edit, deletion, or something to ignore."""
    event_id = str(body.get("event_id") or "")
    team_id = str(body.get("team_id") or "")
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        inner = MessageEvent.parse({**message, "channel": event.get("channel")}, team_id=team_id)
        if inner.bot_id is None:
            # Edits are versioned by when they were made: `message.edited.ts`, else the change's ts.
            edited = message.get("edited")
            if not isinstance(edited, dict):
                edited = {}
            version = str(edited.get("ts") or event.get("event_ts") or event.get("ts") or "")
            await replies.follow_edit(
                deps,
                event_id=event_id,
                channel_id=inner.channel_id,
                ts=inner.ts,
                text=inner.text,
                client=client,
                edited_ts=version,
                user_id=inner.user_id,
                thread_ts=inner.thread_ts,
            )
        return
    if subtype == "message_deleted":
        deleted_ts = str(event.get("deleted_ts") or "")
        await replies.follow_delete(
            deps, event_id=event_id, channel_id=str(event.get("channel") or ""), ts=deleted_ts
        )
        return
    message = MessageEvent.parse(event, team_id=team_id)
    if message.bot_id is not None or message.subtype not in HUMAN_SUBTYPES or not message.user_id:
        return  # bots (ourselves included), joins, topic changes and other system messages
    reply = replies.Reply(
        event_id=event_id,
        team_id=team_id,
        channel_id=message.channel_id,
        user_id=message.user_id,
        text=message.text,
        ts=message.ts,
        thread_ts=message.thread_ts,
    )
    await replies.on_new_message(deps, client, reply)


async def on_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Publish the person's App Home when they open its Home tab."""
    if event.get("tab", "home") != "home":
        return
    await home.publish_home(
        deps, client, team_id=str(body.get("team_id") or ""), user_id=str(event.get("user") or "")
    )
