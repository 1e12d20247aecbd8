"""Remind people privately, under a ritual's prompt in a channel, of what they'd try next.

A DM prompt carries the person's "next I'll try" from the week before; a prompt in a channel is
read by everyone, so there each person who has one gets it as an ephemeral (`chat.postEphemeral`)
right after the prompt is posted. Who gets one is `core.recall.channel_recalls`.

Rules:
- Each recall is a claimed send (`SendKind.NEXT_TRY`, one per person and week), so restarts,
  re-runs and replicas never show it twice.
- Slack cannot look an ephemeral up afterwards. A recall whose attempt may have reached Slack
  (a claim taken over after a crash, a timeout, a 5xx) is recorded as failed with
  `maybe_sent` and never resent: a reminder missed is better than one shown twice. No recall
  is retried later: a failure is logged and recorded for good.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.prompts import next_try_blocks, next_try_text
from core.occurrence import SendKind, SendStatus
from core.recall import channel_recalls
from core.rituals import Ritual
from core.weeks import WeekId
from services.deps import Deps
from storage import experiments as experiments_repo
from storage import profiles as profiles_repo
from storage import rituals as repo
from storage import sends

log = logging.getLogger(__name__)


async def recall_under_channel_prompt(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, week: WeekId, *, now: datetime
) -> int:
    """Send each due private recall once the week's channel prompt is in Slack; count those sent."""
    channel = ritual.prompt_channel_id
    if not channel or deps.inflight.draining:
        return 0
    async with deps.db.read() as conn:
        prompt = await sends.get_send(
            conn, sends.send_key(SendKind.PROMPT, ritual.id, week, channel)
        )
        if prompt is None or prompt.status is not SendStatus.SENT:
            return 0
        audience = await repo.occurrence_audience(conn, ritual.id, week) or ()
        tries = await experiments_repo.next_tries(
            conn, ritual.team_id, list(audience), str(week.previous())
        )
        if not tries:
            return 0
        skipped = await repo.skipped_users(conn, ritual.id, week)
        profiles = {
            user: await profiles_repo.get_profile(conn, ritual.team_id, user) for user in tries
        }
    chosen = channel_recalls(
        tries=tries,
        audience=audience,
        skipped=skipped,
        profiles=profiles,
        prompts_by_dm=ritual.dm,
        day=now.astimezone(ZoneInfo(ritual.tz)).date(),
    )
    sent = 0
    for user, said in chosen:
        sent += await _recall(deps, client, ritual, week, prompt.channel_id or channel, user, said)
    return sent


async def _recall(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    channel: str,
    user: str,
    said: str,
) -> int:
    async with deps.db.transaction() as conn:
        claim = await sends.claim_send(
            conn,
            kind=SendKind.NEXT_TRY,
            ritual_id=ritual.id,
            week=week,
            recipient=user,
            now=deps.clock(),
            lease=deps.lease.length,
        )
    if claim is None:
        return 0  # shown already, failed for good, or being shown by another worker
    error: str | None = None
    doubt = claim.maybe_posted
    ts = ""
    if doubt:
        error = "maybe_sent"
    else:
        try:
            response = await client.chat_postEphemeral(
                channel=channel,
                user=user,
                blocks=next_try_blocks(ritual, said),
                text=next_try_text(said),
            )
            ts = str(response.get("message_ts") or "")
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
            doubt = int(exc.response.status_code or 0) >= 500
        except aiohttp.ClientConnectorError as exc:
            error = type(exc).__name__  # no connection: nothing reached Slack
        except (aiohttp.ClientError, TimeoutError) as exc:
            error, doubt = type(exc).__name__, True
    async with deps.db.transaction() as conn:
        if error is None:
            await sends.mark_sent(conn, claim.key, channel_id=channel, ts=ts, now=deps.clock())
        else:
            await sends.mark_failed(
                conn, claim, error=error, now=deps.clock(), retry=False, maybe_posted=doubt
            )
    if error is not None:
        log.warning(
            "next-try recall not shown ritual=%s week=%s user=%s error=%s maybe_sent=%s",
            ritual.name,
            week,
            user,
            error,
            doubt,
        )
        return 0
    return 1
