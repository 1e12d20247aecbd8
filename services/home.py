"""Publishing a person's App Home; admins also see the rituals they manage, with controls."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from blocks.admin_home import with_admin_section
from blocks.home import home_view
from core.credit import credited
from core.streaks import count_streak
from core.weeks import WeekId
from services.deps import Deps
from services.people import look_up
from services.ritual_admin import home_rituals
from services.ritual_setup import may_administer
from storage import experiments as repo
from storage.profiles import get_profile

STREAK_LOOKBACK = 200  # entries read to compute a streak: years of weekly sharing


async def publish_home(deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str) -> None:
    """Render and publish the Home tab for one person."""
    async with deps.db.read() as conn:
        profile = await get_profile(conn, team_id, user_id)
        history = await repo.list_for_user(conn, team_id, user_id, limit=STREAK_LOOKBACK)
    person = await look_up(client, user_id, profile)
    current = WeekId.of(deps.clock(), person.tz)
    # A streak counts weeks shared under one's name (`core.credit`).
    streak = count_streak(
        (WeekId.parse(exp.week) for exp in history if credited(exp)), current=current
    )
    view = home_view(
        profile=profile, tz_name=str(person.tz), streak=streak, recent=history[:5], rituals=None
    )
    if await may_administer(deps, client, user_id):
        shown = await home_rituals(deps, team_id, zone=person.tz)
        view = with_admin_section(view, shown, zone_name=str(person.tz))
    await client.views_publish(user_id=user_id, view=view)
