""" "I tried it too": a reader's answer on an entry in the digest's thread, and the counts beside it.

Rules:
- One answer per reader per entry, changeable ("same for me", "could not reproduce") and
  removable ("take back"); nobody answers for their own entry, and an answer counts only for an
  entry the message it came from shows (the kept layout says which), still shared.
- After each answer the thread message it was given on is filled again from current data (the
  kept layout, as when it was posted) and updated with `chat.update`, so the counts beside
  every entry of that message are current and nothing withdrawn since reappears. When answers
  race (two readers, two replicas), the counts are read again after the update and the message
  rendered again if they moved, so the last update shows the last counts.
- The answers feed the next digests' three things to know (`core.digest`).
- The same menu lets an admin (workspace admins and BOT_ADMINS) pin an entry: it is stored as
  the week's pin and the posted top post is updated so the entry leads its three things.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.digest import (
    NOT_REPRODUCED,
    PIN,
    REPRODUCED,
    parse_replicate_value,
    refill,
    top_message,
)
from core.credit import credited
from core.digest import Digest
from core.occurrence import SendKind, SendStatus
from core.rituals import Ritual
from core.weeks import WeekId
from services.deps import Deps
from services.digests import gather, names_for
from services.ritual_setup import may_administer
from storage import digests as store
from storage import experiments as repo
from storage import replications, sends
from storage import rituals as ritual_repo

log = logging.getLogger(__name__)
UPDATE_ROUNDS = 3  # renderings of one message per answer, when other answers race with it


def _named_in(part: dict[str, Any], digest: Digest) -> set[str]:
    """Who a kept part names: its entries' authors, or every sharer when it holds credit.

    Only they are looked up in Slack when an answer updates the part (users.info is per person).
    """
    keys = [str(key) for unit in part.get("units", []) for key in unit.get("keys", [])]
    if any(key.startswith("credit") for key in keys):
        return set(digest.sharers)
    shown = _entries_in(part)
    return {e.user_id for e in digest.entries if e.id in shown and credited(e)}


class Answer(StrEnum):
    """What the reader is told, privately, when the count cannot simply change."""

    COUNTED = ""
    UNREADABLE = "That menu is from an older digest and can no longer be used."
    GONE = "That entry is no longer shared."
    OWN = "That's your own entry: the menu is for colleagues who tried it too."
    NOT_ADMIN = "Only admins can pin an entry to the digest's top post."
    PINNED = "Pinned: this entry now leads the digest's top post."


async def answer(
    deps: Deps,
    client: AsyncWebClient,
    *,
    user_id: str,
    channel_id: str,
    message_ts: str,
    value: str,
) -> Answer:
    """Record the reader's answer and update the thread message's counts."""
    parsed = parse_replicate_value(value)
    if parsed is None:
        log.warning("unreadable replication value user=%s", user_id)
        return Answer.UNREADABLE
    choice, experiment_id = parsed
    if choice == PIN and not await may_administer(deps, client, user_id):
        log.warning("refused a pin by a non-admin user=%s experiment=%s", user_id, experiment_id)
        return Answer.NOT_ADMIN
    top_ts: str | None = None
    async with deps.db.transaction() as conn:
        where = await store.part_at(conn, channel_id, message_ts)
        parts = await store.load_parts(conn, where[0], where[1]) if where is not None else None
        if where is None or parts is None or not 1 <= where[2] <= len(parts):
            log.warning("replication on a message that is no digest part ts=%s", message_ts)
            return Answer.UNREADABLE
        ritual_id, week, number = where
        if experiment_id not in _entries_in(parts[number - 1]):
            # Forget-me took it out of the layout, or the value names an entry shown elsewhere.
            log.warning("replication of an entry not in that message ts=%s", message_ts)
            return Answer.GONE
        exp = await repo.get_experiment(conn, experiment_id)
        if exp is None or exp.private:
            return Answer.GONE
        if choice == PIN:
            await store.pin_entry(
                conn, ritual_id, week, experiment_id, pinned_by=user_id, now=deps.clock()
            )
            top = await sends.get_send(
                conn, sends.send_key(SendKind.DIGEST, ritual_id, week, f"{channel_id}#1")
            )
            top_ts = top.ts if top is not None and top.status is SendStatus.SENT else None
        elif exp.user_id == user_id:
            return Answer.OWN
        elif choice in (REPRODUCED, NOT_REPRODUCED):
            await replications.answer(
                conn, experiment_id, user_id, reproduced=choice == REPRODUCED, now=deps.clock()
            )
        else:
            await replications.take_back(conn, experiment_id, user_id)
        ritual = await ritual_repo.find_ritual(conn, ritual_id)
    log.info("replication answer=%s experiment=%s user=%s", choice, experiment_id, user_id)
    if ritual is None:
        return Answer.COUNTED
    if choice == PIN:
        return await _lead_with(deps, client, ritual, week, channel_id, top_ts)
    part = parts[number - 1]
    shown = _entries_in(part)
    for _round in range(UPDATE_ROUNDS):
        digest, _sharers = await gather(deps, ritual, week, client=client)
        names = await names_for(client, digest, _named_in(part, digest), people=deps.people)
        message = refill(part, digest, names, number=number, total=len(parts))
        try:
            await client.chat_update(
                channel=channel_id, ts=message_ts, blocks=message.blocks, text=message.text
            )
        except SlackApiError as exc:
            # The answer is stored; the counts show at the next update of this message.
            log.warning(
                "could not update the digest part ts=%s error=%s",
                message_ts,
                exc.response.get("error"),
            )
            break
        # Another answer on this message may have rendered before ours and updated after it:
        # when the counts moved since this rendering, render and update once more.
        async with deps.db.read() as conn:
            now = await replications.tallies(conn, shown)
        if now == {
            k: (v.reproduced, v.not_reproduced)
            for k, v in digest.replications.items()
            if k in shown
        }:
            break
    return Answer.COUNTED


async def _lead_with(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    channel_id: str,
    top_ts: str | None,
) -> Answer:
    """Update the posted top post so that the pinned entry leads its three things to know."""
    if top_ts is None:
        return Answer.PINNED
    digest, _sharers = await gather(deps, ritual, week, client=client)
    message = top_message(digest, await names_for(client, digest, people=deps.people))
    try:
        await client.chat_update(
            channel=channel_id, ts=top_ts, blocks=message.blocks, text=message.text
        )
    except SlackApiError as exc:
        log.warning(
            "could not update the digest's top post ts=%s error=%s",
            top_ts,
            exc.response.get("error"),
        )
    return Answer.PINNED


def _entries_in(part: dict[str, Any]) -> set[str]:
    keys = [str(key) for unit in part.get("units", []) for key in unit.get("keys", [])]
    return {key.split(":", 1)[1] for key in keys if key.startswith(("entry:", "caught:"))}
