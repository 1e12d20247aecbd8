"""Showing a person what the bot understood from their words, and storing their corrections.

Rules (the why is in docs/confirmations.md):
- After a reply in a prompt's thread is captured, its author, and only its author, gets one
  private summary in that thread (`chat.postEphemeral` with the parent's `thread_ts`): tool,
  outcome, failure mode, surprise, with one-tap corrections. None when the person turned
  summaries off in `/tried profile`; none for a retried event (it is not a new capture).
- An edit of the reply that changes what was understood (tool, outcome, failure mode or
  surprise) sends one fresh summary; an edit that changes none of them sends nothing.
- A correction is stored at once, and the fields it sets are marked as confirmed. Confirmed
  fields win over inference: re-reading an edited message keeps them (`core.edits.apply_draft`), and
  since they are stored in the experiment itself, digest, export and App Home show them.
- Only the author may correct an entry; anyone else gets `capture.NotYours`.
- A change made in the experiment form confirms the fields it changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncConnection

from blocks.confirm import understanding_blocks, understanding_text
from core import corrections
from core.corrections import Correction
from core.model import Experiment, Profile
from services.capture import NotFound, NotYours
from services.deps import Deps
from services.mentions import named_one
from storage import confirmations as store
from storage import experiments as repo
from storage.profiles import get_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Corrected:
    """An experiment after a correction, and every field its author has confirmed."""

    experiment: Experiment
    confirmed: frozenset[str]


async def show_understanding(
    deps: Deps,
    client: AsyncWebClient,
    exp: Experiment,
    *,
    thread_ts: str | None,
    profile: Profile | None = None,
    confirmed: frozenset[str] | None = None,
) -> bool:
    """Tell the author privately, in the reply's thread, what was understood; True when sent.

    Without a thread (a reply in the DM itself), the summary follows the reply in the DM.
    A caller that has read the author's profile and the confirmed fields (none, for an
    experiment just captured) passes them, and nothing is read again.
    """
    if exp.channel_id is None:
        return False
    if profile is None or confirmed is None:
        async with deps.db.read() as conn:
            profile = await get_profile(conn, exp.team_id, exp.user_id)
            confirmed = await store.confirmed_fields(conn, exp.id)
    if not profile.reply_summaries:
        return False
    shown = await named_one(client, exp, people=deps.people)
    try:
        await client.chat_postEphemeral(
            channel=exp.channel_id,
            user=exp.user_id,
            thread_ts=thread_ts,
            blocks=understanding_blocks(shown, confirmed),
            text=understanding_text(shown),
        )
    except SlackApiError as exc:
        # The capture stands; the summary is a courtesy (the person may have left the channel).
        log.warning(
            "could not show what was understood experiment=%s error=%s",
            exp.id,
            exc.response.get("error"),
        )
        return False
    log.info("showed what was understood experiment=%s", exp.id)
    return True


async def after_edit(
    deps: Deps,
    client: AsyncWebClient,
    before: Experiment,
    after: Experiment,
    *,
    thread_ts: str | None,
) -> bool:
    """Send a fresh summary when an edit changed what was understood; True when sent."""
    if corrections.understood(before) == corrections.understood(after):
        return False
    return await show_understanding(deps, client, after, thread_ts=thread_ts)


async def confirmed_fields(conn: AsyncConnection, experiment_id: str) -> frozenset[str]:
    """Inside the caller's transaction: the fields the author confirmed, for
    `core.edits.apply_draft` to keep."""
    return await store.confirmed_fields(conn, experiment_id)


async def correct(
    deps: Deps, experiment_id: str, user_id: str, correction: Correction
) -> Corrected:
    """Apply the author's correction and mark its fields confirmed, in one transaction."""
    now = deps.clock()
    async with deps.db.transaction() as conn:
        exp = await repo.get_experiment(conn, experiment_id)
        if exp is None:
            raise NotFound(experiment_id)
        if exp.user_id != user_id:
            raise NotYours(experiment_id)
        corrected, fields = corrections.apply_correction(exp, correction, now=now)
        await repo.update_experiment(conn, corrected)
        confirmed = await store.add_confirmed(conn, exp.id, fields, now=now)
    log.info(
        "corrected experiment=%s tap=%s fields=%s", exp.id, correction.tap, ",".join(sorted(fields))
    )
    return Corrected(corrected, confirmed)


async def confirm_form_edit(deps: Deps, before: Experiment, after: Experiment) -> frozenset[str]:
    """Mark the fields a person changed in the form as confirmed; return all confirmed fields."""
    changed = corrections.changed_fields(before, after)
    async with deps.db.transaction() as conn:
        if not changed:
            return await store.confirmed_fields(conn, after.id)
        return await store.add_confirmed(conn, after.id, changed, now=deps.clock())
