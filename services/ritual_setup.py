"""Setting rituals up: one code path for the `/tried setup` modal and the `rituals` CLI."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.rituals import Problem, Ritual, validate_ritual
from services import audience
from services.deps import Deps
from services.people import look_up
from storage import rituals as repo
from storage.db import new_id

log = logging.getLogger(__name__)


def new_ritual_id() -> str:
    """Return an id for a ritual about to be set up."""
    return new_id()


async def may_administer(deps: Deps, client: AsyncWebClient, user_id: str) -> bool:
    """Workspace admins and owners, and anyone in BOT_ADMINS, may set up rituals."""
    if user_id in deps.admins:
        return True
    return (await look_up(client, user_id)).is_admin


async def create_ritual(deps: Deps, client: AsyncWebClient, ritual: Ritual) -> list[Problem]:
    """Validate against Slack and save; return what to fix (nothing saved) or an empty list."""
    channels = [c for c in (ritual.prompt_channel_id, ritual.digest_channel_id) if c]
    problems = validate_ritual(ritual, bot_channels=await audience.bot_channels(client, channels))
    if not problems:
        try:
            members = await audience.audience_ids(client, ritual)
        except SlackApiError as exc:
            error = exc.response.get("error")
            problems.append(
                Problem(
                    "audience",
                    f"Could not read the audience ({error}): check the channel or group.",
                )
            )
        else:
            humans = await audience.people(deps, client, ritual.team_id, members)
            if not humans:
                problems.append(
                    Problem(
                        "audience",
                        "The audience has nobody to ask: choose people, or a channel or group with members.",
                    )
                )
    if problems:
        return problems
    async with deps.db.transaction() as conn:
        if not await repo.insert_ritual(conn, ritual, now=deps.clock()):
            return [
                Problem(
                    "name", f"A ritual named {ritual.name!r} already exists: choose another name."
                )
            ]
    log.info("created ritual id=%s name=%r by=%s", ritual.id, ritual.name, ritual.created_by)
    return []


async def check_ritual(
    deps: Deps, client: AsyncWebClient, ritual: Ritual, *, check_audience: bool = True
) -> list[Problem]:
    """What to fix before a ritual's settings can be saved, checked against Slack as at setup.

    Reading the audience (one look-up per member) is the slow part: an edit that keeps the
    audience skips it with `check_audience=False`.
    """
    channels = [c for c in (ritual.prompt_channel_id, ritual.digest_channel_id) if c]
    problems = validate_ritual(ritual, bot_channels=await audience.bot_channels(client, channels))
    if problems or not check_audience:
        return problems
    try:
        members = await audience.audience_ids(client, ritual)
    except SlackApiError as exc:
        error = exc.response.get("error")
        return [
            Problem(
                "audience", f"Could not read the audience ({error}): check the channel or group."
            )
        ]
    if not await audience.people(deps, client, ritual.team_id, members):
        return [
            Problem(
                "audience",
                "The audience has nobody to ask: choose people, or a channel or group with members.",
            )
        ]
    return []
