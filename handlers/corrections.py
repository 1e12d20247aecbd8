"""One-tap corrections under "here is what I understood": It failed, It worked, It surprised me,
and the failure-mode menu.

The summary is ephemeral, so it is replaced through the action's `response_url`
(`replace_original`), the only way to change an ephemeral message; the replacement is the same
builder with the corrected values, buttons included.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.confirm import parse_mode_value, understanding_blocks, understanding_text
from blocks.ids import Action
from core.corrections import Correction, Tap
from handlers.answers import answer_privately
from handlers.payloads import BlockAction
from handlers.tracking import tracked
from services import capture, confirmations
from services.crosspost import refresh_copy
from services.deps import Deps
from services.home import refresh_home
from services.mentions import named_one
from services.people import look_up

log = logging.getLogger(__name__)

NOT_YOURS = "Only the person who shared this can correct it."
GONE = "That entry no longer exists."

_TAPS = {
    Action.CORRECT_FAILED.value: Tap.FAILED,
    Action.CORRECT_WORKED.value: Tap.WORKED,
    Action.CORRECT_SURPRISED.value: Tap.SURPRISED,
    Action.CORRECT_FAILURE_MODE.value: Tap.FAILURE_MODE,
}


def register(app: AsyncApp) -> None:
    """Listen for the corrections. Call before `actions.register`, whose catch-all comes last."""
    for action_id in _TAPS:
        app.action(action_id)(tracked(on_correction))


def read_correction(act: BlockAction) -> tuple[str, Correction] | None:
    """The experiment and the correction a tap asks for; None for a value this bot never wrote."""
    tap = _TAPS.get(act.action_id)
    if tap is None:
        return None
    if tap is Tap.FAILURE_MODE:
        chosen = parse_mode_value(act.value)
        if chosen is None:
            return None
        return chosen[0], Correction(tap, chosen[1])
    return (act.value, Correction(tap)) if act.value else None


async def on_correction(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Store the author's correction at once, then show the corrected summary in place."""
    await ack()
    act = BlockAction.parse(body, action)
    asked = read_correction(act)
    if asked is None:
        log.warning("unreadable correction action=%s user=%s", act.action_id, act.user_id)
        return
    experiment_id, correction = asked
    try:
        done = await confirmations.correct(deps, experiment_id, act.user_id, correction)
    except capture.NotYours:
        log.warning(
            "refused correction of another person's entry user=%s experiment=%s",
            act.user_id,
            experiment_id,
        )
        await answer_privately(client, respond, act.user_id, NOT_YOURS)
        return
    except capture.NotFound:
        await answer_privately(client, respond, act.user_id, GONE)
        return
    exp = done.experiment
    shown = await named_one(client, exp, people=deps.people)
    await respond(
        blocks=understanding_blocks(shown, done.confirmed),
        text=understanding_text(shown),
        replace_original=True,
    )
    if exp.echo_channel_id and exp.echo_ts:
        await refresh_copy(
            deps,
            client,
            exp,
            author_name=(await look_up(client, act.user_id, people=deps.people)).name,
        )
    await refresh_home(deps, client, team_id=exp.team_id, user_id=act.user_id)
