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
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.digest import NOT_REPRODUCED, REPRODUCED, parse_replicate_value, refill
from core.credit import credited
from core.digest import Digest
from services.deps import Deps
from services.digests import gather, names_for
from storage import digests as store
from storage import experiments as repo
from storage import replications
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
        if exp.user_id == user_id:
            return Answer.OWN
        if choice in (REPRODUCED, NOT_REPRODUCED):
            await replications.answer(
                conn, experiment_id, user_id, reproduced=choice == REPRODUCED, now=deps.clock()
            )
        else:
            await replications.take_back(conn, experiment_id, user_id)
        ritual = await ritual_repo.find_ritual(conn, ritual_id)
    log.info("replication answer=%s experiment=%s user=%s", choice, experiment_id, user_id)
    if ritual is None:
        return Answer.COUNTED
    part = parts[number - 1]
    shown = _entries_in(part)
    for _round in range(UPDATE_ROUNDS):
        digest, _sharers = await gather(deps, ritual, week)
        names = await names_for(client, digest, _named_in(part, digest))
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


def _entries_in(part: dict[str, Any]) -> set[str]:
    keys = [str(key) for unit in part.get("units", []) for key in unit.get("keys", [])]
    return {key.split(":", 1)[1] for key in keys if key.startswith(("entry:", "caught:"))}
