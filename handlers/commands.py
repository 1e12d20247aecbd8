"""`/tried`: ack at once, then parse, store, and answer privately through the response URL.

The response URL works in every conversation, including ones the bot is not a member of, where
`chat.postEphemeral` would fail with `not_in_channel`.

Quick entries (`/tried <text>`, `/tried private <text>`, `/tried anon <text>`) must not be lost once acknowledged: the
intake (`bot.intake`) writes them to the inbox and answers before the listener would run, and its
workers call `process_quick_entry`. Saving is keyed by the command's trigger id, so an entry
processed again after a crash is stored, answered and copied once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.confirm import understanding_blocks, understanding_text
from blocks.experiments import list_blocks
from blocks.forms import FormMetadata, experiment_modal, profile_modal
from blocks.replies import (
    forget_me_blocks,
    help_blocks,
    missing_text_blocks,
    not_saved_blocks,
    not_saved_text,
    notice_blocks,
    too_long_blocks,
)
from blocks.setup import ritual_modal
from core import capture as parse
from core.model import MAX_FIELD_CHARS, Source
from handlers.payloads import SlashCommand
from handlers.respond import PooledRespond
from handlers.tracking import tracked
from services import capture
from services.crosspost import attach_and_echo
from services.deps import Deps
from services.function_question import ask_function_once
from services.home import refresh_home
from services.mentions import named, named_one
from services.people import look_up
from services.profiles import own_profile
from services.ritual_setup import may_administer
from services.understanding import understand

log = logging.getLogger(__name__)

COMMAND = "/tried"
NOT_ADMIN = (
    "Setting up rituals is for workspace admins and the people your admin listed in BOT_ADMINS. "
    "Ask one of them, or share an experiment with `/tried` any time."
)


def register(app: AsyncApp) -> None:
    """Listen for `/tried`."""
    app.command(COMMAND)(tracked(on_tried))


async def on_tried(
    ack: AsyncAck,
    command: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    deps: Deps,
) -> None:
    """Handle every form of `/tried`."""
    await ack()
    cmd = SlashCommand.parse(command)
    parsed = parse.parse_command(cmd.text, deps.catalogue)
    match parsed:
        case parse.Open():
            await client.views_open(
                trigger_id=cmd.trigger_id,
                view=experiment_modal(metadata=FormMetadata(channel_id=cmd.channel_id)),
            )
        case parse.Help():
            await _private(respond, help_blocks(), "How to use /tried")
        case parse.Unknown(word=word):
            log.info("unknown /tried subcommand user=%s word=%r", cmd.user_id, word[:40])
            await _private(respond, help_blocks(unknown=word), "How to use /tried")
        case parse.Missing(subcommand=sub, what=what):
            await _private(respond, missing_text_blocks(sub, what), "Missing text")
        case parse.List():
            entries = await capture.recent(deps, cmd.team_id, cmd.user_id)
            shown = await named(client, entries, people=deps.people)
            await _private(respond, list_blocks(shown), "Your experiments")
        case parse.Undo():
            gone = await capture.undo_last(deps, cmd.team_id, cmd.user_id)
            if gone is not None and gone.echo_channel_id and gone.echo_ts:
                await client.chat_delete(channel=gone.echo_channel_id, ts=gone.echo_ts)
            text = "You have nothing to undo." if gone is None else "Deleted your last entry."
            await _private(respond, notice_blocks(text), text)
            if gone is not None:
                await refresh_home(deps, client, team_id=cmd.team_id, user_id=cmd.user_id)
        case parse.Entry(text=text):
            # The intake answers quick entries before this listener runs (see the docstring);
            # an app built without it still saves them here, the same way.
            await _save_entry(cmd, text, private=False, respond=respond, client=client, deps=deps)
        case parse.Private(text=text):
            await _save_entry(cmd, text, private=True, respond=respond, client=client, deps=deps)
        case parse.Anonymous(text=text):
            await _save_entry(
                cmd, text, private=False, anonymous=True, respond=respond, client=client, deps=deps
            )
        case parse.Profile():
            profile = await own_profile(deps, cmd.team_id, cmd.user_id)
            await client.views_open(trigger_id=cmd.trigger_id, view=profile_modal(profile))
        case parse.Setup():
            if not await may_administer(deps, client, cmd.user_id):
                log.info("refused /tried setup user=%s", cmd.user_id)
                await _private(respond, notice_blocks(NOT_ADMIN), NOT_ADMIN)
                return
            person = await look_up(client, cmd.user_id, people=deps.people)
            await client.views_open(
                trigger_id=cmd.trigger_id, view=ritual_modal(default_tz=str(person.tz))
            )
        case parse.ForgetMe():
            await _private(respond, forget_me_blocks(), "Delete everything you shared?")


async def _save_entry(
    cmd: SlashCommand,
    text: str,
    *,
    private: bool,
    anonymous: bool = False,
    respond: AsyncRespond,
    client: AsyncWebClient,
    deps: Deps,
) -> None:
    problem = parse.check_length(text)
    if problem is not None:
        log.info("refused long /tried user=%s length=%d", cmd.user_id, problem.length)
        await _private(
            respond,
            too_long_blocks(text, length=problem.length, limit=problem.limit),
            f"Not saved: {problem.length:,} characters, limit {MAX_FIELD_CHARS:,}",
        )
        return
    # A private entry is never sent to the language model: `understand` returns it as parsed.
    result = await understand(
        deps, text, parse.parse_quick_entry(text, deps.catalogue), private=private
    )
    draft = replace(result.draft, private=private or result.draft.private, anonymous=anonymous)
    author, person = await capture.identify(deps, client, cmd.team_id, cmd.user_id)
    exp, new = await capture.record_experiment(
        deps,
        author,
        draft,
        capture.Origin(
            source=Source.COMMAND,
            source_key=f"cmd:{cmd.trigger_id}",
            channel_id=cmd.channel_id,
            text=text,
        ),
    )
    log.info("captured experiment id=%s user=%s source=command new=%s", exp.id, cmd.user_id, new)
    # The same one-tap corrections as under a captured reply (handlers/corrections.py).
    shown = await named_one(client, exp, people=deps.people)
    await _private(
        respond, understanding_blocks(shown, reasons=result.reasons), understanding_text(shown)
    )
    if new or not (exp.echo_channel_id and exp.echo_ts):
        await attach_and_echo(deps, client, exp, author_name=person.name)
    if new:
        await ask_function_once(deps, client, exp)
        await refresh_home(deps, client, team_id=cmd.team_id, user_id=cmd.user_id, person=person)


async def process_quick_entry(body: dict[str, Any], client: AsyncWebClient, deps: Deps) -> None:
    """Save a quick entry the intake wrote down, and answer through its response URL."""
    cmd = SlashCommand.parse(body)
    respond = PooledRespond(
        response_url=str(body.get("response_url") or "") or None, session=client.session
    )
    match parse.parse_command(cmd.text, deps.catalogue):
        case parse.Entry(text=text):
            await _save_entry(cmd, text, private=False, respond=respond, client=client, deps=deps)
        case parse.Private(text=text):
            await _save_entry(cmd, text, private=True, respond=respond, client=client, deps=deps)
        case parse.Anonymous(text=text):
            await _save_entry(
                cmd, text, private=False, anonymous=True, respond=respond, client=client, deps=deps
            )
        case other:
            log.warning("inbox command is not a quick entry user=%s kind=%s", cmd.user_id, other)


async def tell_not_saved(body: dict[str, Any]) -> None:
    """Tell the person a quick entry was given up on, with their text to copy."""
    url = str(body.get("response_url") or "")
    if not url:
        return
    text = SlashCommand.parse(body).text
    await _private(AsyncRespond(response_url=url), not_saved_blocks(text), not_saved_text(text))


async def _private(respond: AsyncRespond, blocks: list[dict[str, Any]], text: str) -> None:
    await respond(blocks=blocks, text=text, response_type="ephemeral", replace_original=False)
