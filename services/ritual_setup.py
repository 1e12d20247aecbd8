"""Setting rituals up: one code path for the `/tried setup` modal and the `rituals` CLI.

Two steps, so the modal is answered within Slack's 3 seconds whatever the audience's size:
`check_form` validates what takes no more than a fixed few calls (the form's values, the two
channels, the name), and its problems go back into the modal; `finish_setup` then reads the
audience (one page after another) and saves. The CLI runs both in a row (`create_ritual`).
An edit from Home follows the same two steps (`services.ritual_admin.edited` and `save_edit`):
`check_form`, then, after the answer, `check_audience` when the audience changed.
"""

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
    return (await look_up(client, user_id, people=deps.people)).is_admin


async def check_form(deps: Deps, client: AsyncWebClient, ritual: Ritual) -> list[Problem]:
    """What to fix that is known at once: values, the bot in its channels, a free name."""
    channels = [c for c in (ritual.prompt_channel_id, ritual.digest_channel_id) if c]
    problems = validate_ritual(ritual, bot_channels=await audience.bot_channels(client, channels))
    if not problems:
        async with deps.db.read() as conn:
            existing = await repo.find_ritual(conn, ritual.name)
        if (
            existing is not None
            and existing.name == ritual.name
            and existing.team_id == ritual.team_id
            and existing.id != ritual.id  # an edit keeps its own name
        ):
            problems.append(name_taken(ritual))
    return problems


async def finish_setup(deps: Deps, client: AsyncWebClient, ritual: Ritual) -> list[Problem]:
    """Check the audience against Slack and save; return what to fix (nothing saved) or []."""
    problems = await check_audience(deps, client, ritual)
    if problems:
        return problems
    async with deps.db.transaction() as conn:
        if not await repo.insert_ritual(conn, ritual, now=deps.clock()):
            return [name_taken(ritual)]
    log.info("created ritual id=%s name=%r by=%s", ritual.id, ritual.name, ritual.created_by)
    return []


async def create_ritual(deps: Deps, client: AsyncWebClient, ritual: Ritual) -> list[Problem]:
    """Validate against Slack and save; return what to fix (nothing saved) or an empty list."""
    return await check_form(deps, client, ritual) or await finish_setup(deps, client, ritual)


def name_taken(ritual: Ritual) -> Problem:
    return Problem("name", f"A ritual named {ritual.name!r} already exists: choose another name.")


async def check_audience(deps: Deps, client: AsyncWebClient, ritual: Ritual) -> list[Problem]:
    """The slow check, made after the form is answered: the audience has someone to ask.

    Its members are read, then people a page at a time through the directory.
    """
    try:
        members = await audience.audience_ids(client, ritual)
    except SlackApiError as exc:
        error = exc.response.get("error")
        return [
            Problem(
                "audience", f"Could not read the audience ({error}): check the channel or group."
            )
        ]
    humans = await audience.any_human(deps, client, members)
    if humans is None:
        return [Problem("audience", "Slack could not tell who is in the audience: try again.")]
    if not humans:
        return [
            Problem(
                "audience",
                "The audience has nobody to ask: choose people, or a channel or group with members.",
            )
        ]
    return []
