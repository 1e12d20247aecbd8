"""Who a person is, as far as the bot needs: their time zone and whether they may administer.

Rules:
- One `PeopleDirectory` per process (`deps.people`), shared by commands, replies and the
  scheduler: a person is asked of Slack at most once per `ttl` (6 h by default), however many
  ticks, rituals or commands need them. Concurrent asks for one person share one call.
- Many people at once are read in bulk: `users.list` pages of 200 (Tier 2) fill the directory
  for everyone they list, instead of one `users.info` (Tier 4) per person; it stops as soon as
  everyone wanted is found, and hands each page's people over at once, so work can start.
- A lookup that fails (rate limited after retries, 5xx, timeout) is not an answer: nothing is
  stored, and `find` leaves the person out, so the scheduler asks again on its next tick. Only
  `user_not_found` is an answer (treated as deactivated). `look_up`, for replies to commands
  and the like, still falls back to the user id as the name and UTC as the zone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.model import Profile
from core.slack_limits import USERS_LIST_PAGE
from services.deps import system_clock

log = logging.getLogger(__name__)

UTC_ZONE = ZoneInfo("UTC")
DEFAULT_TTL = timedelta(hours=6)
BULK_FROM = 50  # this many people unknown at once are read with users.list, not users.info
LOOKUP_CONCURRENCY = 8


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


@dataclass(frozen=True)
class SlackUser:
    """What Slack said about a person (before their profile's overrides)."""

    user_id: str
    tz: str | None
    name: str
    is_admin: bool = False
    deleted: bool = False
    is_bot: bool = False

    @classmethod
    def from_slack(cls, user: dict[str, Any]) -> SlackUser:
        """Read a user object (https://api.slack.com/types/user)."""
        user_id = str(user.get("id") or "")
        return cls(
            user_id=user_id,
            tz=str(user["tz"]) if user.get("tz") else None,
            name=_display_name(user) or user_id,
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            deleted=bool(user.get("deleted")),
            is_bot=bool(user.get("is_bot")),
        )

    def person(self, profile: Profile | None = None) -> Person:
        """The person as the bot uses them: a profile's time zone override wins over Slack's."""
        return Person(
            user_id=self.user_id,
            tz=zone_or_utc((profile.tz_override if profile else None) or self.tz),
            name=self.name,
            is_admin=self.is_admin,
            deleted=self.deleted,
            is_bot=self.is_bot,
        )


@dataclass
class PeopleDirectory:
    """People as Slack described them, each kept for `ttl`; see the module's rules."""

    clock: Callable[[], datetime] = system_clock
    ttl: timedelta = DEFAULT_TTL
    bulk_from: int = BULK_FROM
    _known: dict[str, tuple[SlackUser, datetime]] = field(default_factory=dict)
    _asking: dict[str, asyncio.Future[SlackUser | None]] = field(default_factory=dict)

    def cached(self, user_id: str) -> SlackUser | None:
        """The person if known and not expired."""
        entry = self._known.get(user_id)
        if entry is None or self.clock() - entry[1] >= self.ttl:
            return None
        return entry[0]

    def remember(self, user: SlackUser) -> None:
        self._known[user.user_id] = (user, self.clock())

    async def get(self, client: AsyncWebClient, user_id: str) -> SlackUser | None:
        """The person, asked of Slack only when not known; None when Slack could not tell."""
        known = self.cached(user_id)
        if known is not None:
            return known
        asking = self._asking.get(user_id)
        if asking is not None:
            return await asyncio.shield(asking)
        future: asyncio.Future[SlackUser | None] = asyncio.get_running_loop().create_future()
        self._asking[user_id] = future
        try:
            found = await _users_info(client, user_id)
            if found is not None:
                self.remember(found)
            future.set_result(found)
            return found
        except asyncio.CancelledError:
            future.set_result(None)  # the others waiting are not cancelled: to them, unknown
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: each waiter gets it raised all the same
            raise
        finally:
            del self._asking[user_id]

    async def find(
        self, client: AsyncWebClient, user_ids: Sequence[str]
    ) -> AsyncGenerator[list[SlackUser], None]:
        """Yield the people named, a batch at a time as they become known.

        The known come first; many unknown are read page by page with users.list; the rest
        with users.info, a few at once, as one batch. Someone Slack could not tell about is
        left out (ask again later).
        """
        wanted = list(dict.fromkeys(user_ids))
        known = [user for user in map(self.cached, wanted) if user is not None]
        if known:
            yield known
        missing = {user_id for user_id in wanted if self.cached(user_id) is None}
        if len(missing) >= self.bulk_from:
            async for page in self._pages(client, missing):
                if page:
                    yield page
        if missing:
            gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

            async def one(user_id: str) -> SlackUser | None:
                async with gate:
                    return await self.get(client, user_id)

            found = await asyncio.gather(*(one(user_id) for user_id in sorted(missing)))
            asked = [user for user in found if user is not None]
            if asked:
                yield asked

    async def _pages(
        self, client: AsyncWebClient, missing: set[str]
    ) -> AsyncGenerator[list[SlackUser], None]:
        """Read users.list until everyone `missing` is found; found ones leave `missing`."""
        cursor: str | None = None
        while missing:
            try:
                page = await client.users_list(limit=USERS_LIST_PAGE, cursor=cursor)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("users.list failed error=%s; asking one by one", _error(exc))
                return
            found: list[SlackUser] = []
            for raw in page.get("members") or []:
                user = SlackUser.from_slack(raw)
                self.remember(user)
                if user.user_id in missing:
                    missing.discard(user.user_id)
                    found.append(user)
            yield found
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return


async def _users_info(client: AsyncWebClient, user_id: str) -> SlackUser | None:
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        if exc.response.get("error") == "user_not_found":
            return SlackUser(user_id=user_id, tz=None, name=user_id, deleted=True)
        log.warning("users.info failed user=%s error=%s", user_id, _error(exc))
        return None
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("users.info failed user=%s error=%s", user_id, _error(exc))
        return None
    return SlackUser.from_slack({"id": user_id, **(response.get("user") or {})})


def _error(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__


async def look_up(
    client: AsyncWebClient,
    user_id: str,
    profile: Profile | None = None,
    *,
    people: PeopleDirectory,
) -> Person:
    """Ask the directory (Slack, when not known) about a person, for a reply: never fails.

    When Slack cannot tell, the person gets their id as the name and UTC (or their profile's
    override) as the zone: fine for words in a reply, never for deciding when to prompt
    them (the scheduler uses `PeopleDirectory.find`, which leaves them out instead).
    """
    found = await people.get(client, user_id)
    if found is None:
        return Person(
            user_id=user_id, tz=zone_or_utc(profile.tz_override if profile else None), name=user_id
        )
    return found.person(profile)


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
