"""Who a ritual asks: resolve its audience to people, and drop those who must not be asked."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.model import Profile
from core.rituals import AudienceKind, Ritual
from services.deps import Deps
from services.people import Person
from storage.profiles import get_profile

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Found:
    """One batch of people looked up: who may be asked (with their profile), who may not."""

    humans: list[tuple[Person, Profile]]
    dropped: list[str]  # deactivated, or bots


async def find(
    deps: Deps, client: AsyncWebClient, team_id: str, user_ids: Sequence[str]
) -> AsyncGenerator[Found, None]:
    """Look people up through the shared directory, a batch at a time as they become known.

    Someone Slack could not tell about is in no batch: the caller asks again later.
    """
    async for batch in deps.people.find(client, user_ids):
        humans: list[tuple[Person, Profile]] = []
        dropped: list[str] = []
        async with deps.db.read() as conn:
            for user in batch:
                if user.deleted or user.is_bot:
                    log.info(
                        "not asking user=%s deleted=%s bot=%s",
                        user.user_id,
                        user.deleted,
                        user.is_bot,
                    )
                    dropped.append(user.user_id)
                    continue
                profile = await get_profile(conn, team_id, user.user_id)
                humans.append((user.person(profile), profile))
        yield Found(humans, dropped)


async def people(
    deps: Deps, client: AsyncWebClient, team_id: str, user_ids: Sequence[str]
) -> list[tuple[Person, Profile]]:
    """Look up each person with their profile; bots, the deactivated and the unknown are left out."""
    return [pair async for found in find(deps, client, team_id, user_ids) for pair in found.humans]


async def any_human(deps: Deps, client: AsyncWebClient, user_ids: Sequence[str]) -> bool | None:
    """Tell whether anyone of `user_ids` is a person who can be asked; None if Slack could not tell."""
    async with aclosing(deps.people.find(client, user_ids)) as batches:
        async for batch in batches:
            if any(not user.deleted and not user.is_bot for user in batch):
                return True
    unknown = any(deps.people.cached(user_id) is None for user_id in user_ids)
    return None if unknown else False


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
