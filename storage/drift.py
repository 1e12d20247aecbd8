"""What drift needs from the experiments table, counted by the database (see `core.drift`).

`FAILED` is that rule as a SQL expression (1 or 0), for every query that counts failures.
Both queries aggregate with GROUP BY over a team's shared entries, so a digest never loads
the team's history row by row. A failure is what `core.digest.is_failure` calls one.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.drift import Tally

FAILED = (
    "CASE WHEN outcome IN ('failed', 'mixed') OR failure_mode IS NOT NULL"
    " OR TRIM(failure) <> '' THEN 1 ELSE 0 END"
)


async def model_first_weeks(
    conn: AsyncConnection, team_id: str, *, until: str
) -> list[tuple[str, str, str]]:
    """Return (product, model, first week) for every model the team named up to `until`."""
    result = await conn.execute(
        text(
            "SELECT tool, model, MIN(week) FROM experiments"
            " WHERE team_id = :team AND is_private = 0 AND tool IS NOT NULL"
            " AND model IS NOT NULL AND week <= :until GROUP BY tool, model"
        ),
        {"team": team_id, "until": until},
    )
    return [(str(row[0]), str(row[1]), str(row[2])) for row in result.all()]


async def weekly_tallies(
    conn: AsyncConnection, team_id: str, *, first: str, last: str
) -> dict[tuple[str, str], Tally]:
    """Return each product's shared entries and failures per week from `first` to `last`."""
    # `FAILED` is a literal of this module; values travel as bound parameters.
    result = await conn.execute(
        text(
            f"SELECT tool, week, COUNT(*), SUM({FAILED}) FROM experiments"
            " WHERE team_id = :team AND is_private = 0 AND tool IS NOT NULL"
            " AND week >= :first AND week <= :last GROUP BY tool, week"
        ),
        {"team": team_id, "first": first, "last": last},
    )
    return {(str(row[0]), str(row[1])): Tally(int(row[2]), int(row[3] or 0)) for row in result}
