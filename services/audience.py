"""Who a ritual asks: resolve its audience to people, and drop those who must not be asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.model import Profile
from core.rituals import AudienceKind, Ritual
from services.deps import Deps
from services.people import Person, look_up
from storage.profiles import get_profile

log = logging.getLogger(__name__)

LOOKUP_CONCURRENCY = 8


async def audience_ids(client: AsyncWebClient, ritual: Ritual) -> list[str]:
    """Return the user ids the ritual's audience names today (people, channel or user group)."""
    if ritual.audience_kind is AudienceKind.USERS:
        return list(dict.fromkeys(ritual.audience))
    if ritual.audience_kind is AudienceKind.USERGROUP:
        response = await client.usergroups_users_list(usergroup=ritual.audience[0])
        return [str(user) for user in response.get("users") or []]
    members: list[str] = []
    cursor: str | None = None
    while True:
        page = await client.conversations_members(
            channel=ritual.audience[0], cursor=cursor, limit=200
        )
        members.extend(str(user) for user in page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return members


async def people(
    deps: Deps, client: AsyncWebClient, team_id: str, user_ids: Sequence[str]
) -> list[tuple[Person, Profile]]:
    """Look up each person (time zone, deactivated, bot) with their profile; bots and the deactivated are dropped."""
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def one(user_id: str) -> tuple[Person, Profile] | None:
        async with gate:
            async with deps.db.read() as conn:
                profile = await get_profile(conn, team_id, user_id)
            person = await look_up(client, user_id, profile)
        if person.deleted or person.is_bot:
            log.info("not asking user=%s deleted=%s bot=%s", user_id, person.deleted, person.is_bot)
            return None
        return person, profile

    found = await asyncio.gather(*(one(user_id) for user_id in user_ids))
    return [pair for pair in found if pair is not None]


def is_paused(profile: Profile, local_day: date) -> bool:
    """Tell whether the person paused prompts through this local day (vacation)."""
    return profile.paused_until is not None and local_day <= profile.paused_until


async def bot_channels(client: AsyncWebClient, channel_ids: Sequence[str]) -> frozenset[str]:
    """Return which of these channels the bot is a member of."""
    found: set[str] = set()
    for channel in channel_ids:
        try:
            info = await client.conversations_info(channel=channel)
        except SlackApiError as exc:
            log.info("channel check failed channel=%s error=%s", channel, exc.response.get("error"))
            continue
        if (info.get("channel") or {}).get("is_member"):
            found.add(channel)
    return frozenset(found)
