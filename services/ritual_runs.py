"""One scheduled run: send whatever rituals have due now (prompts, then reminders).

The database holds the truth; this function can run at any moment, as often as anyone likes, on
any number of replicas: it looks at each ritual's last, current and next ISO week, works out
from the schedule what is due by `now`, and hands each message to `services.sending.deliver`,
which claims it first. The scheduler only decides *when* to call it.

Catch-up: a send whose moment passed less than `grace` ago is made now; an older one is skipped
and logged once (see `core.schedule.classify_missed`). Moments before the ritual was created are
not owed at all: a ritual set up on Monday at 10:00 for "Mondays 09:00" first asks next Monday
(`prompt-now` asks at once).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.prompts import prompt_blocks, prompt_text, reminder_blocks
from core.model import Profile
from core.rituals import Ritual
from core.schedule import classify_missed, resolve_local
from core.weeks import WeekId
from services import audience, digests
from services.deps import Deps
from services.people import Person
from services.sending import Outgoing, deliver
from storage import digests as digest_store
from storage import rituals as repo
from storage import sends
from storage.sends import SendKind, SendStatus

log = logging.getLogger(__name__)

FANOUT_CONCURRENCY = 4  # concurrent posts; slack_sdk's handler waits out any 429 on top of this
EARLIEST_ZONE = ZoneInfo("Pacific/Kiritimati")  # UTC+14: nobody's local time is ahead of it


@dataclass
class RunReport:
    sent: dict[SendKind, int] = field(default_factory=lambda: {kind: 0 for kind in SendKind})
    skipped_late: int = 0


async def run_due(
    deps: Deps, client: AsyncWebClient, *, now: datetime, grace: timedelta
) -> RunReport:
    """Send everything due by `now` for every active ritual."""
    report = RunReport()
    async with deps.db.read() as conn:
        rituals = await repo.list_rituals(conn)
    for ritual in rituals:
        if ritual.paused:
            continue
        current = WeekId.of(now, ZoneInfo(ritual.tz))
        for week in (current.previous(), current, current.next()):
            await _prompts(deps, client, ritual, week, now=now, grace=grace, report=report)
            if ritual.has_reminder:
                await _reminders(deps, client, ritual, week, now=now, grace=grace, report=report)
            if ritual.digest_channel_id:
                await _digest(deps, client, ritual, week, now=now, grace=grace, report=report)
    return report


async def prompt_now(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, *, now: datetime
) -> RunReport:
    """Send the current week's prompt at once (claimed like any other, so never twice)."""
    report = RunReport()
    week = WeekId.of(now, ZoneInfo(ritual.tz))
    await _prompts(
        deps, client, ritual, week, now=now, grace=timedelta(days=8), report=report, force=True
    )
    return report


def _instant(ritual: Ritual, week: WeekId, zone: ZoneInfo, *, reminder: bool = False) -> datetime:
    if reminder:
        if ritual.reminder_weekday is None or ritual.reminder_at is None:
            raise ValueError(f"ritual {ritual.id} has no reminder")
        return resolve_local(week.date_of(int(ritual.reminder_weekday)), ritual.reminder_at, zone)
    return resolve_local(week.date_of(int(ritual.weekday)), ritual.at, zone)


def _earliest(ritual: Ritual, week: WeekId, *, reminder: bool = False) -> datetime:
    """The first moment anyone could be due: in per-person mode, where the day starts first."""
    zone = EARLIEST_ZONE if ritual.per_person_tz else ZoneInfo(ritual.tz)
    return _instant(ritual, week, zone, reminder=reminder)


async def _send(deps: Deps, client: AsyncWebClient, out: Outgoing, report: RunReport) -> None:
    """Deliver one message (claimed first) and count it when this run posted it."""
    if await deliver(deps, client, out) is not None:
        report.sent[out.kind] += 1


def _before_creation(ritual: Ritual, instant: datetime) -> bool:
    """Moments before the ritual existed are not owed: nothing is sent or skipped for them."""
    return ritual.created_at is not None and instant < ritual.created_at


def _zone_for(ritual: Ritual, person: Person) -> ZoneInfo:
    return person.tz if ritual.per_person_tz else ZoneInfo(ritual.tz)


async def _prompts(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    *,
    now: datetime,
    grace: timedelta,
    report: RunReport,
    force: bool = False,
) -> None:
    earliest = _earliest(ritual, week)
    if not force and now < earliest:
        return
    async with deps.db.transaction() as conn:
        if await repo.stage_done(conn, ritual.id, str(week), "prompts"):
            return
        asked = await repo.occurrence_audience(conn, ritual.id, str(week))
    started = asked is not None
    fixed = _instant(ritual, week, ZoneInfo(ritual.tz))
    if not force and not ritual.per_person_tz and _before_creation(ritual, fixed):
        return
    if (
        not force
        and not ritual.per_person_tz
        and classify_missed(fixed, now=now, grace=grace) == "too_late"
    ):
        async with deps.db.transaction() as conn:
            first = await sends.record_skipped(
                conn,
                kind=SendKind.PROMPT,
                ritual_id=ritual.id,
                week=str(week),
                recipient="*",
                reason="too_late",
                now=now,
            )
            if started:
                await repo.mark_stage_done(conn, ritual.id, str(week), "prompts", now=now)
        if first:
            report.skipped_late += 1
            log.warning(
                "prompt skipped: due %s, more than %s ago ritual=%s week=%s",
                fixed,
                grace,
                ritual.name,
                week,
            )
        return
    if asked is not None:
        members = asked
    else:
        resolved = await audience.audience_ids(client, ritual)
        async with deps.db.transaction() as conn:
            members = await repo.ensure_occurrence(conn, ritual.id, str(week), resolved, now=now)
    pending = False
    channel_due = force or (now >= fixed and not _before_creation(ritual, fixed))
    if ritual.prompt_channel_id and channel_due:
        out = Outgoing(
            kind=SendKind.PROMPT,
            ritual_id=ritual.id,
            week=str(week),
            recipient=ritual.prompt_channel_id,
            channel=ritual.prompt_channel_id,
            blocks=prompt_blocks(ritual, str(week)),
            text=prompt_text(ritual),
        )
        await _send(deps, client, out, report)
    elif ritual.prompt_channel_id and now < fixed:
        pending = (
            True  # per-person mode: the channel's moment (in the ritual's zone) is still to come
        )
    if ritual.dm:
        pending |= await _dm_prompts(
            deps, client, ritual, week, members, now=now, grace=grace, report=report, force=force
        )
    await _close_stage(deps, ritual, week, SendKind.PROMPT, "prompts", pending=pending, now=now)


async def _close_stage(
    deps: Deps,
    ritual: Ritual,
    week: WeekId,
    kind: SendKind,
    stage: str,
    *,
    pending: bool,
    now: datetime,
) -> None:
    """Mark a stage done once nothing is still to come and no send of it is unfinished."""
    if pending or deps.inflight.draining:  # a run cut short by shutdown claimed not everyone
        return
    async with deps.db.transaction() as conn:
        records = await sends.list_sends(conn, ritual.id, str(week), kind)
        if not any(s.status in (SendStatus.CLAIMED, SendStatus.RETRY) for s in records):
            await repo.mark_stage_done(conn, ritual.id, str(week), stage, now=now)


async def _dm_prompts(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    members: tuple[str, ...],
    *,
    now: datetime,
    grace: timedelta,
    report: RunReport,
    force: bool,
) -> bool:
    """DM each member whose moment has come; return True when some are still to come."""
    gate = asyncio.Semaphore(FANOUT_CONCURRENCY)
    pending = False

    async def one(person: Person, profile: Profile) -> None:
        nonlocal pending
        zone = _zone_for(ritual, person)
        instant = _instant(ritual, week, zone)
        if not force and _before_creation(ritual, instant):
            return
        state = "due" if force else classify_missed(instant, now=now, grace=grace)
        if state == "future":
            pending = True
            return
        if not profile.dm_prompts or audience.is_paused(profile, instant.astimezone(zone).date()):
            return
        if state == "too_late":
            async with deps.db.transaction() as conn:
                await sends.record_skipped(
                    conn,
                    kind=SendKind.PROMPT,
                    ritual_id=ritual.id,
                    week=str(week),
                    recipient=person.user_id,
                    reason="too_late",
                    now=now,
                )
            return
        out = Outgoing(
            kind=SendKind.PROMPT,
            ritual_id=ritual.id,
            week=str(week),
            recipient=person.user_id,
            channel=person.user_id,
            blocks=prompt_blocks(ritual, str(week)),
            text=prompt_text(ritual),
        )
        async with gate:
            await _send(deps, client, out, report)

    found = await audience.people(deps, client, ritual.team_id, members)
    await asyncio.gather(*(one(person, profile) for person, profile in found))
    return pending


async def _reminders(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    *,
    now: datetime,
    grace: timedelta,
    report: RunReport,
) -> None:
    """Nudge, once, by DM, those who neither answered nor skipped; never in the channel."""
    earliest = _earliest(ritual, week, reminder=True)
    if now < earliest:
        return
    async with deps.db.transaction() as conn:
        if await repo.stage_done(conn, ritual.id, str(week), "reminders"):
            return
        members = await repo.occurrence_audience(conn, ritual.id, str(week))
        if members is None:
            return  # nobody was asked this week, so nobody is reminded
        answered = await repo.answered_users(conn, ritual.id, str(week))
        skipped = await repo.skipped_users(conn, ritual.id, str(week))
        prompts = {
            s.recipient: s
            for s in await sends.list_sends(conn, ritual.id, str(week), SendKind.PROMPT)
        }
    channel_prompt = prompts.get(ritual.prompt_channel_id or "")
    link = (
        await _permalink(client, channel_prompt.channel_id, channel_prompt.ts)
        if channel_prompt
        else None
    )
    to_remind = [user for user in members if user not in answered and user not in skipped]
    gate = asyncio.Semaphore(FANOUT_CONCURRENCY)
    pending = False

    async def one(person: Person, profile: Profile) -> None:
        nonlocal pending
        zone = _zone_for(ritual, person)
        instant = _instant(ritual, week, zone, reminder=True)
        state = classify_missed(instant, now=now, grace=grace)
        if state == "future":
            pending = True
            return
        if (
            state == "too_late"
            or not profile.dm_prompts
            or audience.is_paused(profile, instant.astimezone(zone).date())
        ):
            return
        own = prompts.get(person.user_id)
        thread_ts = own.ts if own is not None and own.status is SendStatus.SENT else None
        out = Outgoing(
            kind=SendKind.REMINDER,
            ritual_id=ritual.id,
            week=str(week),
            recipient=person.user_id,
            channel=own.channel_id if thread_ts and own and own.channel_id else person.user_id,
            blocks=reminder_blocks(ritual, str(week), thread_link=None if thread_ts else link),
            text=f"Reminder: {ritual.name} is collecting experiments this week.",
            thread_ts=thread_ts,
        )
        async with gate:
            await _send(deps, client, out, report)

    found = await audience.people(deps, client, ritual.team_id, to_remind)
    await asyncio.gather(*(one(person, profile) for person, profile in found))
    await _close_stage(deps, ritual, week, SendKind.REMINDER, "reminders", pending=pending, now=now)


async def _digest(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    *,
    now: datetime,
    grace: timedelta,
    report: RunReport,
) -> None:
    """Post the week's digest at its time, once; skip it (logged) when too late or quiet by choice."""
    instant = resolve_local(
        week.date_of(int(ritual.digest_weekday)), ritual.digest_at, ZoneInfo(ritual.tz)
    )
    state = classify_missed(instant, now=now, grace=grace)
    if state == "future" or _before_creation(ritual, instant):
        return
    key = sends.send_key(SendKind.DIGEST, ritual.id, str(week), f"{ritual.digest_channel_id}#1")
    async with deps.db.transaction() as conn:
        existing = await sends.get_send(conn, key)
    if existing is not None and existing.status in (
        SendStatus.SENT,
        SendStatus.SKIPPED,
        SendStatus.FAILED,
    ):
        if existing.status is not SendStatus.SENT:
            return
        async with deps.db.transaction() as conn:
            parts = await digest_store.load_parts(conn, ritual.id, str(week))
            posted = await sends.list_sends(conn, ritual.id, str(week), SendKind.DIGEST)
        if parts is not None and sum(
            1 for p in posted if p.status is SendStatus.SENT and "#" in p.recipient
        ) >= len(parts):
            return  # every part is in Slack
    skip_reason = "too_late" if state == "too_late" else None
    if skip_reason is None and not ritual.quiet_week_post and existing is None:
        digest, _ = await digests.gather(deps, ritual, week)
        skip_reason = "quiet_week" if digest.quiet else None
    if skip_reason is not None:
        async with deps.db.transaction() as conn:
            first = await sends.record_skipped(
                conn,
                kind=SendKind.DIGEST,
                ritual_id=ritual.id,
                week=str(week),
                recipient=f"{ritual.digest_channel_id}#1",
                reason=skip_reason,
                now=now,
            )
        if first:
            report.skipped_late += skip_reason == "too_late"
            log.warning(
                "digest skipped reason=%s ritual=%s week=%s due=%s",
                skip_reason,
                ritual.name,
                week,
                instant,
            )
        return
    result = await digests.post_digest(deps, client, ritual, week)
    report.sent[SendKind.DIGEST] += result.posted


async def _permalink(client: AsyncWebClient, channel_id: str | None, ts: str | None) -> str | None:
    if not channel_id or not ts:
        return None
    try:
        response = await client.chat_getPermalink(channel=channel_id, message_ts=ts)
    except SlackApiError as exc:
        log.info("no permalink channel=%s error=%s", channel_id, exc.response.get("error"))
        return None
    return str(response.get("permalink") or "") or None
