"""Admin controls in Slack: Edit, Pause/Resume and Send now (on Home and under the setup note),
the edit form, and Retry under a failed digest's notice.

Every control is checked by `services.ritual_admin` (admins only, their team's rituals only),
whoever the button was shown to: a forged click gets a clear answer and a log line, and changes
nothing. Answers go where the click came from: ephemerally through the response URL under a
message, by DM from the Home tab (which has no response URL).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.ids import Action, RitualField, View
from blocks.prompts import parse_occurrence_value
from blocks.replies import notice_blocks
from blocks.ritual_admin import (
    GONE,
    NOT_ADMIN,
    digest_retried_text,
    edit_not_saved_text,
    edit_ritual_modal,
    paused_text,
    saved_text,
    sent_now_text,
)
from blocks.setup import problems_as_errors, read_ritual_form
from core.rituals import Ritual
from core.weeks import WeekId
from handlers.answers import answer_privately
from handlers.payloads import BlockAction, ViewSubmission
from handlers.tracking import tracked
from services import ritual_admin as admin
from services.deps import Deps
from services.home import publish_home
from services.ritual_setup import check_form

log = logging.getLogger(__name__)

UNREADABLE = "That button is from an unknown version: nothing was done."


def register(app: AsyncApp) -> None:
    """Listen for the admin controls (before the catch-all in `handlers.actions`)."""
    app.action(Action.RITUAL_EDIT.value)(tracked(on_edit))
    app.action(Action.RITUAL_PAUSE.value)(tracked(on_pause))
    app.action(Action.RITUAL_RESUME.value)(tracked(on_resume))
    app.action(Action.RITUAL_SEND_NOW.value)(tracked(on_send_now))
    app.action(Action.DIGEST_RETRY.value)(tracked(on_retry_digest))
    app.view(View.RITUAL_EDIT.value)(tracked(on_edit_form))


async def on_edit(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Open the setup form filled with the ritual's current settings."""
    await ack()
    act = BlockAction.parse(body, action)
    ritual = await _managed(act, client, respond, deps, "edit")
    if ritual is not None:
        await client.views_open(trigger_id=act.trigger_id, view=edit_ritual_modal(ritual))


async def on_pause(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Pause a ritual: nothing is sent until it is resumed."""
    await ack()
    await _toggle(BlockAction.parse(body, action), client, respond, deps, paused=True)


async def on_resume(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Resume a paused ritual."""
    await ack()
    await _toggle(BlockAction.parse(body, action), client, respond, deps, paused=False)


async def on_send_now(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Send this week's prompt now; a second click (or a second admin) sends nothing more."""
    await ack()
    act = BlockAction.parse(body, action)
    ritual = await _managed(act, client, respond, deps, "send now")
    if ritual is None:
        return
    sent = await admin.send_now(deps, client, ritual, by=act.user_id)
    await answer_privately(client, respond, act.user_id, sent_now_text(ritual, sent))


async def on_retry_digest(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Post a failed digest's kept parts again, from the button in the admins' notice."""
    await ack()
    act = BlockAction.parse(body, action)
    occurrence = parse_occurrence_value(act.value)
    week = _week(occurrence[1]) if occurrence else None
    if occurrence is None or week is None:
        log.warning("digest retry with an unreadable value user=%s", act.user_id)
        await answer_privately(client, respond, act.user_id, UNREADABLE)
        return
    act = replace(act, value=occurrence[0])  # the ritual is checked like any other control
    ritual = await _managed(act, client, respond, deps, "digest retry")
    if ritual is None:
        return
    result = await admin.retry_digest(deps, client, ritual, week, by=act.user_id)
    await answer_privately(
        client, respond, act.user_id, digest_retried_text(ritual.name, str(week), result.failed)
    )


async def on_edit_form(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Save the edited ritual in place, or keep the form open with what to fix.

    As at setup, the form is answered after the quick checks; a changed audience is read
    after the answer, and the admin learns by DM whether the edit was saved.
    """
    sub = ViewSubmission.parse(body)
    try:
        before = await admin.managed_ritual(
            deps,
            client,
            team_id=sub.team_id,
            user_id=sub.user_id,
            ritual_id=sub.private_metadata,
            verb="edit",
        )
    except admin.NotAllowed:
        await ack(response_action="errors", errors={RitualField.NAME.value: NOT_ADMIN})
        return
    except admin.Missing:
        await ack(response_action="errors", errors={RitualField.NAME.value: GONE})
        return
    form, errors = read_ritual_form(
        sub.values, ritual_id=before.id, team_id=before.team_id, created_by=before.created_by
    )
    if form is None:
        await ack(response_action="errors", errors=errors)
        return
    saved = admin.edited(before, form)
    problems = await check_form(deps, client, saved)
    if problems:
        await ack(response_action="errors", errors=problems_as_errors(problems))
        return
    await ack()
    # A changed audience is read now, after the answer (Slack waits 3 seconds at most).
    problems = await admin.save_edit(deps, client, before, saved, by=sub.user_id)
    if problems:
        log.info("ritual not edited name=%r problems=%s", saved.name, problems)
        text = edit_not_saved_text(saved, problems)
        await client.chat_postMessage(channel=sub.user_id, blocks=notice_blocks(text), text=text)
        return
    zone = (
        ZoneInfo(saved.tz)
        if saved.per_person_tz
        else await admin.admin_zone(deps, client, sub.team_id, sub.user_id)
    )
    next_prompt = (await admin.next_prompt(deps, saved)).astimezone(zone)
    text = saved_text(saved, next_prompt=next_prompt, zone_name=str(zone))
    await client.chat_postMessage(channel=sub.user_id, blocks=notice_blocks(text), text=text)
    await publish_home(deps, client, team_id=sub.team_id, user_id=sub.user_id)


async def _toggle(
    act: BlockAction,
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
    *,
    paused: bool,
) -> None:
    ritual = await _managed(act, client, respond, deps, "pause" if paused else "resume")
    if ritual is None:
        return
    ritual = await admin.set_paused(deps, ritual, paused, by=act.user_id)
    if act.from_home:
        await publish_home(deps, client, team_id=act.team_id, user_id=act.user_id)
    else:
        await answer_privately(client, respond, act.user_id, paused_text(ritual, paused))


async def _managed(
    act: BlockAction,
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
    verb: str,
) -> Ritual | None:
    """The ritual the button names, or None after telling the person why not."""
    try:
        return await admin.managed_ritual(
            deps, client, team_id=act.team_id, user_id=act.user_id, ritual_id=act.value, verb=verb
        )
    except admin.NotAllowed:
        await answer_privately(client, respond, act.user_id, NOT_ADMIN)
    except admin.Missing:
        await answer_privately(client, respond, act.user_id, GONE)
    return None


def _week(text: str) -> WeekId | None:
    try:
        return WeekId.parse(text)
    except ValueError:
        return None
