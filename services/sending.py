"""Making one claimed send: claim in the database, post to Slack, record the result.

Rules:
- Nothing is posted without a claim (see `storage.sends`).
- A stale claim taken over after a crash is first checked against Slack: the message carries
  its send key in message metadata, so the recent history of the target conversation tells
  whether it already arrived. Only if it did not is it posted again.
- A permanent Slack error (deactivated user, closed DMs, missing channel) fails that one send
  and the fan-out goes on; a transient one (rate limit after the SDK's own retries, Slack down)
  leaves the send for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.prompts import send_metadata
from bot.deps import Deps
from storage import sends
from storage.sends import Claim, SendKind

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
HISTORY_LOOKBACK = timedelta(minutes=10)

PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "invalid_blocks",
        "msg_too_long",
        "messages_tab_disabled",
        "user_is_restricted",
        "team_access_not_granted",
    }
)


@dataclass(frozen=True)
class Outgoing:
    """One message the scheduler wants in Slack."""

    kind: SendKind
    ritual_id: str
    week: str
    recipient: str  # a user id (by DM) or a channel id
    channel: str  # where to post: a channel id, or the user id for the app's DM
    blocks: list[dict[str, Any]]
    text: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class Sent:
    channel_id: str
    ts: str


async def deliver(deps: Deps, client: AsyncWebClient, out: Outgoing) -> Sent | None:
    """Claim and post one message; return where it landed, or None if not posted by us now."""
    async with deps.db.transaction() as conn:
        claim = await sends.claim_send(
            conn,
            kind=out.kind,
            ritual_id=out.ritual_id,
            week=out.week,
            recipient=out.recipient,
            now=deps.clock(),
            lease=LEASE,
        )
    if claim is None:
        return None
    if claim.taken_over:
        found = await _already_in_slack(deps, client, out, claim)
        if found is not None:
            async with deps.db.transaction() as conn:
                await sends.mark_sent(
                    conn, claim.key, channel_id=found.channel_id, ts=found.ts, now=deps.clock()
                )
            log.info("send found in Slack after restart key=%s", claim.key)
            return None
    try:
        response = await client.chat_postMessage(
            channel=out.channel,
            blocks=out.blocks,
            text=out.text,
            thread_ts=out.thread_ts,
            metadata=send_metadata(claim.key),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        permanent = error in PERMANENT_ERRORS
        async with deps.db.transaction() as conn:
            await sends.mark_failed(
                conn, claim.key, error=error, now=deps.clock(), retry=not permanent
            )
        log.warning("send failed key=%s error=%s permanent=%s", claim.key, error, permanent)
        return None
    except (aiohttp.ClientError, TimeoutError) as exc:
        async with deps.db.transaction() as conn:
            await sends.mark_failed(
                conn, claim.key, error=type(exc).__name__, now=deps.clock(), retry=True
            )
        log.warning("send failed key=%s error=%s (will retry)", claim.key, type(exc).__name__)
        return None
    sent = Sent(channel_id=str(response["channel"]), ts=str(response["ts"]))
    async with deps.db.transaction() as conn:
        await sends.mark_sent(
            conn, claim.key, channel_id=sent.channel_id, ts=sent.ts, now=deps.clock()
        )
    return sent


async def _already_in_slack(
    deps: Deps, client: AsyncWebClient, out: Outgoing, claim: Claim
) -> Sent | None:
    """Look for the claimed message in the conversation's recent history, by its metadata."""
    try:
        channel = out.channel
        if channel.startswith(("U", "W")):
            opened = await client.conversations_open(users=channel)
            channel = str(opened["channel"]["id"])
        oldest = (deps.clock() - LEASE - HISTORY_LOOKBACK).timestamp()
        if out.thread_ts:
            page = await client.conversations_replies(
                channel=channel,
                ts=out.thread_ts,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=100,
            )
        else:
            page = await client.conversations_history(
                channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=100
            )
    except SlackApiError as exc:
        log.warning(
            "could not check for an unfinished send key=%s error=%s",
            claim.key,
            exc.response.get("error"),
        )
        return None
    for message in page.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("send_key") == claim.key:
            return Sent(channel_id=channel, ts=str(message["ts"]))
    return None
