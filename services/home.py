"""Publishing a person's App Home.

Home is published when the person opens it, and again after every change they make to their
entries anywhere (`refresh_home`): a `/tried` entry, a captured reply, an edit, a deletion, a
correction, an undo. A click on Home carries no response URL, so Home's own answers ("Deleted
your entry") are shown on Home itself, as a note at its top.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.home import RECENT_SHOWN, RitualLine, home_view
from core.schedule import next_weekly
from core.streaks import count_streak
from core.weeks import WeekId
from services.deps import Deps
from services.mentions import named
from services.people import look_up
from services.ritual_setup import may_administer
from storage import experiments as repo
from storage.profiles import get_profile
from storage.rituals import list_rituals

log = logging.getLogger(__name__)

STREAK_LOOKBACK = 200  # entries read to compute a streak: years of weekly sharing


async def refresh_home(
    deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str, notice: str | None = None
) -> None:
    """Publish the person's Home again after a change; a failure is logged (the change stands)."""
    try:
        await publish_home(deps, client, team_id=team_id, user_id=user_id, notice=notice)
    except SlackApiError as exc:
        log.warning("could not refresh Home user=%s error=%s", user_id, exc.response.get("error"))


async def publish_home(
    deps: Deps,
    client: AsyncWebClient,
    *,
    team_id: str,
    user_id: str,
    notice: str | None = None,
) -> None:
    """Render and publish the Home tab for one person, with a note at the top when given."""
    async with deps.db.read() as conn:
        profile = await get_profile(conn, team_id, user_id)
        history = await repo.list_for_user(conn, team_id, user_id, limit=STREAK_LOOKBACK)
    person = await look_up(client, user_id, profile)
    current = WeekId.of(deps.clock(), person.tz)
    streak = count_streak((WeekId.parse(exp.week) for exp in history), current=current)
    rituals = (
        await _ritual_lines(deps, client, team_id, user_id)
        if await may_administer(deps, client, user_id)
        else None
    )
    view = home_view(
        profile=profile,
        tz_name=str(person.tz),
        streak=streak,
        recent=await named(client, history[:RECENT_SHOWN]),
        rituals=rituals,
        notice=notice,
    )
    await client.views_publish(user_id=user_id, view=view)


async def _ritual_lines(
    deps: Deps, client: AsyncWebClient, team_id: str, user_id: str
) -> list[RitualLine]:
    """The team's rituals with their next prompt and digest, in each ritual's own time zone."""
    async with deps.db.read() as conn:
        found = await list_rituals(conn, team_id)
    now = deps.clock()
    lines = []
    for ritual in found:
        zone = ZoneInfo(ritual.tz)
        prompt = next_weekly(int(ritual.weekday), ritual.at, zone, after=now).astimezone(zone)
        digest = next_weekly(
            int(ritual.digest_weekday), ritual.digest_at, zone, after=now
        ).astimezone(zone)
        where = "each person's time zone" if ritual.per_person_tz else ritual.tz
        lines.append(
            RitualLine(
                name=ritual.name,
                status="paused" if ritual.paused else "active",
                next_prompt=f"{prompt:%a %d %b %H:%M} ({where})",
                next_digest=f"{digest:%a %d %b %H:%M} {ritual.tz}"
                if ritual.digest_channel_id
                else "no digest channel",
            )
        )
    return lines
