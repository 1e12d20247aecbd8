"""A person's own profile, read and changed on their behalf.

Listeners reach the profiles table only through here; a profile is always the person's own (the
team and user come from Slack's signed payload, never from a button's value).
"""

from __future__ import annotations

from core.model import Profile
from services.deps import Deps
from storage import profiles as repo


async def own_profile(deps: Deps, team_id: str, user_id: str) -> Profile:
    """Return the person's profile, or the defaults when they never set one."""
    async with deps.db.read() as conn:
        return await repo.get_profile(conn, team_id, user_id)


async def save_own_profile(deps: Deps, profile: Profile) -> None:
    """Store the profile the person submitted."""
    async with deps.db.transaction() as conn:
        await repo.save_profile(conn, profile, now=deps.clock())
