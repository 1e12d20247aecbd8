"""What is due: over many generated rituals, zones, daylight-saving changes and moments, each
person is prompted once per week at their own local time, within the grace, and so on."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.due import (
    EVERYONE,
    Action,
    CheckQuiet,
    CloseStage,
    Decision,
    LogSkipped,
    LookUpMembers,
    PostDigest,
    SendPrompt,
    SendReminder,
    StartOccurrence,
    decide,
    opens_at,
)
from core.occurrence import Member, SendKind, SendRecord, SendStatus, Stage, WeekState
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday, resolve_local
from core.weeks import WeekId

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",  # a half-hour daylight-saving change
        "Pacific/Chatham",  # UTC+12:45 / +13:45
        "UTC",
    )
]
# Times that fall in or next to a change somewhere: 02:00-03:00 is a gap or overlap in many zones.
TIMES = [time(9), time(2, 30), time(1, 30), time(2, 0), time(23, 45), time(0, 15), time(14)]
# Weeks around the 2026 changes (Europe 29 Mar / 25 Oct, US 8 Mar / 1 Nov, Lord Howe 5 Apr /
# 4 Oct, Chatham 5 Apr / 27 Sep), and a quiet one.
STARTS = [
    date(2026, m, d)
    for m, d in ((3, 2), (3, 23), (3, 30), (9, 21), (9, 28), (10, 19), (10, 26), (6, 8))
]
GRACE = timedelta(hours=6)
CHANNEL, DIGEST = "C0LEADERS", "C0DIGEST"


@dataclass
class Sent:
    kind: SendKind
    week: WeekId
    recipient: str
    at: datetime  # the run that sent it
    due_at: datetime


@dataclass
class World:
    """A tiny stand-in for the database and Slack, driven only by the decision's actions."""

    ritual: Ritual
    members: dict[str, Member | None]
    quiet: bool
    states: dict[WeekId, WeekState] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    skips: list[LogSkipped] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    ts: int = 0

    def state(self, week: WeekId) -> WeekState:
        return self.states.setdefault(week, WeekState(week=week))

    def run(self, now: datetime, *, force: bool = False) -> None:
        """One scheduled run, as the executor does it, with everything it sends succeeding."""
        current = WeekId.of(now, ZoneInfo(self.ritual.tz))
        weeks = [current] if force else [current.previous(), current, current.next()]
        for week in weeks:
            if not force and now < opens_at(self.ritual, week):
                continue
            decision = self.decide(week, now, force=force)
            for action in decision.actions:
                self.apply(action, now)

    def decide(self, week: WeekId, now: datetime, *, force: bool = False) -> Decision:
        for _ in range(4):
            decision = decide(self.ritual, self.state(week), now=now, grace=GRACE, force=force)
            if not decision.needs:
                return decision
            for need in decision.needs:
                state = self.state(week)
                if isinstance(need, StartOccurrence):
                    self.states[week] = replace(state, audience=tuple(self.members))
                elif isinstance(need, LookUpMembers):
                    found = {user: self.members[user] for user in need.user_ids}
                    self.states[week] = replace(state, members={**state.members, **found})
                else:
                    assert isinstance(need, CheckQuiet)
                    self.states[week] = replace(state, digest_quiet=self.quiet)
        raise AssertionError("the decision kept asking")

    def record(self, kind: SendKind, week: WeekId, recipient: str, status: SendStatus) -> None:
        state = self.state(week)
        self.ts += 1
        record = SendRecord(status, channel_id=f"D{recipient}", ts=f"{self.ts}.0")
        self.states[week] = replace(state, sends={**state.sends, (kind, recipient): record})

    def apply(self, action: Action, now: datetime) -> None:
        week = action.week
        if isinstance(action, SendPrompt | SendReminder):
            kind = SendKind.PROMPT if isinstance(action, SendPrompt) else SendKind.REMINDER
            who = action.recipient if isinstance(action, SendPrompt) else action.user_id
            self.sent.append(Sent(kind, week, who, now, action.due_at))
            self.record(kind, week, who, SendStatus.SENT)
            if isinstance(action, SendPrompt) and who != CHANNEL:
                roll = self.rng.random()  # some answer at once, some skip the week
                state = self.state(week)
                if roll < 0.3:
                    self.states[week] = replace(state, answered=state.answered | {who})
                elif roll < 0.4:
                    self.states[week] = replace(state, skipped=state.skipped | {who})
        elif isinstance(action, PostDigest):
            self.sent.append(Sent(SendKind.DIGEST, week, DIGEST, now, action.due_at))
            for part in (1, 2):
                self.record(SendKind.DIGEST, week, f"{DIGEST}#{part}", SendStatus.SENT)
            self.states[week] = replace(self.state(week), digest_parts=2)
        elif isinstance(action, LogSkipped):
            if self.state(week).send(action.kind, action.recipient) is None:
                self.skips.append(action)
                self.record(action.kind, week, action.recipient, SendStatus.SKIPPED)
        else:
            assert isinstance(action, CloseStage)
            state = self.state(week)
            self.states[week] = replace(state, done=state.done | {action.stage})


def generate(rng: random.Random) -> tuple[World, datetime, list[datetime]]:
    """A random ritual and audience, and the moments a bot (sometimes down for hours) runs."""
    ritual_zone = rng.choice(ZONES)
    start = datetime.combine(rng.choice(STARTS), time(0), tzinfo=UTC) + timedelta(
        minutes=rng.randrange(0, 7 * 24 * 60)
    )
    has_reminder = rng.random() < 0.7
    dm = rng.random() < 0.8
    ritual = Ritual(
        id="r1",
        team_id="T1",
        name="Leaders",
        audience_kind=AudienceKind.USERS,
        audience=(),
        weekday=Weekday(rng.randrange(7)),
        at=rng.choice(TIMES),
        tz=str(ritual_zone),
        prompt_channel_id=CHANNEL if (not dm or rng.random() < 0.6) else None,
        dm=dm,
        per_person_tz=rng.random() < 0.6,
        reminder_weekday=Weekday(rng.randrange(7)) if has_reminder else None,
        reminder_at=rng.choice(TIMES) if has_reminder else None,
        digest_channel_id=DIGEST if rng.random() < 0.8 else None,
        digest_weekday=Weekday(rng.randrange(7)),
        digest_at=rng.choice(TIMES),
        quiet_week_post=rng.random() < 0.5,
        created_at=start + timedelta(hours=rng.randrange(0, 72)),
    )
    members: dict[str, Member | None] = {}
    for n in range(rng.randrange(1, 7)):
        user = f"U{n}"
        roll = rng.random()
        if roll < 0.08:
            members[user] = None  # deactivated, or a bot
            continue
        members[user] = Member(
            user_id=user,
            zone=None if roll < 0.15 else rng.choice(ZONES),
            dm_prompts=rng.random() < 0.9,
            paused_until=start.date() + timedelta(days=rng.randrange(0, 14))
            if rng.random() < 0.25
            else None,
        )
    ticks, now = [], start
    end = start + timedelta(weeks=3)
    while now < end:
        ticks.append(now)
        if rng.random() < 0.05:
            now += timedelta(hours=rng.uniform(3, 12))  # down for a while
        else:
            now += timedelta(minutes=rng.choice((1, 7, 30, 45, 90)))
    world = World(ritual=ritual, members=members, quiet=rng.random() < 0.5, rng=rng)
    return world, end, ticks


def zone_of(ritual: Ritual, member: Member | None) -> ZoneInfo:
    if ritual.per_person_tz and member is not None and member.zone is not None:
        return member.zone
    return ZoneInfo(ritual.tz)


def first_local(instant: datetime, day: date, at: time, zone: ZoneInfo) -> None:
    """The instant reads `at` on `day` there, the first time it does; or just after a gap."""
    local = instant.astimezone(zone)
    assert local.date() == day
    if local.time() == at:
        for back in (timedelta(minutes=30), timedelta(hours=1)):
            earlier = (instant - back).astimezone(zone)
            assert (earlier.date(), earlier.time()) != (day, at), "not the first of two"
    else:  # `at` does not exist that day: sent once, the gap's length later by the wall clock
        assert local.time() > at
        naive = datetime.combine(day, at)
        roundtrip = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        assert roundtrip.replace(tzinfo=None) != naive


def prompt_moment(ritual: Ritual, week: WeekId, zone: ZoneInfo) -> datetime:
    return resolve_local(week.date_of(ritual.weekday), ritual.at, zone)


@pytest.mark.parametrize("seed", range(60))
def test_every_generated_schedule_keeps_the_rules(seed: int) -> None:
    """Prompted once per week at local time within grace; reminders after prompts; one digest."""
    rng = random.Random(seed)
    world, end, ticks = generate(rng)
    ritual = world.ritual
    for now in ticks:
        world.run(now)
    created = ritual.created_at
    assert created is not None

    # Nothing is owed for moments before the ritual existed; nothing goes out before its
    # moment, nor after the grace.
    for sent in world.sent:
        assert sent.due_at >= created, sent
        assert sent.due_at <= sent.at <= sent.due_at + GRACE, sent
    for skip in world.skips:
        assert skip.due_at >= created, skip

    counts = Counter((s.kind, s.week, s.recipient) for s in world.sent)
    assert max(counts.values(), default=1) == 1  # nothing twice

    for sent in world.sent:
        member = world.members.get(sent.recipient)
        if sent.kind is SendKind.PROMPT and sent.recipient != CHANNEL:
            assert ritual.dm
            assert member is not None
            zone = zone_of(ritual, member)
            day = sent.week.date_of(ritual.weekday)
            first_local(sent.due_at, day, ritual.at, zone)
            assert member.dm_prompts
            assert not member.paused_on(sent.due_at.astimezone(zone).date())
        if sent.kind is SendKind.PROMPT and sent.recipient == CHANNEL:
            first_local(
                sent.due_at, sent.week.date_of(ritual.weekday), ritual.at, ZoneInfo(ritual.tz)
            )
        if sent.kind is SendKind.REMINDER:
            assert member is not None
            assert member.dm_prompts
            assert ritual.reminder_weekday is not None
            assert ritual.reminder_at is not None
            zone = zone_of(ritual, member)
            first_local(
                sent.due_at, sent.week.date_of(ritual.reminder_weekday), ritual.reminder_at, zone
            )
            assert not member.paused_on(sent.due_at.astimezone(zone).date())
            state = world.state(sent.week)
            assert sent.recipient not in state.skipped
            prompts = [
                p.at
                for p in world.sent
                if p.kind is SendKind.PROMPT
                and p.week == sent.week
                and p.recipient in (sent.recipient, CHANNEL)
            ]
            assert prompts, "a reminder with no prompt"
            assert min(prompts) <= sent.at, "a reminder before its prompt"
        if sent.kind is SendKind.DIGEST:
            assert sent.at >= prompt_moment(ritual, sent.week, ZoneInfo(ritual.tz))
            assert all(
                p.at <= sent.at
                for p in world.sent
                if p.kind is SendKind.PROMPT and p.week == sent.week and p.recipient == CHANNEL
            )

    # Exactly once: whoever should be asked, and had a run within their window, was asked.
    for week in {WeekId.of(t, ZoneInfo(ritual.tz)) for t in ticks}:
        if not ritual.dm:
            break
        for user, member in world.members.items():
            if member is None or not member.dm_prompts:
                continue
            zone = zone_of(ritual, member)
            instant = prompt_moment(ritual, week, zone)
            if instant < created or member.paused_on(instant.astimezone(zone).date()):
                continue
            if instant + GRACE > end:
                continue  # its window is not over when the simulation ends
            visited = any(instant <= t <= instant + GRACE for t in ticks)
            asked = counts[(SendKind.PROMPT, week, user)]
            assert asked == (1 if visited else 0), (user, week, instant)
            if not visited and any(t > instant + GRACE for t in ticks):
                late = {s.recipient for s in world.skips if s.week == week}
                assert user in late or EVERYONE in late, (user, week)


def test_a_zone_half_an_hour_off_across_its_change() -> None:
    """Lord Howe moves by 30 minutes on 5 April 2026: Monday 09:00 there stays 09:00 local."""
    ritual = a_ritual(per_person_tz=True, dm=True, prompt_channel_id=None)
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    for text, utc in (("2026-W14", time(22, 0)), ("2026-W15", time(22, 30))):
        week = WeekId.parse(text)
        state = WeekState(week=week, audience=("U1",), members={"U1": Member("U1", zone=lord_howe)})
        due = resolve_local(week.date_of(Weekday.MON), time(9), lord_howe)
        assert due.time() == utc
        assert sends_to(decide(ritual, state, now=due - timedelta(seconds=1), grace=GRACE)) == []
        assert sends_to(decide(ritual, state, now=due, grace=GRACE)) == ["U1"]


def test_chatham_is_asked_first_and_new_york_last() -> None:
    """In local-time mode Chatham's 09:00 (UTC+13:45) comes a day before New York's."""
    ritual = a_ritual(per_person_tz=True, dm=True, prompt_channel_id=None)
    week = WeekId.parse("2026-W48")
    members = {
        "UCHATHAM": Member("UCHATHAM", zone=ZoneInfo("Pacific/Chatham")),
        "UNEWYORK": Member("UNEWYORK", zone=ZoneInfo("America/New_York")),
        "UKOLKATA": Member("UKOLKATA", zone=ZoneInfo("Asia/Kolkata")),
    }
    state = WeekState(week=week, audience=tuple(members), members=members)
    sunday_late = datetime(2026, 11, 22, 19, 15, tzinfo=UTC)  # Monday 09:00 in Chatham
    assert sends_to(decide(ritual, state, now=sunday_late, grace=GRACE)) == ["UCHATHAM"]
    monday = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # 09:00 in Kolkata
    assert sends_to(decide(ritual, state, now=monday, grace=GRACE)) == ["UKOLKATA"]
    decision = decide(ritual, state, now=datetime(2026, 11, 23, 14, tzinfo=UTC), grace=GRACE)
    assert sends_to(decision) == ["UNEWYORK"]  # Chatham's and Kolkata's are past the grace
    assert CloseStage(week, Stage.PROMPTS) in decision.actions


def test_the_decision_asks_for_what_it_needs_first() -> None:
    """A week not started asks for its audience; then for its people; then it acts."""
    ritual = a_ritual(dm=True)
    week = WeekId.parse("2026-W48")
    now = datetime(2026, 11, 23, 8, tzinfo=UTC)  # Monday 09:00 Berlin
    assert decide(ritual, WeekState(week=week), now=now, grace=GRACE).needs == (
        StartOccurrence(week),
    )
    started = WeekState(week=week, audience=("U1", "U2"))
    assert decide(ritual, started, now=now, grace=GRACE).needs == (
        LookUpMembers(week, ("U1", "U2")),
    )
    known = replace(started, members={"U1": Member("U1"), "U2": None})
    decision = decide(ritual, known, now=now, grace=GRACE)
    assert decision.needs == ()
    assert decision.actions == (
        SendPrompt(week, CHANNEL, now),
        SendPrompt(week, "U1", now),
        CloseStage(week, Stage.PROMPTS),
    )


def test_a_prompt_already_sent_is_not_sent_again_and_a_claimed_one_is_retried() -> None:
    """Settled sends are left alone; a claimed or retrying one goes back to `deliver`."""
    ritual = a_ritual(dm=True, prompt_channel_id=None)
    week = WeekId.parse("2026-W48")
    now = datetime(2026, 11, 23, 8, tzinfo=UTC)
    state = WeekState(
        week=week,
        audience=("U1", "U2", "U3"),
        members={user: Member(user) for user in ("U1", "U2", "U3")},
        sends={
            (SendKind.PROMPT, "U1"): SendRecord(SendStatus.SENT, "D1", "1.0"),
            (SendKind.PROMPT, "U2"): SendRecord(SendStatus.RETRY),
            (SendKind.PROMPT, "U3"): SendRecord(SendStatus.FAILED),
        },
    )
    assert sends_to(decide(ritual, state, now=now, grace=GRACE)) == ["U2"]


def test_too_late_is_skipped_once_and_closes_a_started_week() -> None:
    """Seven hours after the moment (grace six): logged as skipped for everyone, never sent."""
    ritual = a_ritual(dm=True)
    week = WeekId.parse("2026-W48")
    late = datetime(2026, 11, 23, 15, tzinfo=UTC)
    due = datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert decide(ritual, WeekState(week=week), now=late, grace=GRACE).actions == (
        LogSkipped(week, SendKind.PROMPT, EVERYONE, "too_late", due),
    )
    started = WeekState(week=week, audience=("U1",))
    assert decide(ritual, started, now=late, grace=GRACE).actions == (
        LogSkipped(week, SendKind.PROMPT, EVERYONE, "too_late", due),
        CloseStage(week, Stage.PROMPTS, when_settled=False),
    )


def test_a_paused_ritual_decides_nothing_but_prompt_now_still_asks() -> None:
    """A paused ritual is silent; `prompt-now` (force) asks at once, before the moment."""
    ritual = a_ritual(dm=False, paused=True)
    week = WeekId.parse("2026-W48")
    sunday = datetime(2026, 11, 22, 12, tzinfo=UTC)
    state = WeekState(week=week, audience=("U1",))
    assert decide(ritual, state, now=sunday, grace=GRACE) == Decision()
    forced = decide(ritual, state, now=sunday, grace=GRACE, force=True)
    assert sends_to(forced) == [CHANNEL]


def test_reminder_waits_for_the_persons_own_prompt_and_threads_under_it() -> None:
    """Wednesday 14:00: under Alice's own prompt; Bob answered; Chen's prompt is still retrying."""
    ritual = a_ritual(dm=True, reminder_weekday=Weekday.WED, reminder_at=time(14))
    week = WeekId.parse("2026-W48")
    wednesday = datetime(2026, 11, 25, 13, tzinfo=UTC)
    people = ("UALICE", "UBOB", "UCHEN")
    state = WeekState(
        week=week,
        done=frozenset({Stage.PROMPTS}),
        audience=people,
        members={user: Member(user) for user in people},
        answered=frozenset({"UBOB"}),
        sends={
            (SendKind.PROMPT, CHANNEL): SendRecord(SendStatus.SENT, CHANNEL, "1.0"),
            (SendKind.PROMPT, "UALICE"): SendRecord(SendStatus.SENT, "DALICE", "2.0"),
            (SendKind.PROMPT, "UCHEN"): SendRecord(SendStatus.RETRY),
        },
    )
    decision = decide(ritual, state, now=wednesday, grace=GRACE)
    assert decision.actions == (
        SendReminder(
            week,
            "UALICE",
            wednesday,
            channel="DALICE",
            thread_ts="2.0",
            link_to_channel_prompt=False,
        ),
    )  # no CloseStage: Chen's reminder waits for Chen's prompt


def test_digest_once_then_nothing_and_a_quiet_week_is_skipped_when_asked_to() -> None:
    """At Friday 16:00 the digest is posted; once every part is in Slack, nothing more."""
    ritual = a_ritual(quiet_week_post=False)
    week = WeekId.parse("2026-W48")
    friday = datetime(2026, 11, 27, 15, tzinfo=UTC)
    state = WeekState(week=week, done=frozenset({Stage.PROMPTS}), audience=("U1",))
    assert decide(ritual, state, now=friday, grace=GRACE).needs == (CheckQuiet(week),)
    assert decide(ritual, replace(state, digest_quiet=False), now=friday, grace=GRACE).actions == (
        PostDigest(week, friday),
    )
    assert decide(ritual, replace(state, digest_quiet=True), now=friday, grace=GRACE).actions == (
        LogSkipped(week, SendKind.DIGEST, f"{DIGEST}#1", "quiet_week", friday),
    )
    sent = SendRecord(SendStatus.SENT, DIGEST, "1.0")
    posted = replace(
        state,
        digest_parts=2,
        sends={(SendKind.DIGEST, f"{DIGEST}#1"): sent, (SendKind.DIGEST, f"{DIGEST}#2"): sent},
    )
    assert decide(ritual, posted, now=friday, grace=GRACE).actions == ()
    # A notice to an admin is not a part: with one part of two out, the rest is still due.
    half = replace(
        posted,
        sends={
            (SendKind.DIGEST, f"{DIGEST}#1"): sent,
            (SendKind.NOTICE, "notice:UADMIN"): sent,
        },
    )
    assert decide(ritual, half, now=friday, grace=GRACE).actions == (PostDigest(week, friday),)


def a_ritual(**changes: object) -> Ritual:
    """Monday 09:00 Berlin in #leaders, digest Friday 16:00, created long before."""
    base = Ritual(
        id="r1",
        team_id="T1",
        name="Leaders",
        audience_kind=AudienceKind.USERS,
        audience=("U1",),
        weekday=Weekday.MON,
        at=time(9),
        tz="Europe/Berlin",
        prompt_channel_id=CHANNEL,
        digest_channel_id=DIGEST,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def sends_to(decision: Decision) -> list[str]:
    return [a.recipient for a in decision.actions if isinstance(a, SendPrompt)]


def test_someone_slack_could_not_tell_about_is_decided_on_a_later_run() -> None:
    """An unresolved person is neither asked for again this run nor prompted in a guessed
    zone, and keeps the stage open; the others go on."""
    ritual = a_ritual(per_person_tz=True, dm=True, prompt_channel_id=None)
    week = WeekId.parse("2026-W48")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)  # 09:00 UTC: 04:00 in New York
    state = WeekState(
        week=week,
        audience=("U1", "U2"),
        members={"U1": Member("U1", zone=ZoneInfo("UTC"))},
        unresolved=frozenset({"U2"}),
    )
    decision = decide(ritual, state, now=now, grace=GRACE)
    assert decision.needs == ()
    assert sends_to(decision) == ["U1"]
    assert CloseStage(week, Stage.PROMPTS) not in decision.actions


def test_a_week_past_its_grace_everywhere_needs_no_lookups() -> None:
    """Per-person mode, every zone's moment long past: skipped as a whole, nobody looked up."""
    ritual = a_ritual(per_person_tz=True, dm=True, prompt_channel_id=None)
    week = WeekId.parse("2026-W47")
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)  # Friday of that week
    assert decide(ritual, WeekState(week=week), now=now, grace=GRACE) == Decision(
        actions=(
            LogSkipped(
                week, SendKind.PROMPT, EVERYONE, "too_late", datetime(2026, 11, 16, 8, tzinfo=UTC)
            ),
        )
    )
    started = WeekState(week=week, audience=("U1", "U2"))
    decision = decide(ritual, started, now=now, grace=GRACE)
    assert decision.needs == ()
    assert CloseStage(week, Stage.PROMPTS, when_settled=False) in decision.actions
