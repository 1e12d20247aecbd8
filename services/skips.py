""" "Skip this week": no reminder for this person in one ritual's week.

A button's value is typed by whoever sends the request, so the ritual id in it is not trusted: a
skip is stored only for a ritual of the person's own team that asks them. The audience checked
is the one recorded for that week when the ritual asked (who got the prompt), or else whom the
ritual names today.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from slack_sdk.web.async_client import AsyncWebClient

from core.weeks import WeekId
from services import audience
from services.deps import Deps
from storage import rituals as repo

log = logging.getLogger(__name__)


class Skip(StrEnum):
    SKIPPED = "skipped"
    ALREADY = "already"  # skipped before: nothing changes
    REFUSED = "refused"  # no such ritual in the person's team, or it does not ask them


async def skip_week(
    deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str, ritual_id: str, week: str
) -> Skip:
    """Record the person's skip of this ritual's week, if the ritual is theirs to skip."""
    try:
        week_id = WeekId.parse(week)
    except ValueError:
        log.warning("refused skip of an unreadable week user=%s week=%r", user_id, week[:20])
        return Skip.REFUSED
    async with deps.db.read() as conn:
        ritual = await repo.find_ritual(conn, ritual_id)
        asked = await repo.occurrence_audience(conn, ritual_id, week_id) if ritual else None
    if ritual is None or ritual.id != ritual_id or ritual.team_id != team_id:
        log.warning("refused skip of unknown ritual user=%s ritual=%r", user_id, ritual_id[:40])
        return Skip.REFUSED
    if asked is None:
        asked = tuple(await audience.audience_ids(client, ritual))
    if user_id not in asked:
        log.warning("refused skip of a ritual not asking user=%s ritual=%s", user_id, ritual_id)
        return Skip.REFUSED
    async with deps.db.transaction() as conn:
        added = await repo.add_skip(conn, ritual_id, week_id, user_id, now=deps.clock())
    return Skip.SKIPPED if added else Skip.ALREADY
