"""Following messages the bot captured: edits update the experiment, deletions remove it.

Each Events API envelope is claimed by `event_id` in the same transaction as its effect, so a
retried delivery is applied once and a delivery that failed half-way is applied by the retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from core.capture import parse_reply
from core.model import MAX_FIELD_CHARS, Experiment, Source
from services import capture
from storage import experiments as repo
from storage.events import claim_event
from storage.sends import find_prompt

log = logging.getLogger(__name__)

RECEIPT_REACTION = "memo"


def message_key(channel_id: str, ts: str) -> str:
    """The capture key of a Slack message."""
    return f"msg:{channel_id}:{ts}"


async def follow_edit(
    deps: Deps, *, event_id: str, channel_id: str, ts: str, text: str
) -> Experiment | None:
    """Re-read an edited reply into its experiment; None when the message was never captured."""
    async with deps.db.transaction() as conn:
        if not await claim_event(conn, event_id, "message_changed", now=deps.clock()):
            return None
        exp = await repo.get_by_source_key(conn, message_key(channel_id, ts))
        if exp is None:
            return None
        draft = parse_reply(text, deps.catalogue).draft
        edited = repo.with_edits(
            exp,
            now=deps.clock(),
            tool=deps.catalogue.normalise(draft.tool) if draft.tool else exp.tool,
            work=draft.work or exp.work,
            summary=draft.summary,
            surprise=draft.surprise,
            failure=draft.failure,
            outcome=draft.outcome or exp.outcome,
            failure_mode=draft.failure_mode or exp.failure_mode,
        )
        await repo.update_experiment(conn, edited)
    log.info("followed edit experiment=%s", exp.id)
    return edited


async def follow_delete(
    deps: Deps, *, event_id: str, channel_id: str, ts: str
) -> Experiment | None:
    """Remove the experiment captured from a deleted message; None when there was none."""
    async with deps.db.transaction() as conn:
        if not await claim_event(conn, event_id, "message_deleted", now=deps.clock()):
            return None
        exp = await repo.get_by_source_key(conn, message_key(channel_id, ts))
        if exp is None:
            return None
        await repo.delete_experiment(conn, exp.id)
    log.info("followed deletion experiment=%s", exp.id)
    return exp


@dataclass(frozen=True)
class Reply:
    """A person's new message, as the events listener hands it over."""

    event_id: str
    team_id: str
    channel_id: str
    user_id: str
    text: str
    ts: str
    thread_ts: str | None

    @property
    def in_thread(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


async def on_new_message(deps: Deps, client: AsyncWebClient, reply: Reply) -> Experiment | None:
    """Capture a person's reply in a prompt's thread; ignore every other message."""
    if not reply.in_thread or reply.thread_ts is None:
        return None
    async with deps.db.transaction() as conn:
        prompt = await find_prompt(conn, reply.channel_id, reply.thread_ts)
    if prompt is None:
        return None  # a thread that is not a prompt's: not ours to collect
    if not reply.text.strip():
        return None
    text = reply.text
    if len(text) > MAX_FIELD_CHARS:
        # Kept whole rather than cut: the thread holds the original, and the digest truncates visibly.
        log.info("long reply captured whole user=%s length=%d", reply.user_id, len(text))
    parsed = parse_reply(text, deps.catalogue)
    if parsed.chatter:
        # "+1", "thanks!", "did anyone try X?": conversation, not an experiment; no receipt.
        log.info("chatter in prompt thread ignored user=%s ts=%s", reply.user_id, reply.ts)
        return None
    author, _person = await capture.identify(deps, client, reply.team_id, reply.user_id)
    origin = capture.Origin(
        source=Source.THREAD,
        source_key=message_key(reply.channel_id, reply.ts),
        channel_id=reply.channel_id,
        message_ts=reply.ts,
        ritual_id=prompt.ritual_id,
        week=prompt.week,
        event_id=reply.event_id or None,
    )
    try:
        exp, new = await capture.record_experiment(deps, author, parsed.draft, origin)
    except capture.AlreadyProcessed:
        log.info("retried event ignored event_id=%s", reply.event_id)
        return None
    if not new:
        return exp
    log.info(
        "captured reply experiment=%s user=%s ritual=%s week=%s",
        exp.id,
        reply.user_id,
        prompt.ritual_id,
        prompt.week,
    )
    await _acknowledge(deps, client, exp)
    return exp


async def _acknowledge(deps: Deps, client: AsyncWebClient, exp: Experiment) -> None:
    """Fetch the reply's permalink and react with :memo:, the low-noise receipt."""
    if exp.channel_id is None or exp.message_ts is None:
        return
    try:
        link = await client.chat_getPermalink(channel=exp.channel_id, message_ts=exp.message_ts)
        async with deps.db.transaction() as conn:
            await repo.set_permalink(conn, exp.id, str(link["permalink"]))
        await client.reactions_add(
            channel=exp.channel_id, timestamp=exp.message_ts, name=RECEIPT_REACTION
        )
    except SlackApiError as exc:
        if exc.response.get("error") != "already_reacted":
            log.warning(
                "could not acknowledge reply experiment=%s error=%s",
                exp.id,
                exc.response.get("error"),
            )
