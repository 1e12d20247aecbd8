"""What is due for one ritual week at a moment: a pure decision, with no I/O and no clock.

`decide(ritual, state, now=, grace=)` reads what the database and Slack said about one
occurrence (`WeekState`) and returns what to do, as typed actions. A thin executor
(`services.ritual_runs`) gathers the state, calls it, and carries the actions out. When the
decision needs a fact not gathered yet it asks for it (`StartOccurrence`, `LookUpMembers`,
`CheckQuiet`) and nothing else; the executor fetches it and decides again.

Rules (docs/scheduling.md):
- Each moment is a local wall-clock time resolved by `core.schedule.resolve_local` (gaps one
  gap later, overlaps at the first); per person in their own zone when the ritual says so
  (an unknown zone falls back to the ritual's), else in the ritual's zone. A person Slack could
  not tell about this run (`WeekState.unresolved`) gets nothing decided: their stage stays open
  and the next run asks again.
- A moment not reached yet is pending (its stage stays open); one passed less than `grace` ago
  is due; an older one is logged as skipped, once, and never sent. A stage whose moment is past
  the grace in every zone (UTC+14 to UTC-12) is settled without looking anyone up. Moments before the ritual
  was created are not owed at all. `force` (prompt-now) sends the prompts at once.
- Prompts: the week starts (its audience is fixed) at the first moment anyone is due. The
  channel gets its prompt at the ritual's moment; each member in the audience by DM at theirs,
  unless they turned DMs off or paused through that local day.
- Reminders: by DM, once, to members who neither answered nor skipped, at their reminder
  moment, and only after a prompt reached them (their own DM, else the channel's post): under
  their own prompt when there is one, else with a link to the channel's.
- The digest: once, at its moment in the ritual's zone (never before the week's prompt moment
  there); skipped when too late, or when quiet and the ritual does not post quiet weeks.
- A stage closes once none of its moments is still to come; the executor closes it only when
  its sends are settled too (`settled`), and not while shutting down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.occurrence import (
    SETTLED,
    UNFINISHED,
    Member,
    SendKind,
    SendStatus,
    Stage,
    WeekState,
)
from core.rituals import Ritual
from core.schedule import classify_missed, resolve_local
from core.weeks import WeekId

EARLIEST_ZONE = ZoneInfo("Pacific/Kiritimati")  # UTC+14: nobody's local time is ahead of it
LATEST_ZONE = ZoneInfo("Etc/GMT+12")  # UTC-12: nobody's local time is behind it
EVERYONE = "*"  # the recipient of a skip that stands for a whole stage
TOO_LATE = "too_late"
QUIET_WEEK = "quiet_week"


# Requests for facts the decision needs: the executor fetches them and decides again.


@dataclass(frozen=True)
class StartOccurrence:
    """Resolve the ritual's audience now and record it as the week's (first writer wins)."""

    week: WeekId


@dataclass(frozen=True)
class LookUpMembers:
    """Look these people up (zone, profile, deactivated) before deciding about them."""

    week: WeekId
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class CheckQuiet:
    """Gather the week's digest to tell whether it is quiet."""

    week: WeekId


# What to do.


@dataclass(frozen=True)
class SendPrompt:
    week: WeekId
    recipient: str  # the channel id, or the user id for a DM
    due_at: datetime


@dataclass(frozen=True)
class SendReminder:
    week: WeekId
    user_id: str
    due_at: datetime
    channel: str  # where to post: the DM's channel when threaded, else the user id
    thread_ts: str | None  # under the person's own prompt, when it is in Slack
    link_to_channel_prompt: bool  # not threaded: point at the channel's prompt instead


@dataclass(frozen=True)
class PostDigest:
    week: WeekId
    due_at: datetime


@dataclass(frozen=True)
class LogSkipped:
    """Record (and log, the first time) a send deliberately not made."""

    week: WeekId
    kind: SendKind
    recipient: str  # a user or channel id, `<channel>#1` for a digest, EVERYONE for a stage
    reason: str
    due_at: datetime


@dataclass(frozen=True)
class CloseStage:
    """Record the stage as done: once its sends are settled, or at once (`when_settled` False)."""

    week: WeekId
    stage: Stage
    when_settled: bool = True


Need = StartOccurrence | LookUpMembers | CheckQuiet
Action = SendPrompt | SendReminder | PostDigest | LogSkipped | CloseStage
_NEEDS = (StartOccurrence, LookUpMembers, CheckQuiet)


@dataclass(frozen=True)
class Decision:
    """Either facts still needed (then no actions), or the actions, in the order to take them."""

    needs: tuple[Need, ...] = ()
    actions: tuple[Action, ...] = ()


def decide(
    ritual: Ritual,
    state: WeekState,
    *,
    now: datetime,
    grace: timedelta,
    force: bool = False,
) -> Decision:
    """Decide what is due for this week by `now`.

    Actions come in order: prompts, reminders, digest. `force` (prompt-now) sends the week's
    prompts at once and decides nothing else.
    """
    if ritual.paused and not force:
        return Decision()
    found = _prompts(ritual, state, now=now, grace=grace, force=force)
    if not force:
        found += _reminders(ritual, state, now=now, grace=grace)
        found += _digest(ritual, state, now=now, grace=grace)
    needs = tuple(item for item in found if isinstance(item, _NEEDS))
    if needs:
        return Decision(needs=needs)
    return Decision(actions=tuple(item for item in found if not isinstance(item, _NEEDS)))


def opens_at(ritual: Ritual, week: WeekId) -> datetime:
    """The first moment anything of that week could be due (before it, nothing is to read)."""
    first = EARLIEST_ZONE if ritual.per_person_tz else ZoneInfo(ritual.tz)
    moments = [moment(week, ritual.weekday, ritual.at, first)]
    if ritual.reminder_weekday is not None and ritual.reminder_at is not None:
        moments.append(moment(week, ritual.reminder_weekday, ritual.reminder_at, first))
    return min(moments)  # the digest is never before the prompt


def settled(statuses: Iterable[SendStatus]) -> bool:
    """Tell whether none of a stage's sends is still unfinished (claimed, or waiting to retry)."""
    return not any(status in UNFINISHED for status in statuses)


def moment(week: WeekId, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a weekday and local time in a week, in a zone."""
    return resolve_local(week.date_of(weekday), at, zone)


def _zone(ritual: Ritual, member: Member | None = None) -> ZoneInfo:
    if ritual.per_person_tz and member is not None and member.zone is not None:
        return member.zone
    return ZoneInfo(ritual.tz)


def _before_creation(ritual: Ritual, instant: datetime) -> bool:
    return ritual.created_at is not None and instant < ritual.created_at


def _missing(state: WeekState, user_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(
        user for user in user_ids if user not in state.members and user not in state.unresolved
    )


def _prompts(
    ritual: Ritual, state: WeekState, *, now: datetime, grace: timedelta, force: bool
) -> list[Need | Action]:
    week = state.week
    if Stage.PROMPTS in state.done:
        return []
    zone = ZoneInfo(ritual.tz)
    fixed = moment(week, ritual.weekday, ritual.at, zone)
    earliest = moment(
        week, ritual.weekday, ritual.at, EARLIEST_ZONE if ritual.per_person_tz else zone
    )
    if not force and now < earliest:
        return []
    if not force and not ritual.per_person_tz:
        if _before_creation(ritual, fixed):
            return []
        if classify_missed(fixed, now=now, grace=grace) == "too_late":
            late: list[Need | Action] = []
            if state.send(SendKind.PROMPT, EVERYONE) is None:
                late.append(LogSkipped(week, SendKind.PROMPT, EVERYONE, TOO_LATE, fixed))
            if state.audience is not None:
                late.append(CloseStage(week, Stage.PROMPTS, when_settled=False))
            return late
    if not force and ritual.per_person_tz:
        latest = moment(week, ritual.weekday, ritual.at, LATEST_ZONE)
        if classify_missed(latest, now=now, grace=grace) == "too_late":
            if _before_creation(ritual, latest):  # nothing of this week was ever owed
                return [CloseStage(week, Stage.PROMPTS)] if state.audience is not None else []
            due = latest if _before_creation(ritual, fixed) else fixed
            return _wholly_past(ritual, state, due)
    if state.audience is None:
        return [StartOccurrence(week)]
    actions: list[Need | Action] = []
    pending = False
    channel = ritual.prompt_channel_id
    if channel:
        if not force and now < fixed:
            pending = True  # per-person mode: the channel's moment is still to come
        elif force or not _before_creation(ritual, fixed):
            actions += _one_prompt(state, channel, fixed, now=now, grace=grace, force=force)
    if ritual.dm:
        missing = _missing(state, state.audience)
        if missing:
            return [LookUpMembers(week, missing)]
        for user in state.audience:
            if user in state.unresolved:
                pending = True  # not known this run: decided on a later run, never guessed
                continue
            member = state.members[user]
            if member is None:
                continue
            zone = _zone(ritual, member)
            instant = moment(week, ritual.weekday, ritual.at, zone)
            if not force and _before_creation(ritual, instant):
                continue
            if not force and instant > now:
                pending = True
                continue
            if not member.dm_prompts or member.paused_on(instant.astimezone(zone).date()):
                continue
            actions += _one_prompt(state, user, instant, now=now, grace=grace, force=force)
    if not pending:
        actions.append(CloseStage(week, Stage.PROMPTS))
    return actions


def _wholly_past(ritual: Ritual, state: WeekState, due: datetime) -> list[Need | Action]:
    """Every zone's moment is past the grace: skip what was not sent, with no lookups at all."""
    week = state.week
    recipients = [ritual.prompt_channel_id] if ritual.prompt_channel_id else []
    recipients += list(state.audience or ()) if ritual.dm else []
    late: list[Need | Action] = []
    unsent = state.audience is None or any(
        state.send(SendKind.PROMPT, r) is None for r in recipients
    )
    if unsent and state.send(SendKind.PROMPT, EVERYONE) is None:
        late.append(LogSkipped(week, SendKind.PROMPT, EVERYONE, TOO_LATE, due))
    if state.audience is not None:
        late.append(CloseStage(week, Stage.PROMPTS, when_settled=False))
    return late


def _one_prompt(
    state: WeekState,
    recipient: str,
    instant: datetime,
    *,
    now: datetime,
    grace: timedelta,
    force: bool,
) -> list[Need | Action]:
    """The prompt to one channel or person whose moment has come: send it, or skip it as late."""
    record = state.send(SendKind.PROMPT, recipient)
    if not force and classify_missed(instant, now=now, grace=grace) == "too_late":
        if record is None:
            return [LogSkipped(state.week, SendKind.PROMPT, recipient, TOO_LATE, instant)]
        return []
    if record is not None and record.status in SETTLED:
        return []
    return [SendPrompt(state.week, recipient, instant)]


def _reminders(
    ritual: Ritual, state: WeekState, *, now: datetime, grace: timedelta
) -> list[Need | Action]:
    week = state.week
    if ritual.reminder_weekday is None or ritual.reminder_at is None:
        return []
    if Stage.REMINDERS in state.done or state.audience is None:
        return []  # done, or nobody was asked this week, so nobody is reminded
    weekday, at = ritual.reminder_weekday, ritual.reminder_at
    earliest = moment(
        week, weekday, at, EARLIEST_ZONE if ritual.per_person_tz else ZoneInfo(ritual.tz)
    )
    if now < earliest:
        return []
    latest = moment(week, weekday, at, LATEST_ZONE if ritual.per_person_tz else ZoneInfo(ritual.tz))
    if classify_missed(latest, now=now, grace=grace) == "too_late":
        return [CloseStage(week, Stage.REMINDERS)]  # every moment past: nobody to look up
    to_remind = [
        user for user in state.audience if user not in state.answered and user not in state.skipped
    ]
    missing = _missing(state, to_remind)
    if missing:
        return [LookUpMembers(week, missing)]
    channel = state.send(SendKind.PROMPT, ritual.prompt_channel_id or "")
    channel_sent = channel is not None and channel.status is SendStatus.SENT
    actions: list[Need | Action] = []
    pending = False
    for user in to_remind:
        if user in state.unresolved:
            pending = True
            continue
        member = state.members[user]
        if member is None:
            continue
        zone = _zone(ritual, member)
        instant = moment(week, weekday, at, zone)
        if _before_creation(ritual, instant):
            continue
        when = classify_missed(instant, now=now, grace=grace)
        if when == "future":
            pending = True
            continue
        if when == "too_late" or not member.dm_prompts:
            continue
        if member.paused_on(instant.astimezone(zone).date()):
            continue
        own = state.send(SendKind.PROMPT, user)
        if (own is not None and own.status in UNFINISHED) or (
            own is None and ritual.dm and Stage.PROMPTS not in state.done
        ):
            pending = True  # their own prompt may still come: the reminder waits for it
            continue
        threaded = own is not None and own.status is SendStatus.SENT
        if not threaded and not channel_sent:
            continue  # no prompt reached them this week: nothing to be reminded of
        record = state.send(SendKind.REMINDER, user)
        if record is not None and record.status in SETTLED:
            continue
        in_thread = own.ts if own is not None and threaded else None
        actions.append(
            SendReminder(
                week,
                user,
                instant,
                channel=own.channel_id
                if own is not None and in_thread and own.channel_id
                else user,
                thread_ts=in_thread,
                link_to_channel_prompt=in_thread is None,
            )
        )
    if not pending:
        actions.append(CloseStage(week, Stage.REMINDERS))
    return actions


def _digest(
    ritual: Ritual, state: WeekState, *, now: datetime, grace: timedelta
) -> list[Need | Action]:
    week = state.week
    channel = ritual.digest_channel_id
    if not channel:
        return []
    zone = ZoneInfo(ritual.tz)
    # Never before the week's prompt, even when set earlier in the week than the prompt.
    instant = max(
        moment(week, ritual.digest_weekday, ritual.digest_at, zone),
        moment(week, ritual.weekday, ritual.at, zone),
    )
    when = classify_missed(instant, now=now, grace=grace)
    if when == "future" or _before_creation(ritual, instant):
        return []
    main = f"{channel}#1"
    first = state.send(SendKind.DIGEST, main)
    if first is not None and first.status in SETTLED:
        if first.status is not SendStatus.SENT:
            return []  # skipped, or failed for good (the admins were told)
        posted = sum(
            1
            for (kind, _), record in state.sends.items()
            if kind is SendKind.DIGEST and record.status is SendStatus.SENT
        )
        if state.digest_parts is not None and posted >= state.digest_parts:
            return []  # every part is in Slack
    if when == "too_late":
        if first is None:
            return [LogSkipped(week, SendKind.DIGEST, main, TOO_LATE, instant)]
        return []
    if not ritual.quiet_week_post and first is None:
        if state.digest_quiet is None:
            return [CheckQuiet(week)]
        if state.digest_quiet:
            return [LogSkipped(week, SendKind.DIGEST, main, QUIET_WEEK, instant)]
    return [PostDigest(week, instant)]
