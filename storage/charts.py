"""What the digest chart needs from the database, counted there (see `core.chart_data`).

One GROUP BY over the weeks' shared entries, so the chart never loads experiments row by row:
entries attached to the ritual are counted per week and tool; entries attached to no ritual
per week, tool and author, so the caller can keep those of people the ritual asked.
A failure is what `core.digest.is_failure` calls one.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.chart_data import WeekCount

_FAILED = (
    "CASE WHEN outcome IN ('failed', 'mixed') OR failure_mode IS NOT NULL"
    " OR TRIM(failure) <> '' THEN 1 ELSE 0 END"
)
_AUTHOR = "CASE WHEN ritual_id IS NULL THEN user_id END"


async def weekly_counts(
    conn: AsyncConnection, team_id: str, ritual_id: str, *, first: str, last: str
) -> list[WeekCount]:
    """Count a ritual's shared entries and failures per week and tool, `first` to `last`."""
    # `_FAILED` and `_AUTHOR` are literals of this module; values travel as bound parameters.
    result = await conn.execute(
        text(
            f"SELECT week, tool, {_AUTHOR} AS author, COUNT(*), SUM({_FAILED}) FROM experiments"
            " WHERE team_id = :team AND is_private = 0 AND week >= :first AND week <= :last"
            " AND (ritual_id = :ritual OR ritual_id IS NULL)"
            f" GROUP BY week, tool, {_AUTHOR}"
        ),
        {"team": team_id, "ritual": ritual_id, "first": first, "last": last},
    )
    return [
        WeekCount(
            week=str(row[0]),
            tool=row[1],
            author=row[2],
            entries=int(row[3]),
            failures=int(row[4] or 0),
        )
        for row in result
    ]


async def audiences(
    conn: AsyncConnection, ritual_id: str, *, first: str, last: str
) -> dict[str, tuple[str, ...]]:
    """Return who the ritual asked in each of its weeks from `first` to `last`."""
    result = await conn.execute(
        text(
            "SELECT week, audience FROM occurrences"
            " WHERE ritual_id = :ritual AND week >= :first AND week <= :last"
        ),
        {"ritual": ritual_id, "first": first, "last": last},
    )
    return {
        str(week): tuple(part for part in str(audience or "").split(",") if part)
        for week, audience in result
    }
