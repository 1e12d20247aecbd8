"""Following messages the bot captured: edits update the experiment, deletions remove it.

Each Events API envelope is claimed by `event_id` in the same transaction as its effect, so a
retried delivery is applied once and a delivery that failed half-way is applied by the retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.capture import parse_reply
from core.edits import Keep, apply_draft, reread_tool_and_model
from core.model import MAX_FIELD_CHARS, Experiment, Source
from core.text import strip_controls
from services import capture, confirmations, conversation
from services.deps import Deps
from services.function_question import ask_function_once
from services.home import refresh_home
from services.understanding import understand
from storage import experiments as repo
from storage import message_changes
from storage.events import claim_event, is_claimed
from storage.profiles import get_profile
from storage.sends import find_ask

log = logging.getLogger(__name__)

RECEIPT_REACTION = "memo"


def message_key(channel_id: str, ts: str) -> str:
    """The capture key of a Slack message."""
    return f"msg:{channel_id}:{ts}"


# ---- edits and deletions, in whatever order they arrive ------------------------------------
#
# Slack does not promise that a message's events arrive in order: a `message_deleted` or
# `message_changed` can come before the message itself (a retried delivery), or while it is
# being captured. Both are written down by message in `storage.message_changes`, and the capture
# checks them in the transaction of its insert (`services.capture`): a deletion always wins, and
# the newest edit by Slack's `edited.ts` wins.


async def follow_edit(
    deps: Deps,
    *,
    event_id: str,
    channel_id: str,
    ts: str,
    text: str,
    edited_ts: str,
    user_id: str = "",
    client: AsyncWebClient | None = None,
    thread_ts: str | None = None,
) -> Experiment | None:
    """Apply an edit to its experiment, if it is the newest; keep it when not captured yet.

    Fields the author confirmed are kept. With a client, an edit that changed what was
    understood sends the author a fresh summary in the reply's thread (`thread_ts`).
    """
    text = strip_controls(text)
    now = deps.clock()
    async with deps.db.transaction() as conn:
        if not await claim_event(conn, event_id, "message_changed", now=now):
            return None
        change = await message_changes.get_change(conn, channel_id, ts)
        if change is not None and (
            change.deleted or not message_changes.is_newer(edited_ts, change.edited_ts)
        ):
            log.info(
                "ignored a stale edit (deleted, or older than the newest) channel=%s ts=%s",
                channel_id,
                ts,
            )
            return None
        exp = await repo.get_by_source_key(conn, message_key(channel_id, ts))
        if exp is None:
            # Not captured (yet): keep the text only for a reply in the thread of a prompt or a
            # reminder, or a message in the bot's DM (Slack's DM ids start with "D"): the kinds
            # of message a capture may still come for.
            in_prompt_thread = (
                thread_ts is not None
                and thread_ts != ts
                and await find_ask(conn, channel_id, thread_ts) is not None
            ) or channel_id.startswith("D")  # a DM message: it may answer the DM's prompt
            await message_changes.record_edit(
                conn,
                channel_id,
                ts,
                edited_ts=edited_ts,
                pending_text=text if in_prompt_thread else None,
                user_id=(user_id or None) if in_prompt_thread else None,
                now=now,
            )
            return None
        draft = parse_reply(text, deps.catalogue).draft
        tool, model = reread_tool_and_model(deps.catalogue, exp, draft, text)
        edited = apply_draft(
            exp,
            draft,
            now=now,
            tool=tool,
            model=model,
            keep=Keep.UNSAID,
            confirmed=await confirmations.confirmed_fields(conn, exp.id),
        )
        await repo.update_experiment(conn, edited)
        await message_changes.record_edit(
            conn, channel_id, ts, edited_ts=edited_ts, pending_text=None, user_id=None, now=now
        )
    log.info("followed edit experiment=%s", exp.id)
    if client is not None:
        await confirmations.after_edit(deps, client, exp, edited, thread_ts=thread_ts)
        await refresh_home(deps, client, team_id=edited.team_id, user_id=edited.user_id)
    return edited


async def follow_delete(
    deps: Deps, *, event_id: str, channel_id: str, ts: str
) -> Experiment | None:
    """Remove the experiment of a deleted message, and make sure it is never captured after."""
    now = deps.clock()
    async with deps.db.transaction() as conn:
        if not await claim_event(conn, event_id, "message_deleted", now=now):
            return None
        await message_changes.mark_deleted(conn, channel_id, ts, now=now)
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
    channel_type: str = ""  # "im" for the bot's DM with the person

    @property
    def in_thread(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def in_dm(self) -> bool:
        return self.channel_type == "im"


async def _answer(deps: Deps, client: AsyncWebClient, reply: Reply, text: str) -> None:
    await conversation.answer(
        deps,
        client,
        event_id=reply.event_id,
        channel_id=reply.channel_id,
        thread_ts=reply.thread_ts if reply.in_thread else None,
        text=text,
    )


async def on_new_message(deps: Deps, client: AsyncWebClient, reply: Reply) -> Experiment | None:
    """Capture a reply to a prompt or reminder: in its thread, or in the DM it was sent to
    (`services.conversation` has the rules). Other messages in a channel are not ours; in the
    bot's DM they get a short answer.

    The work is one read (the prompt, whether the message or its envelope was seen before, the
    author's profile), the permalink, one write transaction (`capture.record_experiment`), then
    the receipt and the summary. A repeat is recognised in the read, before any Slack call.
    """
    if not (reply.in_thread or reply.in_dm):
        return None
    key = message_key(reply.channel_id, reply.ts)
    async with deps.db.read() as conn:
        prompt = (
            await find_ask(conn, reply.channel_id, reply.thread_ts)
            if reply.in_thread and reply.thread_ts is not None
            else None
        )
        if prompt is None and not reply.in_dm:
            return None  # a thread that is not a prompt's: not ours to collect
        existing = await repo.get_by_source_key(conn, key)
        seen = bool(reply.event_id) and await is_claimed(conn, reply.event_id)
        profile = await get_profile(conn, reply.team_id, reply.user_id)
    if existing is not None or seen:
        log.info("repeated message ignored event_id=%s ts=%s", reply.event_id, reply.ts)
        return existing
    if prompt is None:
        # In the DM itself, or in a thread of the DM that is not a prompt's.
        prompt = await conversation.open_ask(deps, reply.channel_id)
    if prompt is None:
        if reply.text.strip():
            log.info("DM message answers nothing open user=%s ts=%s", reply.user_id, reply.ts)
            await _answer(deps, client, reply, conversation.NOTHING_OPEN)
        return None
    if not reply.text.strip():
        return None
    text = reply.text
    if len(text) > MAX_FIELD_CHARS:
        # Kept whole rather than cut: the thread holds the original, and the digest truncates visibly.
        log.info("long reply captured whole user=%s length=%d", reply.user_id, len(text))
    parsed = await understand(deps, text, parse_reply(text, deps.catalogue), private=False)
    if parsed.chatter:
        # "+1", "thanks!", "did anyone try X?": conversation, not an experiment; no receipt.
        log.info("chatter in prompt thread ignored user=%s ts=%s", reply.user_id, reply.ts)
        if reply.in_dm:
            await _answer(deps, client, reply, conversation.NOT_AN_EXPERIMENT)
        return None
    # The prompt's week places the entry, so the author's time zone is not needed from Slack.
    author = capture.author_for_week(reply.team_id, reply.user_id, profile)
    origin = capture.Origin(
        source=Source.THREAD,
        source_key=key,
        channel_id=reply.channel_id,
        message_ts=reply.ts,
        permalink=await _permalink(client, reply.channel_id, reply.ts),
        ritual_id=prompt.ritual_id,
        week=prompt.week,
        event_id=reply.event_id or None,
        text=text,
        revise=lambda edited: parse_reply(edited, deps.catalogue).draft,
    )
    try:
        exp, new = await capture.record_experiment(
            deps, author, parsed.draft, origin, profile=profile
        )
    except capture.AlreadyProcessed:
        log.info("retried event ignored event_id=%s", reply.event_id)
        return None
    except capture.Withdrawn:
        log.info("reply deleted before it was captured event_id=%s", reply.event_id)
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
    await _acknowledge(client, exp)
    # Just captured: nothing of it is confirmed yet, and the profile was read above.
    await confirmations.show_understanding(
        deps,
        client,
        exp,
        thread_ts=reply.thread_ts if reply.in_thread else None,
        profile=profile,
        confirmed=frozenset(),
    )
    await ask_function_once(deps, client, exp)
    await refresh_home(deps, client, team_id=exp.team_id, user_id=exp.user_id)
    return exp


async def _permalink(client: AsyncWebClient, channel_id: str, ts: str) -> str | None:
    """The link to a reply, stored with its capture; None (and a log line) when Slack refuses."""
    try:
        link = await client.chat_getPermalink(channel=channel_id, message_ts=ts)
    except SlackApiError as exc:
        log.warning(
            "could not fetch a permalink channel=%s ts=%s error=%s",
            channel_id,
            ts,
            exc.response.get("error"),
        )
        return None
    return str(link["permalink"])


async def _acknowledge(client: AsyncWebClient, exp: Experiment) -> None:
    """React with :memo:, the low-noise receipt."""
    if exp.channel_id is None or exp.message_ts is None:
        return
    try:
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
