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
    event_ts: str  # Slack's time of the event: the later of two events for one reaction wins


async def record(deps: Deps, r: Reaction, *, present: bool) -> None:
    """Keep a reaction as added or removed, as of the event's own time."""
    async with deps.db.transaction() as conn:
        await repo.record(
            conn,
            team_id=r.team_id,
            channel_id=r.channel_id,
            message_ts=r.message_ts,
            user_id=r.user_id,
            reaction=r.reaction,
            present=present,
            event_ts=r.event_ts,
            now=deps.clock(),
        )
