"""Buttons: Edit and Delete on an experiment, and the form opener on prompts."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.forms import FormMetadata, experiment_modal, profile_modal
from blocks.home import deleted_notice
from blocks.ids import Action
from blocks.prompts import parse_occurrence_value
from blocks.replies import forgotten_blocks, forgotten_text
from core.model import Experiment
from handlers.answers import answer_privately
from handlers.payloads import BlockAction
from handlers.tracking import tracked
from services import capture, replication
from services.deps import Deps
from services.home import refresh_home
from services.mentions import named_one
from services.privacy import forget_person
from services.profiles import own_profile
from services.skips import Skip, skip_week

log = logging.getLogger(__name__)

NOT_YOURS = "You can only change your own entries."
GONE = "That entry no longer exists."
SKIPPED = "Skipped for this week: no reminder. See you next week."
NOT_ASKED = "That ritual does not ask you, so there is nothing to skip."


def register(app: AsyncApp) -> None:
    """Listen for every button the bot renders, then catch anything else."""
    app.action(Action.EDIT_EXPERIMENT.value)(tracked(on_edit))
    app.action(Action.DELETE_EXPERIMENT.value)(tracked(on_delete))
    app.action(Action.OPEN_FORM.value)(tracked(on_open_form))
    app.action(Action.OPEN_PROFILE.value)(tracked(on_open_profile))
    app.action(Action.SKIP_WEEK.value)(tracked(on_skip_week))
    app.action(Action.FORGET_ME_CONFIRM.value)(tracked(on_forget_me))
    app.action(Action.FORGET_ME_CANCEL.value)(tracked(on_forget_me_cancel))
    app.action(Action.REPLICATE.value)(tracked(on_replicate))
    # Registered last: Bolt hands a request to the first listener that matches.
    app.action(re.compile(".*"))(on_unknown_action)


async def on_edit(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Open the form filled with the person's own experiment."""
    await ack()
    act = BlockAction.parse(body, action)
    exp = await _as_owner(
        deps, client, respond, act, "edit", capture.own_experiment(deps, act.value, act.user_id)
    )
    if exp is None:
        return
    await client.views_open(
        trigger_id=act.trigger_id,
        view=experiment_modal(
            draft=await named_one(client, exp, people=deps.people),
            metadata=FormMetadata(experiment_id=exp.id, channel_id=act.channel_id),
        ),
    )


async def on_delete(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Delete the person's own experiment, and the bot's copy of it in a thread."""
    await ack()
    act = BlockAction.parse(body, action)
    exp = await _as_owner(
        deps,
        client,
        respond,
        act,
        "delete",
        capture.delete_own_experiment(deps, act.value, act.user_id),
    )
    if exp is None:
        return
    if exp.echo_channel_id and exp.echo_ts:
        await client.chat_delete(channel=exp.echo_channel_id, ts=exp.echo_ts)
    log.info("deleted experiment id=%s user=%s home=%s", exp.id, act.user_id, act.from_home)
    if act.from_home:
        # Home's answer is Home itself: the entry gone, and a note saying so.
        await refresh_home(
            deps, client, team_id=exp.team_id, user_id=act.user_id, notice=deleted_notice(exp)
        )
        return
    await _tell(deps, client, act, respond, "Deleted.")
    await refresh_home(deps, client, team_id=exp.team_id, user_id=act.user_id)


async def on_replicate(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """A reader says they tried a digest entry too (or could not reproduce it, or takes it back)."""
    await ack()
    act = BlockAction.parse(body, action)
    if act.channel_id is None or act.message_ts is None:
        log.warning("replication without a message user=%s", act.user_id)
        return
    said = await replication.answer(
        deps,
        client,
        user_id=act.user_id,
        channel_id=act.channel_id,
        message_ts=act.message_ts,
        value=act.value,
    )
    if said is not replication.Answer.COUNTED:
        await _tell(deps, client, act, respond, said.value)


async def on_open_form(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Open an empty experiment form (the prompt's "Share an experiment" button, or Home's)."""
    await ack()
    act = BlockAction.parse(body, action)
    # From a prompt, the button carries its ritual and week, and the entry answers that prompt.
    occurrence = parse_occurrence_value(act.value)
    metadata = FormMetadata(
        channel_id=act.channel_id,
        ritual_id=occurrence[0] if occurrence else None,
        week=occurrence[1] if occurrence else None,
        prompt_ts=act.message_ts if occurrence else None,
    )
    await client.views_open(trigger_id=act.trigger_id, view=experiment_modal(metadata=metadata))


async def on_skip_week(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Skip this week's ritual: no reminder for this person this week."""
    await ack()
    act = BlockAction.parse(body, action)
    occurrence = parse_occurrence_value(act.value)
    if occurrence is None:
        log.warning("skip with an unreadable value user=%s", act.user_id)
        return
    ritual_id, week = occurrence
    done = await skip_week(
        deps, client, team_id=act.team_id, user_id=act.user_id, ritual_id=ritual_id, week=week
    )
    if done is Skip.REFUSED:
        await _tell(deps, client, act, respond, NOT_ASKED)
        return
    log.info("skipped week user=%s ritual=%s week=%s", act.user_id, ritual_id, week)
    await _tell(deps, client, act, respond, SKIPPED)


async def on_open_profile(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Open the profile form from the Home tab."""
    await ack()
    act = BlockAction.parse(body, action)
    profile = await own_profile(deps, act.team_id, act.user_id)
    await client.views_open(trigger_id=act.trigger_id, view=profile_modal(profile))


async def on_forget_me(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Delete everything the person shared, after they confirmed."""
    await ack()
    act = BlockAction.parse(body, action)
    report = await forget_person(deps, client, team_id=act.team_id, user_id=act.user_id)
    counts = {"entries": report.entries, "copies_left": report.copies_left}
    await respond(
        blocks=forgotten_blocks(**counts), text=forgotten_text(**counts), replace_original=True
    )
    await refresh_home(deps, client, team_id=act.team_id, user_id=act.user_id)


async def on_forget_me_cancel(ack: AsyncAck, respond: AsyncRespond) -> None:
    """Keep everything."""
    await ack()
    await respond(text="Nothing was deleted.", replace_original=True)


async def on_unknown_action(ack: AsyncAck, body: dict[str, Any]) -> None:
    """Acknowledge a button from an old message or another version, and log it."""
    await ack()
    ids = [a.get("action_id") for a in body.get("actions", [])]
    log.warning("unknown action ids=%s user=%s", ids, (body.get("user") or {}).get("id"))


async def _as_owner(
    deps: Deps,
    client: AsyncWebClient,
    respond: AsyncRespond,
    act: BlockAction,
    verb: str,
    work: Awaitable[Experiment],
) -> Experiment | None:
    """Run work on the person's own entry; tell them, and return None, when it is not theirs or gone."""
    try:
        return await work
    except capture.NotYours:
        log.warning(
            "refused %s of another person's entry user=%s experiment=%s",
            verb,
            act.user_id,
            act.value,
        )
        await _tell(deps, client, act, respond, NOT_YOURS)
    except capture.NotFound:
        await _tell(deps, client, act, respond, GONE)
    return None


async def _tell(
    deps: Deps, client: AsyncWebClient, act: BlockAction, respond: AsyncRespond, text: str
) -> None:
    """Answer privately; a click on Home (which carries no response URL) is answered on Home."""
    if not respond.response_url and act.from_home:
        await refresh_home(deps, client, team_id=act.team_id, user_id=act.user_id, notice=text)
    else:
        await answer_privately(client, respond, act.user_id, text)
