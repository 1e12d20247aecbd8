"""Who a person is, as far as the bot needs: their time zone and whether they may administer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.model import Profile

log = logging.getLogger(__name__)

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Person:
    user_id: str
    tz: ZoneInfo
    name: str = ""
    is_admin: bool = False
    deleted: bool = False
    is_bot: bool = False


def zone_or_utc(name: str | None) -> ZoneInfo:
    """Return the named IANA zone, or UTC when it is missing or unknown."""
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r, using UTC", name)
        return UTC_ZONE


async def look_up(client: AsyncWebClient, user_id: str, profile: Profile | None = None) -> Person:
    """Ask Slack about a person; a profile's time zone override wins over Slack's."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info failed user=%s error=%s", user_id, exc.response.get("error"))
        tz = zone_or_utc(profile.tz_override if profile else None)
        return Person(user_id=user_id, tz=tz, name=user_id)
    user = response.get("user") or {}
    tz_name = (profile.tz_override if profile else None) or user.get("tz")
    return Person(
        user_id=user_id,
        tz=zone_or_utc(tz_name),
        name=_display_name(user) or user_id,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        deleted=bool(user.get("deleted")),
        is_bot=bool(user.get("is_bot")),
    )


def _display_name(user: dict[str, object]) -> str:
    """Pick the name people see in Slack: display name, then real name, then handle."""
    profile = user.get("profile")
    names = profile if isinstance(profile, dict) else {}
    for candidate in (
        names.get("display_name"),
        names.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return ""
