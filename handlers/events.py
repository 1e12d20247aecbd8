"""Events API: a listener or an inbox processor for every event the manifest subscribes to.

Bolt answers 404 to an event no listener matches and Slack then redelivers it, so each
subscribed type is answered even when there is little to do. `message` events (new replies,
edits, deletions) must not be lost once acknowledged: the intake (`bot.intake`) writes them to
the inbox before answering, and its workers call `process_message`, which routes by subtype.
`app_home_opened` is only a view to refresh, and a reaction only a count for the digest, so
they stay ordinary listeners.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.replies import REPLY_NOT_SAVED, reply_not_saved_blocks
from handlers.payloads import MessageEvent
from handlers.tracking import tracked
from services import home, reactions, replies
from services.deps import Deps

log = logging.getLogger(__name__)

# Subtypes that are a person writing: a plain message has none.
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def register(app: AsyncApp) -> None:
    """Listen for App Home opens and reactions (messages go through the inbox, see
    `process_message`)."""
    app.event("app_home_opened")(tracked(on_home_opened))
    app.event("reaction_added")(tracked(on_reaction))
    app.event("reaction_removed")(tracked(on_reaction))


async def process_message(body: dict[str, Any], client: AsyncWebClient, deps: Deps) -> None:
    """Route a message event by subtype: new reply, edit, deletion, or something to ignore."""
    event = body.get("event")
    if not isinstance(event, dict):
        log.warning("message envelope without an event event_id=%s", body.get("event_id"))
        return
    event_id = str(body.get("event_id") or "")
    team_id = str(body.get("team_id") or "")
    subtype = event.get("subtype")
    if subtype == "message_changed":
        raw = event.get("message")
        edit = raw if isinstance(raw, dict) else {}
        inner = MessageEvent.parse({**edit, "channel": event.get("channel")}, team_id=team_id)
        if inner.bot_id is None:
            # Edits are versioned by when they were made: `message.edited.ts`, else the change's ts.
            edited = edit.get("edited")
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
        gone = await replies.follow_delete(
            deps, event_id=event_id, channel_id=str(event.get("channel") or ""), ts=deleted_ts
        )
        if gone is not None:
            await home.refresh_home(deps, client, team_id=gone.team_id, user_id=gone.user_id)
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
        channel_type=message.channel_type,
    )
    await replies.on_new_message(deps, client, reply)


def subject_of(body: dict[str, Any]) -> str | None:
    """The message an event is about (`channel:ts`), so its events can be applied in order."""
    event = body.get("event")
    if not isinstance(event, dict):
        return None
    channel = event.get("channel")
    inner = event.get("message")
    ts = {
        "message_changed": inner.get("ts") if isinstance(inner, dict) else None,
        "message_deleted": event.get("deleted_ts"),
    }.get(str(event.get("subtype")), event.get("ts"))
    return f"{channel}:{ts}" if isinstance(channel, str) and isinstance(ts, str) else None


async def tell_not_saved(body: dict[str, Any], client: AsyncWebClient) -> None:
    """Tell the author of a reply that was given up on, privately in its thread."""
    event = body.get("event")
    if not isinstance(event, dict) or event.get("subtype") is not None:
        return  # edits and deletions have nobody waiting for an answer
    message = MessageEvent.parse(event, team_id=str(body.get("team_id") or ""))
    if not (message.user_id and message.channel_id):
        return
    await client.chat_postEphemeral(
        channel=message.channel_id,
        user=message.user_id,
        blocks=reply_not_saved_blocks(),
        text=REPLY_NOT_SAVED,
        thread_ts=message.thread_ts,
    )


async def on_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Publish the person's App Home when they open its Home tab."""
    if event.get("tab", "home") != "home":
        return
    await home.seen_on_home(
        deps, team_id=str(body.get("team_id") or ""), user_id=str(event.get("user") or "")
    )
    await home.publish_home(
        deps, client, team_id=str(body.get("team_id") or ""), user_id=str(event.get("user") or "")
    )


async def on_reaction(
    body: dict[str, Any], event: dict[str, Any], context: dict[str, Any], deps: Deps
) -> None:
    """Keep or forget a reaction on a message (`item.type` "message"; files are ignored).

    Payload (https://api.slack.com/events/reaction_added): `user`, `reaction`, `item_user`,
    `item: {type, channel, ts}`, `event_ts`; `reaction_removed` has the same shape.
    """
    item = event.get("item")
    if not isinstance(item, dict) or item.get("type") != "message":
        return
    reaction = reactions.Reaction(
        team_id=str(body.get("team_id") or ""),
        channel_id=str(item.get("channel") or ""),
        message_ts=str(item.get("ts") or ""),
        user_id=str(event.get("user") or ""),
        reaction=str(event.get("reaction") or ""),
        event_ts=str(event.get("event_ts") or ""),
    )
    if not all(
        (
            reaction.channel_id,
            reaction.message_ts,
            reaction.user_id,
            reaction.reaction,
            reaction.event_ts,
        )
    ):
        log.warning(
            "reaction event without its message or person event_id=%s", body.get("event_id")
        )
        return
    if reaction.user_id == context.get("bot_user_id"):
        return  # the bot's own :memo: on a captured reply is not a reader's reaction
    await reactions.record(deps, reaction, present=event.get("type") == "reaction_added")
