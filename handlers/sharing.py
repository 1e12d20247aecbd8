"""Buttons about how a person shares: with or without their name, and their job function.

"Share without my name" / "Show my name" sits under a confirmation, which only its author sees;
the entry's thread copy follows at once. The job function question (asked once, in the app's
DM) is answered with one tap, or dismissed for good.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.confirm import understanding_blocks, understanding_text
from blocks.experiments import parse_anonymous_toggle
from blocks.function_question import (
    DISMISSED_TEXT,
    function_from_action,
    function_saved_blocks,
    function_saved_text,
)
from blocks.ids import Action
from blocks.replies import notice_blocks
from handlers.answers import answer_privately
from handlers.payloads import BlockAction
from handlers.tracking import tracked
from services import capture, confirmations
from services.crosspost import refresh_copy
from services.deps import Deps
from services.function_question import answer_function, dismiss_function
from services.home import publish_home
from services.people import look_up

log = logging.getLogger(__name__)

NOT_YOURS = "Only the person who shared this can change how it is credited."
GONE = "That entry no longer exists."


def register(app: AsyncApp) -> None:
    """Listen for these buttons. Call before `actions.register`, whose catch-all comes last."""
    app.action(Action.TOGGLE_ANONYMOUS.value)(tracked(on_toggle_anonymous))
    app.action(re.compile(f"^{re.escape(Action.CHOOSE_FUNCTION.value)}_"))(
        tracked(on_choose_function)
    )
    app.action(Action.DISMISS_FUNCTION.value)(tracked(on_dismiss_function))


async def on_toggle_anonymous(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Share the entry with or without the author's name, and show the confirmation again."""
    await ack()
    act = BlockAction.parse(body, action)
    asked = parse_anonymous_toggle(act.value)
    if asked is None:
        log.warning("unreadable anonymity toggle user=%s", act.user_id)
        return
    experiment_id, anonymous = asked
    try:
        exp = await capture.set_anonymous(deps, experiment_id, act.user_id, anonymous)
    except capture.NotYours:
        log.warning(
            "refused anonymity change of another person's entry user=%s experiment=%s",
            act.user_id,
            experiment_id,
        )
        await answer_privately(client, respond, act.user_id, NOT_YOURS)
        return
    except capture.NotFound:
        await answer_privately(client, respond, act.user_id, GONE)
        return
    log.info("experiment=%s anonymous=%s", exp.id, exp.anonymous)
    async with deps.db.read() as conn:
        confirmed = await confirmations.confirmed_fields(conn, exp.id)
    await respond(
        blocks=understanding_blocks(exp, confirmed),
        text=understanding_text(exp),
        replace_original=True,
    )
    if exp.echo_channel_id and exp.echo_ts:
        await refresh_copy(
            deps,
            client,
            exp,
            author_name=(await look_up(client, act.user_id, people=deps.people)).name,
        )


async def on_choose_function(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    """Store the job function the person tapped."""
    await ack()
    act = BlockAction.parse(body, action)
    function = function_from_action(act.action_id)
    if function is None:
        log.warning("unknown job function action=%s user=%s", act.action_id, act.user_id)
        return
    await answer_function(deps, act.team_id, act.user_id, function)
    await respond(
        blocks=function_saved_blocks(function),
        text=function_saved_text(function),
        replace_original=True,
    )
    await publish_home(deps, client, team_id=act.team_id, user_id=act.user_id)


async def on_dismiss_function(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    """Never ask this person again."""
    await ack()
    act = BlockAction.parse(body, action)
    await dismiss_function(deps, act.team_id, act.user_id)
    await respond(blocks=notice_blocks(DISMISSED_TEXT), text=DISMISSED_TEXT, replace_original=True)
