"""One scheduled run: carry out whatever `core.due` decides is due now, for every ritual.

The database holds the truth; a run can happen at any moment, as often as anyone likes, on any
number of replicas. For each active ritual and its last, current and next ISO week this module
gathers the week's state (stages done, who is asked, answers and skips, sends made or claimed,
the kept digest), asks `core.due.decide` what is due by `now`, fetches what the decision still
needs (the audience from Slack, people's zones and profiles, whether the week is quiet), and
then carries the actions out: each message through `services.sending.deliver`, which claims it
first, so nothing is sent twice. The scheduler only decides *when* to call it.

Rules kept here, not in the decision:
- Sends of one stage go out concurrently, at most `FANOUT_CONCURRENCY` at a time.
- A stage is recorded as done only when none of its sends is unfinished after the fan-out, and
  never while shutting down (`deps.inflight.draining`): a fan-out cut short claimed not
  everyone, and the next run sends the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.prompts import prompt_blocks, prompt_text, reminder_blocks, reminder_text
from core.due import (
    EVERYONE,
    TOO_LATE,
    Action,
    CloseStage,
    LogSkipped,
    LookUpMembers,
    Need,
    PostDigest,
    SendPrompt,
    SendReminder,
    StartOccurrence,
    decide,
    opens_at,
    settled,
)
from core.occurrence import Member, SendKind, SendRecord, Stage, WeekState
from core.rituals import Ritual
from core.weeks import WeekId
from services import audience, digests, next_try_recall
from services.deps import Deps
from services.sending import Outgoing, deliver
from storage import digests as digest_store
from storage import experiments as experiments_repo
from storage import rituals as repo
from storage import sends

log = logging.getLogger(__name__)

FANOUT_CONCURRENCY = 4  # concurrent posts; the client paces them under Slack's limits
_MAX_ROUNDS = 4  # each need is met once: the audience, the members, the quiet check
_STAGE_KIND = {Stage.PROMPTS: SendKind.PROMPT, Stage.REMINDERS: SendKind.REMINDER}


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
            if now < opens_at(ritual, week):
                continue  # nothing of that week can be due yet: no need to read it
            await _run_week(deps, client, ritual, week, now=now, grace=grace, report=report)
    return report


async def prompt_now(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, *, now: datetime
) -> RunReport:
    """Send the current week's prompt at once (claimed like any other, so never twice)."""
    report = RunReport()
    week = WeekId.of(now, ZoneInfo(ritual.tz))
    await _run_week(
        deps, client, ritual, week, now=now, grace=timedelta(days=8), report=report, force=True
    )
    return report


async def _run_week(
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
    """Decide what is due for one ritual week, fetching what the decision asks for, and do it."""
    state = await _load(deps, ritual, week)
    for _ in range(_MAX_ROUNDS):
        decision = decide(ritual, state, now=now, grace=grace, force=force)
        if not decision.needs:
            await _carry_out(deps, client, ritual, state, decision.actions, now=now, report=report)
            return
        for need in decision.needs:
            if isinstance(need, LookUpMembers):
                state = await _members(
                    deps,
                    client,
                    ritual,
                    state,
                    need,
                    now=now,
                    grace=grace,
                    force=force,
                    report=report,
                )
            else:
                state = await _fulfil(deps, client, ritual, state, need, now=now)
    raise RuntimeError(f"the decision for {ritual.id} {week} kept asking for more")


async def _members(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    state: WeekState,
    need: LookUpMembers,
    *,
    now: datetime,
    grace: timedelta,
    force: bool,
    report: RunReport,
) -> WeekState:
    """Look the members up, a batch at a time; each batch's sends go out before the next is read.

    Only sends are made for a partial audience (a stage is closed, a skip logged, only once
    everyone is known); the state is read again afterwards, so the final decision sees them.
    Someone Slack could not tell about is `unresolved`: decided on the next run.
    """
    members: dict[str, Member | None] = dict(state.members)
    partial = False
    async with aclosing(audience.find(deps, client, ritual.team_id, need.user_ids)) as batches:
        async for found in batches:
            members.update(dict.fromkeys(found.dropped))
            for person, profile in found.humans:
                members[person.user_id] = Member(
                    user_id=person.user_id,
                    zone=person.tz,
                    dm_prompts=profile.dm_prompts,
                    paused_until=profile.paused_until,
                )
            known = tuple(user for user in state.audience or () if user in members)
            if len(known) == len(state.audience or ()):
                break  # everyone is known: the caller decides for all at once
            early = decide(
                ritual,
                replace(state, audience=known, members=members),
                now=now,
                grace=grace,
                force=force,
            )
            sends = [a for a in early.actions if isinstance(a, SendPrompt | SendReminder)]
            if sends and not early.needs:
                partial = True
                await _carry_out(deps, client, ritual, state, sends, now=now, report=report)
    if partial:
        state = await _load(deps, ritual, state.week)
    unresolved = frozenset(user for user in need.user_ids if user not in members)
    if unresolved:
        log.warning(
            "people not known this run, asked again next run: ritual=%s week=%s count=%d",
            ritual.name,
            state.week,
            len(unresolved),
        )
    return replace(state, members=members, unresolved=state.unresolved | unresolved)


async def _load(deps: Deps, ritual: Ritual, week: WeekId) -> WeekState:
    """Read what the database knows about one occurrence."""
    async with deps.db.read() as conn:
        done = await repo.done_stages(conn, ritual.id, week)
        asked = await repo.occurrence_audience(conn, ritual.id, week)
        answered = (
            await repo.answered_users(conn, ritual.id, week) if ritual.has_reminder else set()
        )
        skipped = await repo.skipped_users(conn, ritual.id, week) if ritual.has_reminder else set()
        made = await sends.list_sends(conn, ritual.id, week)
        parts = (
            await digest_store.load_parts(conn, ritual.id, week)
            if ritual.digest_channel_id
            else None
        )
    return WeekState(
        week=week,
        done=done,
        audience=asked,
        answered=frozenset(answered),
        skipped=frozenset(skipped),
        sends={
            (send.kind, send.recipient): SendRecord(send.status, send.channel_id, send.ts)
            for send in made
        },
        digest_parts=len(parts) if parts is not None else None,
    )


async def _fulfil(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    state: WeekState,
    need: Need,
    *,
    now: datetime,
) -> WeekState:
    """Fetch one fact the decision asked for, and return the state with it."""
    if isinstance(need, StartOccurrence):
        resolved = await audience.audience_ids(client, ritual)
        async with deps.db.transaction() as conn:
            asked = await repo.ensure_occurrence(conn, ritual.id, need.week, resolved, now=now)
        return replace(state, audience=asked)
    digest, _sharers = await digests.gather(deps, ritual, need.week)
    return replace(state, digest_quiet=digest.quiet)


async def _carry_out(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    state: WeekState,
    actions: Sequence[Action],
    *,
    now: datetime,
    report: RunReport,
) -> None:
    """Do the actions in order; the sends of one stage go out together, before what follows."""
    batch: list[Outgoing] = []
    link: list[str | None] = []  # the channel prompt's permalink, fetched once when needed
    recall = await _next_tries(deps, ritual, actions)
    for action in actions:
        if isinstance(action, SendPrompt | SendReminder):
            if isinstance(action, SendPrompt):
                batch.append(_prompt(ritual, action, recall.get(action.recipient, "")))
            else:
                if action.link_to_channel_prompt and not link:
                    link.append(await _channel_prompt_link(client, ritual, state))
                batch.append(_reminder(ritual, action, link[0] if link else None))
            continue
        await _fan_out(deps, client, batch, report)
        recalled = bool(batch) and await _recall(
            deps, client, ritual, state.week, batch, now=now, report=report
        )
        batch = []
        if isinstance(action, LogSkipped):
            await _log_skipped(deps, ritual, action, now=now, report=report)
        elif isinstance(action, CloseStage):
            if action.stage is Stage.PROMPTS and not recalled:
                # A run that died between the channel prompt and its recalls resumes them here.
                await _recall(deps, client, ritual, state.week, (), now=now, report=report)
            await _close_stage(deps, ritual, action, now=now)
        elif isinstance(action, PostDigest):
            result = await digests.post_digest(deps, client, ritual, action.week)
            report.sent[SendKind.DIGEST] += result.posted
    await _fan_out(deps, client, batch, report)
    if batch:
        await _recall(deps, client, ritual, state.week, batch, now=now, report=report)


async def _recall(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    batch: Sequence[Outgoing],
    *,
    now: datetime,
    report: RunReport,
) -> bool:
    """After the channel's prompt (or before closing the prompts), recall next tries privately.

    Given the batch just sent, only when it held the channel's prompt; given none, always.
    True when it looked.
    """
    channel = ritual.prompt_channel_id
    if not channel:
        return False
    if batch and not any(o.kind is SendKind.PROMPT and o.recipient == channel for o in batch):
        return False
    report.sent[SendKind.NEXT_TRY] += await next_try_recall.recall_under_channel_prompt(
        deps, client, ritual, week, now=now
    )
    return True


async def _next_tries(deps: Deps, ritual: Ritual, actions: Sequence[Action]) -> dict[str, str]:
    """What each person prompted by DM said last week they would try next.

    Only DM prompts carry it (a prompt in a channel is read by everyone): the person's own words
    stay between them and the bot. Under a channel prompt it is shown to each person as an
    ephemeral instead (`services.next_try_recall`).
    """
    dms = [a for a in actions if isinstance(a, SendPrompt) and a.recipient.startswith(("U", "W"))]
    if not dms:
        return {}
    async with deps.db.read() as conn:
        return await experiments_repo.next_tries(
            conn, ritual.team_id, [a.recipient for a in dms], str(dms[0].week.previous())
        )


def _prompt(ritual: Ritual, action: SendPrompt, next_try: str = "") -> Outgoing:
    return Outgoing(
        kind=SendKind.PROMPT,
        ritual_id=ritual.id,
        week=action.week,
        recipient=action.recipient,
        channel=action.recipient,
        blocks=prompt_blocks(ritual, str(action.week), next_try=next_try),
        text=prompt_text(ritual),
    )


def _reminder(ritual: Ritual, action: SendReminder, link: str | None) -> Outgoing:
    """Nudge by DM: under the person's own prompt, or pointing at the channel's."""
    return Outgoing(
        kind=SendKind.REMINDER,
        ritual_id=ritual.id,
        week=action.week,
        recipient=action.user_id,
        channel=action.channel,
        blocks=reminder_blocks(
            ritual, str(action.week), thread_link=link if action.link_to_channel_prompt else None
        ),
        text=reminder_text(ritual),
        thread_ts=action.thread_ts,
    )


async def _fan_out(
    deps: Deps, client: AsyncWebClient, batch: Sequence[Outgoing], report: RunReport
) -> None:
    """Deliver the messages (each claimed first), a few at a time, counting what this run posted."""
    if not batch:
        return
    gate = asyncio.Semaphore(FANOUT_CONCURRENCY)

    async def one(out: Outgoing) -> None:
        async with gate:
            if await deliver(deps, client, out) is not None:
                report.sent[out.kind] += 1

    await asyncio.gather(*(one(out) for out in batch))


async def _log_skipped(
    deps: Deps, ritual: Ritual, action: LogSkipped, *, now: datetime, report: RunReport
) -> None:
    """Record a send deliberately not made; the first time, count it and say so in the log."""
    async with deps.db.transaction() as conn:
        first = await sends.record_skipped(
            conn,
            kind=action.kind,
            ritual_id=ritual.id,
            week=action.week,
            recipient=action.recipient,
            reason=action.reason,
            now=now,
        )
    if not first:
        return
    report.skipped_late += action.reason == TOO_LATE
    log.warning(
        "%s skipped: reason=%s due %s ritual=%s week=%s%s",
        action.kind,
        action.reason,
        action.due_at,
        ritual.name,
        action.week,
        "" if action.recipient == EVERYONE else f" recipient={action.recipient}",
    )


async def _close_stage(deps: Deps, ritual: Ritual, action: CloseStage, *, now: datetime) -> None:
    """Mark a stage done, once no send of it is unfinished (unless told to at once)."""
    if action.when_settled and deps.inflight.draining:
        return  # a run cut short by shutdown claimed not everyone
    async with deps.db.transaction() as conn:
        if action.when_settled:
            made = await sends.list_sends(conn, ritual.id, action.week, _STAGE_KIND[action.stage])
            if not settled(send.status for send in made):
                return
        await repo.mark_stage_done(conn, ritual.id, action.week, action.stage, now=now)


async def _channel_prompt_link(
    client: AsyncWebClient, ritual: Ritual, state: WeekState
) -> str | None:
    """The permalink of the week's prompt in the channel, if it is in Slack."""
    record = state.send(SendKind.PROMPT, ritual.prompt_channel_id or "")
    if record is None or not record.channel_id or not record.ts:
        return None
    try:
        response = await client.chat_getPermalink(channel=record.channel_id, message_ts=record.ts)
    except SlackApiError as exc:
        log.info("no permalink channel=%s error=%s", record.channel_id, exc.response.get("error"))
        return None
    return str(response.get("permalink") or "") or None
