"""Export experiments for operators, as CSV or JSON.

Rules: CSV cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
tab or carriage return) get a leading single quote, and every field is quoted, as OWASP
recommends against CSV injection.
What people wrote is stored as Slack sent it; CSV and JSON give it as readable text
(`core.text.slack_text_as_plain`): a mention as `@name` (from `names`, else the label Slack
included, else the user id), a link as "label (url)", `<!channel>` and the like inert.
Nothing here talks to Slack, so `python -m bot export` loads no Slack client (and passes no
`names`).
An entry shared without its author's name is exported without its author (an empty `user_id`,
and only a link to the bot's copy in a channel, `core.credit.public_link`), unless the operator asks for authors
with `include_anonymous_authors` (`export --include-anonymous-authors`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from core.credit import credited, public_link
from core.model import Experiment
from core.text import mentioned_users, name_mentions, slack_text_as_plain

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


def readable(text: str, names: Mapping[str, str]) -> str:
    """Text as stored (Slack's markup) as plain text for people reading an export."""
    known = {user: names.get(user, user) for user in mentioned_users(text)}
    return slack_text_as_plain(name_mentions(text, known))


def _row(exp: Experiment, *, with_author: bool, names: Mapping[str, str]) -> dict[str, Any]:
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
        "work": readable(exp.work, names),
        "summary": readable(exp.summary, names),
        "surprise": readable(exp.surprise, names),
        "failure": readable(exp.failure, names),
        "outcome": exp.outcome.value if exp.outcome else "",
        "failure_mode": exp.failure_mode.value if exp.failure_mode else "",
        "caught": exp.caught.value if exp.caught else "",
        "next_try": readable(exp.next_try, names),
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
    experiments: Sequence[Experiment],
    fmt: str,
    *,
    include_anonymous_authors: bool = False,
    names: Mapping[str, str] | None = None,
) -> str:
    """Render experiments as CSV (one row each, a header first) or as a JSON array.

    `names`: people's names by user id, for the mentions in what was written.
    """
    rows = [
        _row(exp, with_author=include_anonymous_authors, names=names or {}) for exp in experiments
    ]
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
