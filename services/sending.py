"""Making one claimed send: claim in the database, post to Slack, record the result.

Rules:
- Nothing is posted without a claim (see `storage.sends`), and nothing new is claimed once the
  bot is shutting down (`deps.inflight.draining`): sends already claimed finish, the rest wait
  for the next run.
- While a send is in progress a heartbeat renews its claim's lease every
  `deps.lease.renew_every` seconds, so another replica never takes over a send whose owner is
  alive, however long Slack keeps it waiting. Should the claim be lost all the same (the
  database unreachable for a whole lease), the call is abandoned and nothing is recorded.
- Without renewals the lease alone still outlasts one bounded Web API call: the worst retry
  chain of `bot.slack_client` is 4 attempts x 15 s + 3 waits x 11 s = 93 s, well under the 180 s
  lease (`storage.sends.Lease`).
- `chat.postMessage` is never repeated blindly. A 429 means Slack refused it (it is retried,
  by the client or a later run). A 5xx, a timeout, a dropped connection or a cancelled call
  leave it in doubt: the message may be in Slack. The send's key travels in the message's
  metadata, so the conversation's history (`include_all_metadata`) tells: found, it is
  recorded as sent; not found, the send is released with `maybe_posted`, and every later
  attempt looks again before posting. A claim taken over after a crash is looked for likewise.
- The look starts at the send's first claim (`claimed_at`) minus `HISTORY_SKEW` for the
  difference between our clock and Slack's, however long ago that was, and pages through up to
  `HISTORY_PAGES` pages; a history it cannot read to the end leaves the send in doubt, unsent.
- A permanent Slack error (deactivated user, closed DMs, missing channel) fails that one send
  and the fan-out goes on; a transient one leaves the send for the next run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.prompts import send_metadata
from core.occurrence import SendKind
from core.weeks import WeekId
from services.deps import Deps
from storage import sends
from storage.sends import Claim

log = logging.getLogger(__name__)

HISTORY_SKEW = timedelta(minutes=1)
HISTORY_PAGES = 10
HISTORY_PAGE_SIZE = 200

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
    week: WeekId
    recipient: str  # a user id (by DM) or a channel id
    channel: str  # where to post: a channel id, or the user id for the app's DM
    blocks: list[dict[str, Any]]
    text: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class Sent:
    channel_id: str
    ts: str
    found: bool = False  # already in Slack from an earlier attempt, not posted now


@dataclass(frozen=True)
class Failure:
    error: str
    retry: bool
    maybe_posted: bool  # the message may be in Slack all the same


class ClaimLostError(Exception):
    """The claim's lease ran out under us and another worker took the send over."""


class _UncheckedError(Exception):
    """Slack's history could not be read to the end."""


async def deliver(deps: Deps, client: AsyncWebClient, out: Outgoing) -> Sent | None:
    """Claim and post one message; return where it landed, or None if not posted by us now."""
    if deps.inflight.draining:
        return None
    async with deps.db.transaction() as conn:
        claim = await sends.claim_send(
            conn,
            kind=out.kind,
            ritual_id=out.ritual_id,
            week=out.week,
            recipient=out.recipient,
            now=deps.clock(),
            lease=deps.lease.length,
        )
    if claim is None:
        return None
    try:
        outcome = await _while_renewing(deps, claim, _attempt(client, out, claim))
    except ClaimLostError:
        log.warning("send abandoned: its claim was taken over key=%s", claim.key)
        return None
    except asyncio.CancelledError:
        # Cut short (shutdown past its grace): the post may be in Slack, so the next attempt
        # looks before posting instead of waiting out the lease.
        await _record(
            deps, claim, Failure("interrupted", retry=True, maybe_posted=True), shielded=True
        )
        raise
    await _record(deps, claim, outcome)
    if isinstance(outcome, Sent) and not outcome.found:
        return outcome
    return None


async def _attempt(client: AsyncWebClient, out: Outgoing, claim: Claim) -> Sent | Failure:
    """Look for an earlier attempt's message if there may be one; otherwise post it."""
    if claim.maybe_posted:
        try:
            found = await _find_in_slack(client, out, claim)
        except _UncheckedError as exc:
            return Failure(f"unchecked:{exc}", retry=True, maybe_posted=True)
        if found is not None:
            return found
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
        status = int(exc.response.status_code or 0)
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or error == "ratelimited":
            return Failure("ratelimited", retry=True, maybe_posted=False)
        if status != 200:  # a 5xx: Slack may have stored the message before failing
            return await _settle(client, out, claim, error)
        return Failure(error, retry=error not in PERMANENT_ERRORS, maybe_posted=False)
    except aiohttp.ClientConnectorError as exc:  # no connection: nothing reached Slack
        return Failure(type(exc).__name__, retry=True, maybe_posted=False)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return await _settle(client, out, claim, type(exc).__name__)
    return Sent(channel_id=str(response["channel"]), ts=str(response["ts"]))


async def _settle(
    client: AsyncWebClient, out: Outgoing, claim: Claim, error: str
) -> Sent | Failure:
    """After an answer that leaves the post in doubt, look for it before anything else."""
    try:
        found = await _find_in_slack(client, out, claim)
    except _UncheckedError:
        found = None
    return found or Failure(error, retry=True, maybe_posted=True)


async def _record(
    deps: Deps, claim: Claim, outcome: Sent | Failure, *, shielded: bool = False
) -> None:
    async def write() -> None:
        async with deps.db.transaction() as conn:
            if isinstance(outcome, Sent):
                await sends.mark_sent(
                    conn, claim.key, channel_id=outcome.channel_id, ts=outcome.ts, now=deps.clock()
                )
            else:
                await sends.mark_failed(
                    conn,
                    claim,
                    error=outcome.error,
                    now=deps.clock(),
                    retry=outcome.retry,
                    maybe_posted=outcome.maybe_posted,
                )

    if shielded:
        await asyncio.shield(write())
    else:
        await write()
    if isinstance(outcome, Sent):
        if outcome.found:
            log.info("send found in Slack, not posted again key=%s", claim.key)
    elif outcome.retry:
        log.warning(
            "send failed key=%s error=%s maybe_posted=%s (will retry)",
            claim.key,
            outcome.error,
            outcome.maybe_posted,
        )
    else:
        log.warning("send failed key=%s error=%s permanent=True", claim.key, outcome.error)


async def _while_renewing(
    deps: Deps, claim: Claim, work: Coroutine[Any, Any, Sent | Failure]
) -> Sent | Failure:
    """Run `work` while a heartbeat keeps the claim's lease ahead of the clock."""
    job = asyncio.ensure_future(work)
    done = asyncio.Event()
    lost: list[bool] = []
    beat = asyncio.create_task(_heartbeat(deps, claim, job, done, lost))
    try:
        return await job
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if lost and (task is None or not task.cancelling()):
            raise ClaimLostError(claim.key) from None
        raise
    finally:
        # Told to stop, never cancelled: a renewal under way finishes its transaction.
        done.set()
        await asyncio.wait({beat})


async def _heartbeat(
    deps: Deps,
    claim: Claim,
    job: asyncio.Future[Sent | Failure],
    done: asyncio.Event,
    lost: list[bool],
) -> None:
    # Beats on a fixed schedule from the start: a slow renewal does not push the next one back,
    # so the lease's margin over a hung call is never eaten by the renewals' own time.
    loop = asyncio.get_running_loop()
    next_beat = loop.time() + deps.lease.renew_every
    while True:
        try:
            await asyncio.wait_for(done.wait(), timeout=max(0.0, next_beat - loop.time()))
        except TimeoutError:
            pass
        else:
            return
        next_beat += deps.lease.renew_every
        try:
            async with deps.db.transaction() as conn:
                held = await sends.renew_claim(
                    conn, claim, now=deps.clock(), lease=deps.lease.length
                )
        except Exception:
            log.exception("could not renew the claim key=%s; trying again", claim.key)
            continue
        if not held:
            lost.append(True)
            job.cancel()
            return


async def _find_in_slack(client: AsyncWebClient, out: Outgoing, claim: Claim) -> Sent | None:
    """Look for the claimed message by its metadata, from the first claim's time on."""
    oldest = f"{(claim.claimed_at - HISTORY_SKEW).timestamp():.6f}"
    try:
        channel = out.channel
        if channel.startswith(("U", "W")):
            opened = await client.conversations_open(users=channel)
            channel = str(opened["channel"]["id"])
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            if out.thread_ts:
                page = await client.conversations_replies(
                    channel=channel,
                    ts=out.thread_ts,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=HISTORY_PAGE_SIZE,
                    cursor=cursor,
                )
            else:
                page = await client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=HISTORY_PAGE_SIZE,
                    cursor=cursor,
                )
            for message in page.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("send_key") == claim.key:
                    return Sent(channel_id=channel, ts=str(message["ts"]), found=True)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        log.warning("could not look for an unfinished send key=%s error=%s", claim.key, error)
        raise _UncheckedError(error) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not look for an unfinished send key=%s error=%r", claim.key, exc)
        raise _UncheckedError(type(exc).__name__) from None
    log.warning("history too long to look through key=%s", claim.key)
    raise _UncheckedError("history_too_long")
