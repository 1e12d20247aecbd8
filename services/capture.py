"""Capturing experiments: one code path for `/tried`, the form, and replies in prompt threads.

Every capture carries a `source_key` that names what it came from (a message, a view, a
command's trigger), so a retried event or a doubled submission is stored once.
A message captured from Slack is checked, in the same transaction as its insert, against what
is known to have happened to it (`storage.message_changes`): a deleted message is not captured,
and an edit that arrived first is applied. So events may arrive in any order.
Control characters (NUL and the rest of C0 but newline and tab) never reach the database: the
edges strip them before parsing, and every draft is stripped again before it is read or stored.
A draft becomes a stored experiment, new or edited, only through `core.edits.apply_draft`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncConnection

from core.edits import Keep, apply_draft, tool_and_model, without_controls
from core.model import Draft, Experiment, Profile, Source
from core.weeks import WeekId
from services.deps import Deps
from services.people import Person, look_up, zone_or_utc
from storage import experiments as repo
from storage import message_changes
from storage.db import new_id
from storage.events import claim_event
from storage.profiles import get_profile


class NotYours(Exception):
    """A person tried to change or delete someone else's experiment."""


class NotFound(Exception):
    """The experiment no longer exists."""


class AlreadyProcessed(Exception):
    """This Events API envelope was handled before (Slack retried it)."""


class Withdrawn(Exception):
    """The message was deleted before it could be captured."""


@dataclass(frozen=True)
class Author:
    team_id: str
    user_id: str
    tz: ZoneInfo


@dataclass(frozen=True)
class Origin:
    source: Source
    source_key: str
    channel_id: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    ritual_id: str | None = None
    week: str | None = None  # the occurrence's week; else the author's local ISO week
    event_id: str | None = None  # the Events API envelope, claimed with the insert
    # The message as typed: a model named in a `Tool:` prefix ("GPT-5: …") is read from here.
    text: str = ""
    # How to read the message's text again, for an edit that arrived before the capture.
    revise: Callable[[str], Draft] | None = None


async def identify(
    deps: Deps, client: AsyncWebClient, team_id: str, user_id: str
) -> tuple[Author, Person]:
    """Who is sharing: their time zone from their profile's override, else from Slack."""
    async with deps.db.read() as conn:
        profile = await get_profile(conn, team_id, user_id)
    person = await look_up(client, user_id, profile, people=deps.people)
    return Author(team_id=team_id, user_id=user_id, tz=person.tz), person


def author_for_week(team_id: str, user_id: str, profile: Profile) -> Author:
    """The author of a capture whose week is known already (a reply in a prompt's thread).

    The time zone only places an entry in its author's local week; with the week given it is
    the profile's override or UTC, and no `users.info` call is needed.
    """
    return Author(team_id=team_id, user_id=user_id, tz=zone_or_utc(profile.tz_override))


async def record_experiment(
    deps: Deps,
    author: Author,
    draft: Draft,
    origin: Origin,
    *,
    profile: Profile | None = None,
) -> tuple[Experiment, bool]:
    """Store a new experiment; return it and whether it was new (False for a repeat).

    One write transaction: the envelope's claim, the repeat check, the message's known edits
    and deletion, and the insert. `profile` is the author's, when the caller has read it.
    """
    now = deps.clock()
    draft = without_controls(draft)
    async with deps.db.transaction() as conn:
        if origin.event_id and not await claim_event(conn, origin.event_id, "message", now=now):
            raise AlreadyProcessed(origin.event_id)
        existing = await repo.get_by_source_key(conn, origin.source_key)
        if existing is not None:
            return existing, False
        withdrawn, draft, origin = await _latest_version(conn, draft, origin)
        # The event stays claimed when the message was withdrawn: there is nothing left to do.
        stored = None if withdrawn else await _insert(conn, deps, author, draft, origin, profile)
    if stored is None:
        raise Withdrawn(origin.source_key)
    return stored


async def _latest_version(
    conn: AsyncConnection, draft: Draft, origin: Origin
) -> tuple[bool, Draft, Origin]:
    """Whether the message was deleted already, and the draft and origin of its newest text."""
    if origin.channel_id is None or origin.message_ts is None:
        return False, draft, origin
    change = await message_changes.get_change(conn, origin.channel_id, origin.message_ts)
    if change is None:
        return False, draft, origin
    if change.deleted:
        return True, draft, origin
    if change.pending_text is not None and origin.revise is not None:
        await message_changes.take_pending(conn, origin.channel_id, origin.message_ts)
        revised = without_controls(origin.revise(change.pending_text))
        return False, revised, replace(origin, text=change.pending_text)
    return False, draft, origin


async def _insert(
    conn: AsyncConnection,
    deps: Deps,
    author: Author,
    draft: Draft,
    origin: Origin,
    profile: Profile | None,
) -> tuple[Experiment, bool]:
    """Insert a new experiment, unless another delivery stored its source meanwhile."""
    now = deps.clock()
    if profile is None:
        profile = await get_profile(conn, author.team_id, author.user_id)
    tool, model = tool_and_model(deps.catalogue, draft, origin.text)
    blank = Experiment(
        id=new_id(),
        team_id=author.team_id,
        user_id=author.user_id,
        source=origin.source,
        summary="",
        created_at=now,
        updated_at=now,
        week=origin.week or str(WeekId.of(now, author.tz)),
        job_function=profile.job_function,
        channel_id=origin.channel_id,
        message_ts=origin.message_ts,
        permalink=origin.permalink,
        ritual_id=origin.ritual_id,
    )
    exp = apply_draft(blank, draft, now=now, tool=tool, model=model)
    created = await repo.insert_experiment(conn, exp, source_key=origin.source_key)
    if not created:  # another delivery got in between the check and the insert
        again = await repo.get_by_source_key(conn, origin.source_key)
        return (again or exp), False
    return exp, True


async def _fetch_own(conn: AsyncConnection, experiment_id: str, user_id: str) -> Experiment:
    exp = await repo.get_experiment(conn, experiment_id)
    if exp is None:
        raise NotFound(experiment_id)
    if exp.user_id != user_id:
        raise NotYours(experiment_id)
    return exp


async def own_experiment(deps: Deps, experiment_id: str, user_id: str) -> Experiment:
    """Return the person's own experiment, or raise NotFound / NotYours."""
    async with deps.db.read() as conn:
        return await _fetch_own(conn, experiment_id, user_id)


async def edit_experiment(
    deps: Deps, experiment_id: str, user_id: str, draft: Draft, *, shown: Experiment | None = None
) -> Experiment:
    """Apply a person's edits to their own experiment (text left as shown stays as stored);
    `shown` is the copy the form showed, with its mentions named."""
    draft = without_controls(draft)
    async with deps.db.transaction() as conn:
        exp = await _fetch_own(conn, experiment_id, user_id)
        tool, model = tool_and_model(deps.catalogue, draft)
        edited = apply_draft(
            exp, draft, now=deps.clock(), tool=tool, model=model, keep=Keep.UNTOUCHED, shown=shown
        )
        await repo.update_experiment(conn, edited)
    return edited


async def delete_own_experiment(deps: Deps, experiment_id: str, user_id: str) -> Experiment:
    """Delete the person's own experiment and return what was deleted."""
    async with deps.db.transaction() as conn:
        exp = await _fetch_own(conn, experiment_id, user_id)
        await repo.delete_experiment(conn, experiment_id)
    return exp


async def undo_last(deps: Deps, team_id: str, user_id: str) -> Experiment | None:
    """Delete the person's newest experiment, if they have one."""
    async with deps.db.transaction() as conn:
        newest = await repo.list_for_user(conn, team_id, user_id, limit=1)
        if not newest:
            return None
        await repo.delete_experiment(conn, newest[0].id)
    return newest[0]


async def recent(deps: Deps, team_id: str, user_id: str, *, limit: int = 10) -> list[Experiment]:
    """Return the person's newest experiments."""
    async with deps.db.read() as conn:
        return await repo.list_for_user(conn, team_id, user_id, limit=limit)


async def set_anonymous(
    deps: Deps, experiment_id: str, user_id: str, anonymous: bool
) -> Experiment:
    """Share the person's own entry with or without their name; return it as stored."""
    async with deps.db.transaction() as conn:
        exp = await _fetch_own(conn, experiment_id, user_id)
        if exp.anonymous == anonymous:
            return exp
        changed = replace(exp, anonymous=anonymous, updated_at=deps.clock())
        await repo.update_experiment(conn, changed)
    return changed
