"""A person's own profile, read and changed on their behalf.

Listeners reach the profiles table only through here; a profile is always the person's own (the
team and user come from Slack's signed payload, never from a button's value).
"""

from __future__ import annotations

from core.model import Profile
from services.deps import Deps
from storage import experiments
from storage import profiles as repo


async def own_profile(deps: Deps, team_id: str, user_id: str) -> Profile:
    """Return the person's profile, or the defaults when they never set one."""
    async with deps.db.read() as conn:
        return await repo.get_profile(conn, team_id, user_id)


async def save_own_profile(deps: Deps, profile: Profile) -> None:
    """Store the profile the person submitted.

    A job function set here is also given to their entries stored without one (entries keep the
    function they were shared under otherwise), and the one-time question is then never asked.
    """
    async with deps.db.transaction() as conn:
        await repo.save_profile(conn, profile, now=deps.clock())
        if profile.job_function is not None:
            await experiments.fill_job_function(
                conn, profile.team_id, profile.user_id, profile.job_function
            )
