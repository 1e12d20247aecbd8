"""Managing rituals from Slack: who may, and what each control does.

Rules:
- Every control checks the person first (`may_administer`: workspace admins and owners, and the
  people in BOT_ADMINS) and that the ritual is their team's; a refusal is logged and raised as
  `NotAllowed`, so the listener can say so. Buttons can be forged: the check is here, not in
  whether a button was shown.
- "Send now" is the CLI's `prompt-now` (`services.ritual_runs.prompt_now`): each prompt is claimed
  like a scheduled one, so it goes out once however often, and by however many, it is clicked.
- An edit saves the ritual in place, checked against Slack as at setup, in the same two steps:
  the quick checks answer the form, a changed audience is read after it (problems by DM). The week's sends stay
  claimed and its stages stay done, so a prompt already sent this week is not sent again; the
  new schedule applies from its next moment: when that moment has passed this week and nothing
  went out yet, the week is closed (`core.upcoming.passed_by_reschedule`), not caught up.
- A failed digest is retried with `services.digests.post_digest`, which lets failed parts be
  tried again and posts each part at most once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncConnection

from blocks.admin_home import AdminRitual
from core.due import EVERYONE
from core.occurrence import SendKind, Stage
from core.rituals import Problem, Ritual
from core.upcoming import passed_by_reschedule, upcoming
from core.weeks import WeekId
from services import digests
from services.deps import Deps
from services.digests import PostResult
from services.people import look_up
from services.ritual_runs import prompt_now
from services.ritual_setup import check_audience, may_administer, name_taken
from storage import rituals as repo
from storage import sends
from storage.profiles import get_profile

log = logging.getLogger(__name__)

RESCHEDULED = "rescheduled"


class NotAllowed(Exception):
    """The person may not manage rituals."""


class Missing(Exception):
    """No such ritual in the person's team."""


async def admin_zone(deps: Deps, client: AsyncWebClient, team_id: str, user_id: str) -> ZoneInfo:
    """The admin's own time zone: their profile's override, else Slack's."""
    async with deps.db.read() as conn:
        profile = await get_profile(conn, team_id, user_id)
    return (await look_up(client, user_id, profile, people=deps.people)).tz


async def check_admin(deps: Deps, client: AsyncWebClient, user_id: str, verb: str) -> None:
    """Raise `NotAllowed` (and log it) unless the person may manage rituals."""
    if not await may_administer(deps, client, user_id):
        log.warning("refused ritual %s by a non-admin user=%s", verb, user_id)
        raise NotAllowed(verb)


async def managed_ritual(
    deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str, ritual_id: str, verb: str
) -> Ritual:
    """The ritual an admin is acting on; `NotAllowed` for a non-admin, `Missing` when gone."""
    await check_admin(deps, client, user_id, verb)
    async with deps.db.read() as conn:
        found = await repo.find_ritual(conn, ritual_id)
    if found is None or found.id != ritual_id or found.team_id != team_id:
        log.info("ritual %s of an unknown ritual user=%s ritual=%r", verb, user_id, ritual_id[:64])
        raise Missing(ritual_id)
    return found


async def home_rituals(deps: Deps, team_id: str, *, zone: ZoneInfo) -> list[AdminRitual]:
    """The team's rituals with their next prompt, reminder and digest, in `zone` (prompts and
    reminders of a ritual asking in each person's zone as that local time)."""
    now = deps.clock()
    async with deps.db.read() as conn:
        found = await repo.list_rituals(conn, team_id)
        done = {ritual.id: await _prompted(conn, ritual, now) for ritual in found}
    shown = []
    for ritual in found:
        times = upcoming(ritual, now=now, prompted_this_week=done[ritual.id])
        # Each person's own prompt and reminder come at the ritual's wall-clock time in their
        # zone: shown as that local time, not converted. The digest is in the ritual's zone.
        local = ZoneInfo(ritual.tz) if ritual.per_person_tz else zone
        shown.append(
            AdminRitual(
                id=ritual.id,
                name=ritual.name,
                paused=ritual.paused,
                per_person_tz=ritual.per_person_tz,
                prompt=times.prompt.astimezone(local),
                reminder=times.reminder.astimezone(local) if times.reminder else None,
                digest=times.digest.astimezone(zone) if times.digest else None,
            )
        )
    return shown


async def next_prompt(deps: Deps, ritual: Ritual) -> datetime:
    """When the ritual next asks, this week's prompts taken into account (see `core.upcoming`)."""
    now = deps.clock()
    async with deps.db.read() as conn:
        prompted = await _prompted(conn, ritual, now)
    return upcoming(ritual, now=now, prompted_this_week=prompted).prompt


async def _prompted(conn: AsyncConnection, ritual: Ritual, now: datetime) -> bool:
    week = WeekId.of(now, ZoneInfo(ritual.tz))
    return await repo.stage_done(conn, ritual.id, week, Stage.PROMPTS)


async def set_paused(deps: Deps, ritual: Ritual, paused: bool, *, by: str) -> Ritual:
    """Pause or resume a ritual (as the CLI's `rituals pause|resume`)."""
    async with deps.db.transaction() as conn:
        await repo.set_paused(conn, ritual.id, paused, now=deps.clock())
    log.info("ritual %s name=%r by=%s", "paused" if paused else "resumed", ritual.name, by)
    return replace(ritual, paused=paused)


async def send_now(deps: Deps, client: AsyncWebClient, ritual: Ritual, *, by: str) -> int:
    """Send this week's prompt now (the CLI's `prompt-now`); return how many went out now."""
    report = await prompt_now(deps, client, ritual, now=deps.clock())
    sent = report.sent[SendKind.PROMPT]
    log.info("send now ritual=%r by=%s sent=%d", ritual.name, by, sent)
    return sent


def edited(before: Ritual, form: Ritual) -> Ritual:
    """The ritual as edited: what the form sets, on what the form does not show."""
    return replace(
        form,
        id=before.id,
        team_id=before.team_id,
        created_by=before.created_by,
        created_at=before.created_at,
        paused=before.paused,
        quiet_week_post=before.quiet_week_post,
    )


async def save_edit(
    deps: Deps, client: AsyncWebClient, before: Ritual, ritual: Ritual, *, by: str
) -> list[Problem]:
    """Save an edited ritual (`edited`, already through `check_form`) in place; return what to
    fix (nothing saved) or []. A changed audience is read first, as at setup: this is the slow
    part, so it runs after the form was answered."""
    same_audience = (ritual.audience_kind, ritual.audience) == (
        before.audience_kind,
        before.audience,
    )
    if not same_audience:
        problems = await check_audience(deps, client, ritual)
        if problems:
            return problems
    async with deps.db.transaction() as conn:
        if not await repo.update_ritual(conn, ritual, now=deps.clock()):
            return [name_taken(ritual)]
    log.info("edited ritual id=%s name=%r by=%s", ritual.id, ritual.name, by)
    week = passed_by_reschedule(before, ritual, now=deps.clock())
    if week is not None:
        await _not_owed(deps, ritual, week)
    return []


async def _not_owed(deps: Deps, ritual: Ritual, week: WeekId) -> None:
    """Close a week whose new prompt moment has passed, unless a prompt of it already went out.

    Nobody was asked that week: its occurrence records an empty audience (so nobody is reminded
    and the digest claims no share), and the skip is logged once, like a prompt too late.
    """
    now = deps.clock()
    async with deps.db.transaction() as conn:
        if await repo.stage_done(conn, ritual.id, week, Stage.PROMPTS):
            return
        if await sends.list_sends(conn, ritual.id, week, SendKind.PROMPT):
            return  # some were asked already (each in their own zone): the rest follow
        await repo.ensure_occurrence(conn, ritual.id, week, (), now=now)
        await sends.record_skipped(
            conn,
            kind=SendKind.PROMPT,
            ritual_id=ritual.id,
            week=week,
            recipient=EVERYONE,
            reason=RESCHEDULED,
            now=now,
        )
        await repo.mark_stage_done(conn, ritual.id, week, Stage.PROMPTS, now=now)
    log.warning(
        "prompt skipped: reason=%s ritual=%s week=%s (the new moment had passed)",
        RESCHEDULED,
        ritual.name,
        week,
    )


async def retry_digest(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, week: WeekId, *, by: str
) -> PostResult:
    """Post what is kept of a week's digest, trying failed parts again."""
    result = await digests.post_digest(deps, client, ritual, week)
    log.info(
        "digest retried ritual=%r week=%s by=%s posted=%d failed=%s",
        ritual.name,
        week,
        by,
        result.posted,
        result.failed,
    )
    return result
