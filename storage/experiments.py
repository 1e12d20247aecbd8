"""Stored experiments: one row each, keyed for idempotent capture by `source_key`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.model import Caught, Experiment, FailureMode, JobFunction, Outcome, Source
from storage.db import from_db_time, to_db_time
from storage.drift import FAILED

_COLUMNS = (
    "id, team_id, user_id, source, tool, work, summary, surprise, failure, outcome,"
    " failure_mode, job_function, is_private, channel_id, message_ts, permalink,"
    " echo_channel_id, echo_ts, ritual_id, week, created_at, updated_at, model, is_anonymous,"
    " caught, next_try"
)


def _params(exp: Experiment) -> dict[str, Any]:
    return {
        "id": exp.id,
        "team_id": exp.team_id,
        "user_id": exp.user_id,
        "source": exp.source.value,
        "tool": exp.tool,
        "model": exp.model,
        "work": exp.work,
        "summary": exp.summary,
        "surprise": exp.surprise,
        "failure": exp.failure,
        "outcome": exp.outcome.value if exp.outcome else None,
        "failure_mode": exp.failure_mode.value if exp.failure_mode else None,
        "job_function": exp.job_function.value if exp.job_function else None,
        "is_private": 1 if exp.private else 0,
        "is_anonymous": 1 if exp.anonymous else 0,
        "channel_id": exp.channel_id,
        "message_ts": exp.message_ts,
        "permalink": exp.permalink,
        "ritual_id": exp.ritual_id,
        "week": exp.week,
        "created_at": to_db_time(exp.created_at),
        "updated_at": to_db_time(exp.updated_at),
        "caught": exp.caught.value if exp.caught else None,
        "next_try": exp.next_try,
    }


def _from_row(row: RowMapping) -> Experiment:
    return Experiment(
        id=row["id"],
        team_id=row["team_id"],
        user_id=row["user_id"],
        source=Source(row["source"]),
        tool=row["tool"],
        model=row["model"],
        work=row["work"],
        summary=row["summary"],
        surprise=row["surprise"],
        failure=row["failure"],
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        failure_mode=FailureMode(row["failure_mode"]) if row["failure_mode"] else None,
        job_function=JobFunction(row["job_function"]) if row["job_function"] else None,
        private=bool(row["is_private"]),
        anonymous=bool(row["is_anonymous"]),
        channel_id=row["channel_id"],
        message_ts=row["message_ts"],
        permalink=row["permalink"],
        echo_channel_id=row["echo_channel_id"],
        echo_ts=row["echo_ts"],
        ritual_id=row["ritual_id"],
        week=row["week"],
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
        caught=Caught(row["caught"]) if row["caught"] in Caught._value2member_map_ else None,
        next_try=row["next_try"] or "",
    )


async def _select(conn: AsyncConnection, where: str, params: Mapping[str, Any]) -> list[Experiment]:
    # `where` is always a literal from this module; values travel as bound parameters.
    result = await conn.execute(text(f"SELECT {_COLUMNS} FROM experiments WHERE {where}"), params)
    return [_from_row(row) for row in result.mappings()]


async def insert_experiment(conn: AsyncConnection, exp: Experiment, *, source_key: str) -> bool:
    """Store a new experiment; return False when `source_key` was already captured."""
    params = _params(exp) | {"source_key": source_key}
    result = await conn.execute(
        text(
            "INSERT INTO experiments (id, team_id, user_id, source, source_key, tool, work,"
            " summary, surprise, failure, outcome, failure_mode, job_function, is_private,"
            " channel_id, message_ts, permalink, ritual_id, week, created_at,"
            " updated_at, model, is_anonymous, caught, next_try) VALUES (:id, :team_id, :user_id,"
            " :source, :source_key, :tool, :work,"
            " :summary, :surprise, :failure, :outcome, :failure_mode, :job_function, :is_private,"
            " :channel_id, :message_ts, :permalink, :ritual_id, :week,"
            " :created_at, :updated_at, :model, :is_anonymous, :caught, :next_try)"
            " ON CONFLICT (source_key) DO NOTHING"
        ),
        params,
    )
    return result.rowcount == 1


async def update_experiment(conn: AsyncConnection, exp: Experiment) -> None:
    """Overwrite the editable fields of a stored experiment."""
    await conn.execute(
        text(
            "UPDATE experiments SET tool = :tool, model = :model, work = :work, summary = :summary,"
            " surprise = :surprise, failure = :failure, outcome = :outcome,"
            " failure_mode = :failure_mode, job_function = :job_function,"
            " is_private = :is_private, is_anonymous = :is_anonymous, permalink = :permalink,"
            " updated_at = :updated_at, caught = :caught, next_try = :next_try"
            " WHERE id = :id"
        ),
        _params(exp),
    )


async def set_echo(conn: AsyncConnection, experiment_id: str, channel_id: str, ts: str) -> None:
    """Remember the bot's copy of an experiment posted into a prompt's thread."""
    await conn.execute(
        text("UPDATE experiments SET echo_channel_id = :channel, echo_ts = :ts WHERE id = :id"),
        {"channel": channel_id, "ts": ts, "id": experiment_id},
    )


async def clear_echo(conn: AsyncConnection, experiment_id: str) -> None:
    """Forget the thread copy of an experiment (it was deleted)."""
    await conn.execute(
        text("UPDATE experiments SET echo_channel_id = NULL, echo_ts = NULL WHERE id = :id"),
        {"id": experiment_id},
    )


async def set_permalink(conn: AsyncConnection, experiment_id: str, permalink: str) -> None:
    """Remember the link to the message an experiment came from."""
    await conn.execute(
        text("UPDATE experiments SET permalink = :link WHERE id = :id"),
        {"link": permalink, "id": experiment_id},
    )


async def set_occurrence(
    conn: AsyncConnection, experiment_id: str, ritual_id: str, week: str
) -> None:
    """Attach an experiment to a ritual's week (a `/tried` entry counts as answering)."""
    await conn.execute(
        text("UPDATE experiments SET ritual_id = :ritual, week = :week WHERE id = :id"),
        {"ritual": ritual_id, "week": week, "id": experiment_id},
    )


async def get_experiment(conn: AsyncConnection, experiment_id: str) -> Experiment | None:
    """Return the experiment with this id, if any."""
    found = await _select(conn, "id = :id", {"id": experiment_id})
    return found[0] if found else None


async def get_by_source_key(conn: AsyncConnection, source_key: str) -> Experiment | None:
    """Return the experiment captured under this key, if any."""
    found = await _select(conn, "source_key = :key", {"key": source_key})
    return found[0] if found else None


async def list_for_user(
    conn: AsyncConnection, team_id: str, user_id: str, *, limit: int = 10
) -> list[Experiment]:
    """Return a person's newest experiments, newest first."""
    found = await _select(
        conn,
        "team_id = :team AND user_id = :user ORDER BY created_at DESC, id DESC LIMIT :limit",
        {"team": team_id, "user": user_id, "limit": limit},
    )
    return found


async def list_for_weeks(
    conn: AsyncConnection, team_id: str, weeks: Sequence[str], *, include_private: bool = False
) -> list[Experiment]:
    """Return the experiments of the given ISO weeks, oldest first."""
    if not weeks:
        return []
    names = {f"w{i}": week for i, week in enumerate(weeks)}
    placeholders = ", ".join(f":{name}" for name in names)
    private = "" if include_private else " AND is_private = 0"
    return await _select(
        conn,
        f"team_id = :team AND week IN ({placeholders}){private} ORDER BY created_at, id",
        {"team": team_id, **names},
    )


async def list_shared_after(
    conn: AsyncConnection, team_id: str, weeks: Sequence[str], after: datetime
) -> list[Experiment]:
    """The shared experiments of these ISO weeks created after `after`, oldest first."""
    if not weeks:
        return []
    names = {f"w{i}": week for i, week in enumerate(weeks)}
    placeholders = ", ".join(f":{name}" for name in names)
    return await _select(
        conn,
        f"team_id = :team AND week IN ({placeholders}) AND is_private = 0"
        " AND created_at > :after ORDER BY created_at, id",
        {"team": team_id, "after": to_db_time(after), **names},
    )


async def list_since(
    conn: AsyncConnection, since: datetime | None, *, include_private: bool
) -> list[Experiment]:
    """Return every experiment created at or after `since` (all when None), oldest first."""
    clauses = ["1 = 1"]
    params: dict[str, Any] = {}
    if since is not None:
        clauses.append("created_at >= :since")
        params["since"] = to_db_time(since)
    if not include_private:
        clauses.append("is_private = 0")
    return await _select(conn, " AND ".join(clauses) + " ORDER BY created_at, id", params)


async def history_before(
    conn: AsyncConnection,
    team_id: str,
    week: str,
    *,
    tools: Iterable[str] | None = None,
    users: Iterable[str] | None = None,
) -> tuple[frozenset[str], frozenset[str]]:
    """Return the tools named and the people who shared in any week before `week` (shared only).

    Entries shared without a name name their tool but not their author: welcoming a first-time
    sharer by name must not tell anyone that they had shared before without it.

    With `tools` and `users` (this week's), only those are looked up, each by one index seek
    (`EXISTS`), so the answer costs the same whatever the history's length. Without them the
    whole history is read: kept for callers that want every name.
    """
    if tools is None or users is None:
        result = await conn.execute(
            text(
                "SELECT DISTINCT tool, user_id, is_anonymous FROM experiments"
                " WHERE team_id = :team AND week < :week AND is_private = 0"
            ),
            {"team": team_id, "week": week},
        )
        rows = result.all()
        return (
            frozenset(row[0] for row in rows if row[0]),
            frozenset(row[1] for row in rows if not row[2]),
        )
    return (
        await _seen_before(conn, "tool", team_id, week, tools),
        await _seen_before(conn, "user_id", team_id, week, users),
    )


# The column asked about, and what else an entry must be to count for it.
_SEEN_COLUMNS = {"tool": "", "user_id": " AND e.is_anonymous = 0"}
_SEEN_CHUNK = 500


async def _seen_before(
    conn: AsyncConnection, column: str, team_id: str, week: str, values: Iterable[str]
) -> frozenset[str]:
    """Which of `values` appear in `column` of a shared experiment before `week`."""
    if column not in _SEEN_COLUMNS:
        raise ValueError(f"not a history column: {column!r}")
    also = _SEEN_COLUMNS[column]
    wanted = sorted(set(values))
    seen: set[str] = set()
    for start in range(0, len(wanted), _SEEN_CHUNK):
        chunk = wanted[start : start + _SEEN_CHUNK]
        names = {f"v{i}": value for i, value in enumerate(chunk)}
        rows = ", ".join(f"(:{name})" for name in names)
        # `column` and `also` come from `_SEEN_COLUMNS`; `rows` names bound parameters only.
        result = await conn.execute(
            text(
                f"SELECT v.column1 FROM (VALUES {rows}) AS v WHERE EXISTS"
                f" (SELECT 1 FROM experiments e WHERE e.team_id = :team AND e.{column} = v.column1"
                f" AND e.is_private = 0 AND e.week < :week{also})"
            ),
            {"team": team_id, "week": week, **names},
        )
        seen.update(str(row[0]) for row in result.all())
    return frozenset(seen)


@dataclass(frozen=True)
class WeekGroup:
    """One person's shared entries with one tool in one week, counted by the database."""

    week: str
    ritual_id: str | None
    user_id: str
    tool: str | None
    entries: int
    failures: int


async def week_groups(
    conn: AsyncConnection, team_id: str, weeks: Sequence[str], *, ritual_id: str
) -> list[WeekGroup]:
    """Count the shared experiments of `weeks` attached to the ritual or to none, in SQL.

    One row per week, ritual, person and tool: what a digest needs of the weeks before its own
    (failures and entries by tool), without loading their entries.
    """
    if not weeks:
        return []
    names = {f"w{i}": week for i, week in enumerate(weeks)}
    placeholders = ", ".join(f":{name}" for name in names)
    # `placeholders` names bound parameters; `FAILED` is a literal of `storage.drift`.
    result = await conn.execute(
        text(
            f"SELECT week, ritual_id, user_id, tool, COUNT(*), SUM({FAILED}) FROM experiments"
            f" WHERE team_id = :team AND week IN ({placeholders}) AND is_private = 0"
            " AND (ritual_id = :ritual OR ritual_id IS NULL)"
            " GROUP BY week, ritual_id, user_id, tool"
        ),
        {"team": team_id, "ritual": ritual_id, **names},
    )
    return [
        WeekGroup(
            week=str(row[0]),
            ritual_id=row[1],
            user_id=str(row[2]),
            tool=row[3],
            entries=int(row[4]),
            failures=int(row[5] or 0),
        )
        for row in result.all()
    ]


async def next_tries(
    conn: AsyncConnection, team_id: str, user_ids: Sequence[str], week: str
) -> dict[str, str]:
    """What each person said in `week` they would try next (their newest such entry)."""
    if not user_ids:
        return {}
    names = {f"u{i}": user for i, user in enumerate(user_ids)}
    placeholders = ", ".join(f":{name}" for name in names)
    result = await conn.execute(
        text(
            "SELECT user_id, next_try FROM experiments WHERE team_id = :team AND week = :week"
            f" AND user_id IN ({placeholders}) AND next_try <> '' ORDER BY created_at, id"
        ),
        {"team": team_id, "week": week, **names},
    )
    return {str(user): str(said) for user, said in result.all()}


async def delete_experiment(conn: AsyncConnection, experiment_id: str) -> None:
    """Remove one experiment."""
    await conn.execute(text("DELETE FROM experiments WHERE id = :id"), {"id": experiment_id})


async def delete_for_user(conn: AsyncConnection, team_id: str, user_id: str) -> list[Experiment]:
    """Remove every experiment of a person and return what was removed."""
    gone = await _select(
        conn, "team_id = :team AND user_id = :user", {"team": team_id, "user": user_id}
    )
    await conn.execute(
        text("DELETE FROM experiments WHERE team_id = :team AND user_id = :user"),
        {"team": team_id, "user": user_id},
    )
    return gone


async def fill_job_function(
    conn: AsyncConnection, team_id: str, user_id: str, job_function: JobFunction
) -> int:
    """Give a person's entries stored without a job function this one; return how many."""
    result = await conn.execute(
        text(
            "UPDATE experiments SET job_function = :job"
            " WHERE team_id = :team AND user_id = :user AND job_function IS NULL"
        ),
        {"job": job_function.value, "team": team_id, "user": user_id},
    )
    return int(result.rowcount or 0)
