"""Data rights: forget a person entirely (exports are in `services.export`).

Forgetting rules: in one transaction, the person's experiments and profile are deleted, and
they are removed from everything else that names them: ritual audiences and the rituals they
created, each week's audience, their skips, kept edits of their messages, and kept digest
layouts (which hold entry ids, never text). Sends made to them stay, so nothing is sent twice,
but their id in the send's key and recipient is replaced by a random pseudonym. Afterwards, the
bot's copies of their entries in prompt threads are deleted in Slack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from services.deps import Deps
from storage import digests as digest_store
from storage import experiments as repo
from storage import home_viewers, inbox, message_changes, reactions, replications, sends
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
        await home_viewers.forget_user(conn, team_id, user_id)
        await ritual_repo.forget_user(conn, team_id, user_id)
        await message_changes.forget_user(conn, user_id)
        await inbox.forget_user(conn, user_id)
        await digest_store.drop_entries(conn, {exp.id for exp in gone})
        await replications.forget_user(conn, user_id, [exp.id for exp in gone])
        await reactions.forget_user(
            conn,
            user_id,
            [(e.channel_id, e.message_ts) for e in gone if e.channel_id and e.message_ts],
        )
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
