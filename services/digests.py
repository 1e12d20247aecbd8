"""The weekly digest: gather the week, render it once, post it exactly once.

Rules:
- The digest of a ritual's week holds that week's shared experiments attached to the ritual,
  plus shared entries of people it asked that are attached to no ritual.
- It also carries the entries of earlier weeks shared after the last digest posted before it
  (they missed their own week's digest), marked as late; they stay counted for their own week.
- Its layout is kept (`storage.digests`): which entries go in which part, never their text.
  Each part (the main post, then its thread replies) is a claimed send, so a restart resumes
  after the last part posted, never repeating.
- Every part is filled from current data at the moment it is posted, so an entry deleted, made
  private, or whose author was forgotten since the rendering is never posted, nor is its author
  credited. Until the main post is out the whole digest is laid out afresh at each attempt; once
  it is out, the remaining parts keep their place and numbering and lose only what was withdrawn.
- Readers' "I tried it too" answers (`storage.replications`) and an admin's pin
  (`storage.digests.pin_entry`) are read with the week, so they feed the three things to know
  and show beside each entry; an answer updates the thread message it was given on.
- Once the top post and every thread part are out, the chart (`services.charts`, a claimed
  send of its own) is added to the thread: the single place where more joins the thread.
- Entries shared without a name reach the digest only through `core.credit.anonymised`: no user
  id, no link to a message that shows its author, and their job function only when at least
  `core.credit.MIN_FUNCTION_CELL` people of the week's audience and sharers hold it.
- If the main post fails for good (channel archived, bot removed), the ritual's creator and the
  BOT_ADMINS get one DM saying what happened, with a Retry button (`handlers.admin`); the
  digest stays stored for that button or `digest --post`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncConnection

from blocks.digest import DigestMessage, digest_layout, digest_messages, layout_as_json, refill
from blocks.notices import admin_notice_blocks, admin_notice_text
from core.credit import anonymised, anonymous_byline, credit_key, credited, function_cells
from core.digest import NO_TOOL, Digest, Replication, ToolHistory, build_digest
from core.drift import Drift, counted_weeks, find_drift
from core.model import Experiment
from core.occurrence import SendKind, SendStatus
from core.rituals import Ritual
from core.weeks import WeekId
from services import charts
from services.deps import Deps
from services.mentions import named
from services.people import PeopleDirectory, look_up
from services.sending import Outgoing, deliver
from storage import digests as store
from storage import drift as drift_store
from storage import experiments as repo
from storage import profiles as profile_repo
from storage import reactions as reactions_repo
from storage import replications as votes_repo
from storage import rituals as ritual_repo
from storage import sends

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    posted: int  # parts posted by this call
    total: int
    failed: str | None = None  # Slack's error when the main post failed


def _belongs(exp: Experiment, ritual: Ritual, audience: tuple[str, ...] | None) -> bool:
    if exp.private:
        return False
    return _counted(exp.ritual_id, exp.user_id, ritual, audience)


def _counted(
    ritual_id: str | None, user_id: str, ritual: Ritual, audience: tuple[str, ...] | None
) -> bool:
    """An entry counts for the ritual when attached to it, or unattached by someone it asked."""
    if ritual_id is not None:
        return ritual_id == ritual.id
    return audience is not None and user_id in audience


def _tool_history(
    groups: list[repo.WeekGroup], ritual: Ritual, audiences: dict[str, tuple[str, ...] | None]
) -> dict[str, ToolHistory]:
    """Each tool's trailing weeks (weeks named, entries, failures) from the counted groups."""
    weeks: dict[str, set[str]] = {}
    entries: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for g in groups:
        if not _counted(g.ritual_id, g.user_id, ritual, audiences.get(g.week)):
            continue
        tool = g.tool or NO_TOOL
        weeks.setdefault(tool, set()).add(g.week)
        entries[tool] += g.entries
        failures[tool] += g.failures
    return {tool: ToolHistory(len(weeks[tool]), entries[tool], failures[tool]) for tool in weeks}


async def gather(
    deps: Deps, ritual: Ritual, week: WeekId, *, client: AsyncWebClient | None = None
) -> tuple[Digest, list[str]]:
    """Build the digest data for one ritual and week; also return who shared, for names.

    Only the week and the week before are loaded as entries. The trailing weeks are counted in
    SQL (`week_groups`), and "named before" and "shared before" are asked of this week's tools
    and people only (`history_before`), so the cost does not grow with the team's history.
    Entries shared late (after the last digest posted before this one) are loaded by the time
    they were shared. With a client, the people the entries mention are named
    (`services.mentions`).
    """
    trailing = week.trailing(4)
    weeks = [week, *trailing]
    loaded = [week, trailing[-1]]
    async with deps.db.read() as conn:
        found = await repo.list_for_weeks(conn, ritual.team_id, [str(w) for w in loaded])
        audiences = {
            str(w): await ritual_repo.occurrence_audience(conn, ritual.id, w) for w in weeks
        }
        belonging: dict[str, list[Experiment]] = {str(w): [] for w in loaded}
        for exp in found:
            if _belongs(exp, ritual, audiences.get(exp.week)):
                belonging[exp.week].append(exp)
        this_week = belonging[str(week)]
        groups = await repo.week_groups(
            conn, ritual.team_id, [str(w) for w in trailing], ritual_id=ritual.id
        )
        known_tools, prior_sharers = await repo.history_before(
            conn,
            ritual.team_id,
            str(week),
            tools={exp.tool for exp in this_week if exp.tool},
            users={exp.user_id for exp in this_week},
        )
        drift = await _drift(deps, conn, ritual.team_id, week)
        # A function is named for an anonymous entry only when enough of this digest's own
        # people (asked, or sharing in it) hold it: other rituals' people must not count.
        people = set(audiences.get(str(week)) or ()) | {e.user_id for e in belonging[str(week)]}
        cells = function_cells(
            await profile_repo.job_functions(conn, ritual.team_id, sorted(people))
        )
        late = await _shared_late(conn, ritual, trailing, audiences)
        pinned = await store.pinned_entry(conn, ritual.id, week)
        recent = {e.id for e in found if e.week in (str(week), str(trailing[-1]))}
        tallies = await votes_repo.tallies(conn, recent)
        reacted = await reactions_repo.people_per_entry(conn, recent)
    by_week = {w: [anonymised(e, cells) for e in exps] for w, exps in belonging.items()}
    shown = by_week[str(week)]
    late = [anonymised(e, cells) for e in late]
    if client is not None:
        shown = await named(client, shown, people=deps.people)
        late = await named(client, late, people=deps.people)
    digest = build_digest(
        week=str(week),
        ritual_name=ritual.name,
        experiments=shown,
        previous_week=by_week[str(trailing[-1])],
        tool_history=_tool_history(groups, ritual, audiences),
        known_tools=known_tools,
        prior_sharers=prior_sharers,
        audience=audiences.get(str(week)),
        drift=drift,
        replications={key: Replication(*value) for key, value in tallies.items()},
        reactions=reacted,
        pinned=pinned,
        shared_late=late,
    )
    return digest, list(digest.sharers)


async def _shared_late(
    conn: AsyncConnection,
    ritual: Ritual,
    trailing: list[WeekId],
    audiences: dict[str, tuple[str, ...] | None],
) -> list[Experiment]:
    """The entries of earlier weeks shared after the newest earlier digest went out: each missed
    its own week's digest, and is carried into the next one posted."""
    for earlier in sorted(trailing, reverse=True):
        posted = await store.posted_at(conn, ritual.id, earlier)
        if posted is not None:
            weeks = [str(w) for w in trailing if w <= earlier]
            found = await repo.list_shared_after(conn, ritual.team_id, weeks, posted)
            return [e for e in found if _belongs(e, ritual, audiences.get(e.week))]
    return []


async def _drift(deps: Deps, conn: AsyncConnection, team_id: str, week: WeekId) -> list[Drift]:
    """The team's "since the update" comparisons for the digest's week, counted in SQL."""
    first, last = counted_weeks(week)
    return list(
        find_drift(
            week=week,
            first_seen=await drift_store.model_first_weeks(conn, team_id, until=str(week)),
            tallies=await drift_store.weekly_tallies(
                conn, team_id, first=str(first), last=str(last)
            ),
            same_model=deps.catalogue.model_key,
        )
    )


async def names_for(
    client: AsyncWebClient,
    digest: Digest,
    users: Iterable[str] | None = None,
    *,
    people: PeopleDirectory,
) -> dict[str, str]:
    """Names of the people credited (or of `users` among them only), from Slack, and the
    byline of each entry shared without a name."""
    wanted = digest.sharers if users is None else [u for u in digest.sharers if u in set(users)]
    found = await asyncio.gather(*(look_up(client, user, people=people) for user in wanted))
    names = {person.user_id: person.name for person in found}
    names.update(
        (credit_key(e), anonymous_byline(e.job_function))
        for e in (*digest.entries, *digest.shared_late)
        if not credited(e)
    )
    return names


async def pin(
    deps: Deps, ritual: Ritual, week: WeekId, experiment_id: str, *, pinned_by: str
) -> str | None:
    """Let an admin lead the week's digest with one entry; return what is wrong, if anything."""
    digest, _sharers = await gather(deps, ritual, week)
    if experiment_id not in {e.id for e in digest.entries}:
        return f"entry {experiment_id!r} is not a shared entry of {ritual.name} in {week}"
    async with deps.db.transaction() as conn:
        if await store.load_parts(conn, ritual.id, week) is not None:
            return (
                f"the {week} digest of {ritual.name} is already laid out: pin the entry from the"
                " digest's thread instead (its menu, for admins)"
            )
        await store.pin_entry(
            conn, ritual.id, week, experiment_id, pinned_by=pinned_by, now=deps.clock()
        )
    return None


async def render(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, week: WeekId
) -> list[DigestMessage]:
    """Gather and render the digest (without storing or posting it)."""
    digest, _sharers = await gather(deps, ritual, week, client=client)
    return digest_messages(digest, await names_for(client, digest, people=deps.people))


async def post_digest(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, week: WeekId, *, force: bool = False
) -> PostResult:
    """Post the week's digest to the ritual's digest channel, each part exactly once."""
    channel = ritual.digest_channel_id
    if channel is None:
        return PostResult(posted=0, total=0, failed="no_digest_channel")
    first_key = sends.send_key(SendKind.DIGEST, ritual.id, week, f"{channel}#1")
    async with deps.db.transaction() as conn:
        if force:
            await store.forget_digest(conn, ritual.id, week)
        else:
            await store.reset_failed_parts(conn, ritual.id, week)
        parts = await store.load_parts(conn, ritual.id, week)
        first = await sends.get_send(conn, first_key)
    digest, _sharers = await gather(deps, ritual, week, client=client)
    names = await names_for(client, digest, people=deps.people)
    if parts is None or first is None or first.status is SendStatus.RETRY:
        # Nothing is in Slack yet: lay the digest out afresh from what is shared now.
        layout = layout_as_json(digest_layout(digest, names))
        async with deps.db.transaction() as conn:
            parts = await store.keep_parts(
                conn, ritual.id, week, layout, now=deps.clock(), replace=parts is not None
            )
    return await _post_parts(deps, client, ritual, week, channel, parts, digest, names)


def _fill(
    part: dict[str, Any], digest: Digest, names: dict[str, str], number: int, total: int
) -> DigestMessage:
    if "units" in part:
        return refill(part, digest, names, number=number, total=total)
    # Kept by an earlier release as rendered blocks: posted as they were.
    return DigestMessage(blocks=list(part.get("blocks", [])), text=str(part.get("text", "")))


async def _post_parts(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    channel: str,
    parts: list[dict[str, Any]],
    digest: Digest,
    names: dict[str, str],
) -> PostResult:
    posted = 0
    main_ts: str | None = None
    for number, part in enumerate(parts, start=1):
        recipient = f"{channel}#{number}"
        key = sends.send_key(SendKind.DIGEST, ritual.id, week, recipient)
        async with deps.db.transaction() as conn:
            record = await sends.get_send(conn, key)
        if record is None or record.status is not SendStatus.SENT:
            message = _fill(part, digest, names, number, len(parts))
            out = Outgoing(
                kind=SendKind.DIGEST,
                ritual_id=ritual.id,
                week=week,
                recipient=recipient,
                channel=channel,
                blocks=message.blocks,
                text=message.text,
                thread_ts=main_ts,
            )
            sent = await deliver(deps, client, out)
            if sent is not None:
                posted += 1
            async with deps.db.transaction() as conn:
                record = await sends.get_send(conn, key)
        if record is None or record.status is SendStatus.CLAIMED:
            # Claimed and live elsewhere (another replica or run is posting it), or not claimed
            # because this process is shutting down: nothing failed, a later run resumes.
            reason = "held_by_another_worker" if record is not None else "shutting_down"
            log.info(
                "digest part %d/%d %s ritual=%s week=%s",
                number,
                len(parts),
                reason.replace("_", " "),
                ritual.name,
                week,
            )
            return PostResult(posted=posted, total=len(parts), failed=reason)
        if record.status is not SendStatus.SENT:
            error = record.error
            log.error(
                "digest part not posted ritual=%s week=%s part=%d/%d error=%s; kept for a retry",
                ritual.name,
                week,
                number,
                len(parts),
                error,
            )
            if number == 1 and record.status is SendStatus.FAILED:
                await _tell_admins(deps, client, ritual, week, channel, str(error))
            return PostResult(posted=posted, total=len(parts), failed=str(error))
        if number == 1:
            main_ts = record.ts
    await charts.post_chart(deps, client, ritual, week, channel, main_ts)
    log.info(
        "digest posted ritual=%s week=%s parts=%d new=%d", ritual.name, week, len(parts), posted
    )
    return PostResult(posted=posted, total=len(parts))


async def _tell_admins(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, week: WeekId, channel: str, error: str
) -> None:
    """DM the ritual's creator and the bot admins, once, that the digest could not be posted."""
    admins = {user for user in (ritual.created_by, *deps.admins) if user.startswith(("U", "W"))}
    blocks = admin_notice_blocks(
        ritual_id=ritual.id,
        ritual_name=ritual.name,
        week=str(week),
        channel_id=channel,
        error=error,
    )
    for admin in sorted(admins):
        await deliver(
            deps,
            client,
            Outgoing(
                kind=SendKind.NOTICE,
                ritual_id=ritual.id,
                week=week,
                recipient=f"{sends.NOTICE_PREFIX}{admin}",
                channel=admin,
                blocks=blocks,
                text=admin_notice_text(ritual_name=ritual.name, week=str(week)),
            ),
        )
