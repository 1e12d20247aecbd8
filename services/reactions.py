"""Keep emoji reactions as they are added and removed, for the digest's "most reacted" entry."""

from __future__ import annotations

from dataclasses import dataclass

from services.deps import Deps
from storage import reactions as repo


@dataclass(frozen=True)
class Reaction:
    team_id: str
    channel_id: str
    message_ts: str
    user_id: str
    reaction: str


async def added(deps: Deps, r: Reaction) -> None:
    """Keep one reaction (a redelivered event changes nothing)."""
    async with deps.db.transaction() as conn:
        await repo.add(
            conn,
            team_id=r.team_id,
            channel_id=r.channel_id,
            message_ts=r.message_ts,
            user_id=r.user_id,
            reaction=r.reaction,
            now=deps.clock(),
        )


async def removed(deps: Deps, r: Reaction) -> None:
    """Forget one reaction."""
    async with deps.db.transaction() as conn:
        await repo.remove(
            conn,
            channel_id=r.channel_id,
            message_ts=r.message_ts,
            user_id=r.user_id,
            reaction=r.reaction,
        )
