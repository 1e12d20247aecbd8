"""Modal submissions: the experiment form, new or edited."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.experiments import confirmation_blocks, confirmation_text
from blocks.forms import FormMetadata, read_experiment_form, read_profile_form
from blocks.ids import Field, RitualField, View
from blocks.ritual_admin import setup_confirmation
from blocks.setup import (
    problems_as_errors,
    read_ritual_form,
    ritual_not_created_blocks,
    ritual_not_created_text,
)
from core.model import Experiment, Source
from core.upcoming import first_prompt
from handlers.payloads import ViewSubmission
from handlers.tracking import tracked
from services import capture, confirmations
from services.crosspost import attach_and_echo, refresh_copy
from services.deps import Deps
from services.function_question import ask_function_once
from services.home import publish_home, refresh_home
from services.mentions import named_one
from services.people import look_up
from services.profiles import save_own_profile
from services.ritual_admin import admin_zone
from services.ritual_setup import check_form, finish_setup, may_administer, new_ritual_id

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    """Listen for the experiment form."""
    app.view(View.EXPERIMENT.value)(tracked(on_experiment_form))
    app.view(View.PROFILE.value)(tracked(on_profile_form))
    app.view(View.RITUAL.value)(tracked(on_ritual_form))


async def on_experiment_form(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Validate the form (field errors stay in the modal), close it, then store."""
    sub = ViewSubmission.parse(body)
    draft, errors = read_experiment_form(sub.values)
    if draft is None:
        await ack(response_action="errors", errors=errors)
        return
    meta = FormMetadata.load(sub.private_metadata)
    if meta.experiment_id is not None:
        try:
            before = await capture.own_experiment(deps, meta.experiment_id, sub.user_id)
        except (capture.NotYours, capture.NotFound):
            await ack(
                response_action="errors",
                errors={Field.SUMMARY.value: "This entry can no longer be edited by you."},
            )
            return
        await ack()
        # The form showed the entry with its mentions named: fields left as shown stay as stored.
        shown = await named_one(client, before, people=deps.people)
        exp = await capture.edit_experiment(
            deps, meta.experiment_id, sub.user_id, draft, shown=shown
        )
        await confirmations.confirm_form_edit(deps, before, exp)
        log.info("edited experiment id=%s user=%s", exp.id, sub.user_id)
        await _confirm(deps, client, exp, meta, ())
        await refresh_copy(
            deps,
            client,
            exp,
            author_name=(await look_up(client, sub.user_id, people=deps.people)).name,
        )
        await refresh_home(deps, client, team_id=exp.team_id, user_id=sub.user_id)
        return
    await ack()
    author, person = await capture.identify(deps, client, sub.team_id, sub.user_id)
    exp, new = await capture.record_experiment(
        deps,
        author,
        draft,
        capture.Origin(
            source=Source.FORM, source_key=f"view:{sub.view_id}", channel_id=meta.channel_id
        ),
    )
    if new:
        log.info("captured experiment id=%s user=%s source=form", exp.id, sub.user_id)
        await _confirm(deps, client, exp, meta, ())
        await attach_and_echo(
            deps,
            client,
            exp,
            author_name=person.name,
            ritual_id=meta.ritual_id,
            week=meta.week,
            prompt=(meta.channel_id, meta.prompt_ts)
            if meta.channel_id and meta.prompt_ts
            else None,
        )
        await ask_function_once(deps, client, exp)
        await refresh_home(deps, client, team_id=exp.team_id, user_id=sub.user_id)


async def on_profile_form(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Save the person's profile, or show what to fix in the modal."""
    sub = ViewSubmission.parse(body)
    profile, errors = read_profile_form(sub.values, team_id=sub.team_id, user_id=sub.user_id)
    if profile is None:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await save_own_profile(deps, profile)
    log.info("saved profile user=%s", sub.user_id)
    await publish_home(deps, client, team_id=sub.team_id, user_id=sub.user_id)


async def on_ritual_form(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Create a ritual, or keep the modal open with what to fix; nothing is half-saved.

    The form is answered within Slack's 3 seconds whatever the audience's size: what can be
    checked at once goes back into the modal; the audience is read after the answer, and the
    admin learns by DM whether the ritual was saved.
    """
    sub = ViewSubmission.parse(body)
    if not await may_administer(deps, client, sub.user_id):
        await ack(
            response_action="errors",
            errors={RitualField.NAME.value: "Only admins can set up rituals."},
        )
        return
    ritual, errors = read_ritual_form(
        sub.values, ritual_id=new_ritual_id(), team_id=sub.team_id, created_by=sub.user_id
    )
    if ritual is None:
        await ack(response_action="errors", errors=errors)
        return
    problems = await check_form(deps, client, ritual)
    if problems:
        await ack(response_action="errors", errors=problems_as_errors(problems))
        return
    await ack()
    problems = await finish_setup(deps, client, ritual)
    if problems:
        log.info("ritual not created name=%r problems=%s", ritual.name, problems)
        await client.chat_postMessage(
            channel=sub.user_id,
            blocks=ritual_not_created_blocks(ritual, problems),
            text=ritual_not_created_text(ritual, problems),
        )
        return
    # When the first prompt goes out, in the admin's zone, with a button to send it now.
    zone = await admin_zone(deps, client, sub.team_id, sub.user_id)
    first = first_prompt(ritual, now=deps.clock())
    blocks, text = setup_confirmation(
        ritual, first_at=first.at.astimezone(zone), this_week=first.this_week, zone_name=str(zone)
    )
    await client.chat_postMessage(channel=sub.user_id, blocks=blocks, text=text)


async def _confirm(
    deps: Deps,
    client: AsyncWebClient,
    exp: Experiment,
    meta: FormMetadata,
    reasons: tuple[str, ...],
) -> None:
    """Confirm privately where the form was opened, or in the app's DM when that is not possible."""
    shown = await named_one(client, exp, people=deps.people)
    blocks, text = confirmation_blocks(shown, reasons), confirmation_text(shown)
    if meta.channel_id:
        try:
            await client.chat_postEphemeral(
                channel=meta.channel_id, user=exp.user_id, blocks=blocks, text=text
            )
            return
        except SlackApiError as exc:
            log.info(
                "ephemeral confirmation failed channel=%s error=%s; using DM",
                meta.channel_id,
                exc.response.get("error"),
            )
    await client.chat_postMessage(channel=exp.user_id, blocks=blocks, text=text)
