"""Publishing a person's App Home."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from blocks.home import home_view
from bot.deps import Deps
from core.streaks import count_streak
from core.weeks import WeekId
from services.people import look_up
from storage import experiments as repo
from storage.profiles import get_profile

STREAK_LOOKBACK = 200  # entries read to compute a streak: years of weekly sharing


async def publish_home(deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str) -> None:
    """Render and publish the Home tab for one person."""
    async with deps.db.transaction() as conn:
        profile = await get_profile(conn, team_id, user_id)
        history = await repo.list_for_user(conn, team_id, user_id, limit=STREAK_LOOKBACK)
    person = await look_up(client, user_id, profile)
    current = WeekId.of(deps.clock(), person.tz)
    streak = count_streak((WeekId.parse(exp.week) for exp in history), current=current)
    view = home_view(profile=profile, tz_name=str(person.tz), streak=streak, recent=history[:5])
    await client.views_publish(user_id=user_id, view=view)
