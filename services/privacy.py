"""Data rights: forget a person entirely, and export experiments for operators.

Forgetting rules: in one transaction, the person's experiments and profile are deleted, and
they are removed from everything else that names them: ritual audiences and the rituals they
created, each week's audience, their skips, kept edits of their messages, and kept digest
layouts (which hold entry ids, never text). Sends made to them stay, so nothing is sent twice,
but their id in the send's key and recipient is replaced by a random pseudonym. Afterwards, the
bot's copies of their entries in prompt threads are deleted in Slack.

Export rules: CSV cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
`@`, tab or carriage return) get a leading single quote, and every field is quoted, as OWASP
recommends against CSV injection. JSON is data for programs and is left exactly as stored.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.model import Experiment
from services.deps import Deps
from storage import digests as digest_store
from storage import experiments as repo
from storage import inbox, message_changes, sends
from storage import rituals as ritual_repo
from storage.db import new_id
from storage.profiles import delete_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForgetReport:
    entries: int
    copies_removed: int
    copies_left: int


async def forget_person(
    deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str
) -> ForgetReport:
    """Delete a person's experiments and profile, and the bot's copies of their entries."""
    async with deps.db.transaction() as conn:
        gone = await repo.delete_for_user(conn, team_id, user_id)
        await delete_profile(conn, team_id, user_id)
        await ritual_repo.forget_user(conn, team_id, user_id)
        await message_changes.forget_user(conn, user_id)
        await inbox.forget_user(conn, user_id)
        await digest_store.drop_entries(conn, {exp.id for exp in gone})
        await sends.pseudonymise_recipient(conn, user_id, f"forgotten-{new_id()[:12]}")
    removed = left = 0
    for exp in gone:
        if not (exp.echo_channel_id and exp.echo_ts):
            continue
        try:
            await client.chat_delete(channel=exp.echo_channel_id, ts=exp.echo_ts)
            removed += 1
        except SlackApiError as exc:
            left += 1
            log.warning(
                "could not remove a copy channel=%s ts=%s error=%s",
                exp.echo_channel_id,
                exp.echo_ts,
                exc.response.get("error"),
            )
    log.info(
        "forgot person user=%s entries=%d copies_removed=%d copies_left=%d",
        user_id,
        len(gone),
        removed,
        left,
    )
    return ForgetReport(entries=len(gone), copies_removed=removed, copies_left=left)


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
    "job_function",
    "private",
    "permalink",
    "ritual_id",
)


def _row(exp: Experiment) -> dict[str, Any]:
    return {
        "id": exp.id,
        "team_id": exp.team_id,
        "user_id": exp.user_id,
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
        "job_function": exp.job_function.value if exp.job_function else "",
        "private": exp.private,
        "permalink": exp.permalink or "",
        "ritual_id": exp.ritual_id or "",
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: formula-leading values get a leading quote."""
    cell = str(value)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def render_export(experiments: Sequence[Experiment], fmt: str) -> str:
    """Render experiments as CSV (one row each, a header first) or as a JSON array."""
    rows = [_row(exp) for exp in experiments]
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
