"""Entries made with `/tried` or the form land in the week's prompt thread too.

A shared (not private) entry is attached to the current occurrence of a ritual that asked the
person this week, so it counts as their answer (no reminder), and the bot posts a copy in the
prompt's thread: the thread of the prompt whose button opened the form; else the person's own DM
thread when they were asked by DM; else the channel's.
Someone in no ritual's audience simply has their entry stored.
The copy is always posted by the bot, never as the person. An entry shared without a name is
credited by its byline ("someone", or "someone in Legal" when enough of the ritual's audience
share that function; `core.credit`), decided in `_credit` and nowhere else.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.experiments import crosspost_blocks, crosspost_text
from core.credit import byline, credited, function_cells
from core.model import Experiment
from core.weeks import WeekId
from services.deps import Deps
from services.mentions import named_one
from storage import experiments as repo
from storage import profiles as profile_repo
from storage import rituals as ritual_repo
from storage import sends
from storage.sends import Send, SendKind, SendStatus

log = logging.getLogger(__name__)


async def _credit(deps: Deps, exp: Experiment, author_name: str) -> str:
    """Who the copy credits: the author's name, or the byline of an entry shared without it."""
    if credited(exp):
        return author_name
    audience: tuple[str, ...] = ()
    async with deps.db.read() as conn:
        if exp.ritual_id is not None:
            week = WeekId.parse(exp.week)
            audience = await ritual_repo.occurrence_audience(conn, exp.ritual_id, week) or ()
        functions = await profile_repo.job_functions(conn, exp.team_id, sorted(set(audience)))
    return byline(exp, author_name, function_cells(functions))


async def refresh_copy(
    deps: Deps, client: AsyncWebClient, exp: Experiment, *, author_name: str
) -> None:
    """Keep the thread copy in step with an edit: updated, or removed when now private."""
    if not (exp.echo_channel_id and exp.echo_ts):
        return
    try:
        if exp.private:
            await client.chat_delete(channel=exp.echo_channel_id, ts=exp.echo_ts)
            async with deps.db.transaction() as conn:
                await repo.clear_echo(conn, exp.id)
        else:
            shown = await named_one(client, exp, people=deps.people)
            await client.chat_update(
                channel=exp.echo_channel_id,
                ts=exp.echo_ts,
                blocks=crosspost_blocks(shown, await _credit(deps, exp, author_name)),
                text=crosspost_text(shown),
            )
    except SlackApiError as exc:
        log.warning(
            "could not refresh the copy experiment=%s error=%s", exp.id, exc.response.get("error")
        )


async def _target(
    deps: Deps, exp: Experiment, ritual_id: str | None, week: str | None
) -> Send | None:
    """Find the prompt whose thread should hold this entry."""
    async with deps.db.read() as conn:
        rituals = await ritual_repo.list_rituals(conn, exp.team_id)
        for ritual in rituals:
            if ritual_id is not None and ritual.id != ritual_id:
                continue
            current = WeekId.parse(week) if week else WeekId.of(deps.clock(), ZoneInfo(ritual.tz))
            audience = await ritual_repo.occurrence_audience(conn, ritual.id, current)
            if audience is None or (ritual_id is None and exp.user_id not in audience):
                continue
            prompts = [
                s
                for s in await sends.list_sends(conn, ritual.id, current, SendKind.PROMPT)
                if s.status is SendStatus.SENT and s.ts
            ]
            own = [s for s in prompts if s.recipient == exp.user_id]
            channel = [s for s in prompts if s.recipient == ritual.prompt_channel_id]
            if own or channel:
                return (own or channel)[0]
    return None


async def attach_and_echo(
    deps: Deps,
    client: AsyncWebClient,
    exp: Experiment,
    *,
    author_name: str,
    ritual_id: str | None = None,
    week: str | None = None,
    prompt: tuple[str, str] | None = None,
) -> Send | None:
    """Attach a shared entry to this week's ritual and post its copy in the prompt's thread."""
    if exp.private:
        return None
    chosen = None
    if prompt is not None:  # the form was opened from this prompt: answer in its thread
        async with deps.db.read() as conn:
            chosen = await sends.find_prompt(conn, *prompt)
    prompt_send = chosen or await _target(deps, exp, ritual_id, week)
    if prompt_send is None or prompt_send.channel_id is None or prompt_send.ts is None:
        return None
    async with deps.db.transaction() as conn:
        await repo.set_occurrence(conn, exp.id, prompt_send.ritual_id, prompt_send.week)
    exp = replace(exp, ritual_id=prompt_send.ritual_id, week=prompt_send.week)
    credit = await _credit(deps, exp, author_name)
    shown = await named_one(client, exp, people=deps.people)
    try:
        posted = await client.chat_postMessage(
            channel=prompt_send.channel_id,
            thread_ts=prompt_send.ts,
            blocks=crosspost_blocks(shown, credit),
            text=crosspost_text(shown),
            unfurl_links=False,
        )
    except SlackApiError as exc:
        log.warning(
            "could not post the copy experiment=%s error=%s", exp.id, exc.response.get("error")
        )
        return prompt_send
    link = None
    try:
        found = await client.chat_getPermalink(
            channel=str(posted["channel"]), message_ts=str(posted["ts"])
        )
        link = str(found["permalink"])
    except SlackApiError as exc:
        log.info(
            "no permalink for the copy experiment=%s error=%s", exp.id, exc.response.get("error")
        )
    async with deps.db.transaction() as conn:
        await repo.set_echo(conn, exp.id, str(posted["channel"]), str(posted["ts"]))
        if link:
            await repo.set_permalink(conn, exp.id, link)
    log.info(
        "posted copy experiment=%s ritual=%s week=%s",
        exp.id,
        prompt_send.ritual_id,
        prompt_send.week,
    )
    return prompt_send
