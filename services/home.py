"""Publishing a person's App Home; admins also see the rituals they manage, with controls.

Home is published when the person opens it, and again after every change they make to their
entries anywhere (`refresh_home`): a `/tried` entry, a captured reply, an edit, a deletion, a
correction, an undo. A click on Home carries no response URL, so Home's own answers ("Deleted
your entry") are shown on Home itself, as a note at its top.
Slack sends `app_home_opened` each time the tab is opened, and Home is then published afresh, so
a change needs a refresh only for someone who has opened the tab: they are kept in the database
(`storage.home_viewers`, one upsert per opening), so whichever replica handles a change refreshes
the Home opened through another. Others cost no Slack call.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.admin_home import with_admin_section
from blocks.home import RECENT_SHOWN, home_view
from core.credit import credited
from core.streaks import count_streak
from core.weeks import WeekId
from services.deps import Deps
from services.mentions import named
from services.people import Person, look_up
from services.ritual_admin import home_rituals
from services.ritual_setup import may_administer
from storage import experiments as repo
from storage import home_viewers as viewers
from storage.profiles import get_profile

log = logging.getLogger(__name__)

STREAK_LOOKBACK = 200  # entries read to compute a streak: years of weekly sharing


async def refresh_home(
    deps: Deps,
    client: AsyncWebClient,
    *,
    team_id: str,
    user_id: str,
    notice: str | None = None,
    person: Person | None = None,
) -> None:
    """Publish the person's Home again after a change; a failure is logged (the change stands).

    Only for someone who opened Home (see above), or with a `notice` (an answer to a click on Home).
    `person`: who they are, when the caller has just looked them up (one `users.info` less).
    """
    if notice is None:
        async with deps.db.read() as conn:
            if not await viewers.has_opened(conn, team_id, user_id):
                return
    try:
        await publish_home(
            deps, client, team_id=team_id, user_id=user_id, notice=notice, person=person
        )
    except SlackApiError as exc:
        log.warning("could not refresh Home user=%s error=%s", user_id, exc.response.get("error"))


async def seen_on_home(deps: Deps, *, team_id: str, user_id: str) -> None:
    """Note that the person has opened their Home tab, for every replica to see."""
    async with deps.db.transaction() as conn:
        await viewers.note_opened(conn, team_id, user_id, now=deps.clock())


async def publish_home(
    deps: Deps,
    client: AsyncWebClient,
    *,
    team_id: str,
    user_id: str,
    notice: str | None = None,
    person: Person | None = None,
) -> None:
    """Render and publish the Home tab for one person, with a note at the top when given."""
    async with deps.db.read() as conn:
        profile = await get_profile(conn, team_id, user_id)
        history = await repo.list_for_user(conn, team_id, user_id, limit=STREAK_LOOKBACK)
    if person is None or person.user_id != user_id:
        person = await look_up(client, user_id, profile, people=deps.people)
    current = WeekId.of(deps.clock(), person.tz)
    # A streak counts weeks shared under one's name (`core.credit`).
    streak = count_streak(
        (WeekId.parse(exp.week) for exp in history if credited(exp)), current=current
    )
    view = home_view(
        profile=profile,
        tz_name=str(person.tz),
        streak=streak,
        recent=await named(client, history[:RECENT_SHOWN], people=deps.people),
        notice=notice,
    )
    if await may_administer(deps, client, user_id):
        shown = await home_rituals(deps, team_id, zone=person.tz)
        view = with_admin_section(view, shown, zone_name=str(person.tz))
    await client.views_publish(user_id=user_id, view=view)
