"""Export experiments for operators, as CSV or JSON.

Rules: CSV cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
tab or carriage return) get a leading single quote, and every field is quoted, as OWASP
recommends against CSV injection. JSON is data for programs and is left exactly as stored.
Nothing here talks to Slack, so `python -m bot export` loads no Slack client.
An entry shared without its author's name is exported without its author (an empty `user_id`,
and only a link to the bot's copy in a channel, `core.credit.public_link`), unless the operator asks for authors
with `include_anonymous_authors` (`export --include-anonymous-authors`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from core.credit import credited, public_link
from core.model import Experiment

EXPORT_FIELDS = (
    "id",
    "team_id",
    "user_id",
    "created_at",
    "updated_at",
    "week",
    "source",
    "tool",
    "model",
    "work",
    "summary",
    "surprise",
    "failure",
    "outcome",
    "failure_mode",
    "caught",
    "next_try",
    "job_function",
    "private",
    "anonymous",
    "permalink",
    "ritual_id",
)


def _row(exp: Experiment, *, with_author: bool) -> dict[str, Any]:
    hide = not with_author and not credited(exp)
    return {
        "id": exp.id,
        "team_id": exp.team_id,
        "user_id": "" if hide else exp.user_id,
        "created_at": exp.created_at.isoformat(),
        "updated_at": exp.updated_at.isoformat(),
        "week": exp.week,
        "source": exp.source.value,
        "tool": exp.tool or "",
        "model": exp.model or "",
        "work": exp.work,
        "summary": exp.summary,
        "surprise": exp.surprise,
        "failure": exp.failure,
        "outcome": exp.outcome.value if exp.outcome else "",
        "failure_mode": exp.failure_mode.value if exp.failure_mode else "",
        "caught": exp.caught.value if exp.caught else "",
        "next_try": exp.next_try,
        "job_function": exp.job_function.value if exp.job_function else "",
        "private": exp.private,
        "anonymous": exp.anonymous,
        "permalink": (public_link(exp) if hide else exp.permalink) or "",
        "ritual_id": exp.ritual_id or "",
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: formula-leading values get a leading quote."""
    cell = str(value)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def render_export(
    experiments: Sequence[Experiment], fmt: str, *, include_anonymous_authors: bool = False
) -> str:
    """Render experiments as CSV (one row each, a header first) or as a JSON array."""
    rows = [_row(exp, with_author=include_anonymous_authors) for exp in experiments]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}")
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    writer.writerows({key: neutralise_cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
