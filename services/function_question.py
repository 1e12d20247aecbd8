"""Asking a person's job function once, right after their first capture.

Rules:
- The question goes to the person alone, in their DM with the app, after the first entry they
  share (a thread reply, `/tried`, or the form). It is asked once: never to someone who has a
  job function, and never again once it was asked, answered or dismissed (the state is kept in
  `profiles.function_question`, claimed in a transaction so two first entries ask once).
- A question that could not be delivered counts as not asked, so a later share asks it.
- An answer is stored in the profile (as `/tried profile` does), and given to the person's
  entries stored without a function, the first one included, so the digest counts it.
- "Don't ask me" is stored as dismissed.
- Nearly every capture is not a first one, so a process remembers for `SETTLED_FOR` whom the
  question is settled for (asked, answered, dismissed, or a function set) and reads nothing
  then. The memo only ever skips asking; the claim in the database still decides who asks. A
  failed delivery (here or in another process) makes the question askable again: this process
  forgets at once, another one after `SETTLED_FOR` at most.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.function_question import QUESTION_TEXT, function_question_blocks
from core.model import Experiment, JobFunction
from services.deps import Deps
from storage import experiments as repo
from storage import profiles

log = logging.getLogger(__name__)

SETTLED_FOR = timedelta(minutes=5)
SETTLED_MEMO = 10_000  # people remembered at most; the memo is emptied when it is full


def _key(team_id: str, user_id: str) -> str:
    return f"{team_id}:{user_id}"


def _settled(deps: Deps, team_id: str, user_id: str) -> bool:
    until = deps.function_settled.get(_key(team_id, user_id))
    return until is not None and deps.clock() < until


def _remember_settled(deps: Deps, team_id: str, user_id: str) -> None:
    if len(deps.function_settled) >= SETTLED_MEMO:
        deps.function_settled.clear()
    deps.function_settled[_key(team_id, user_id)] = deps.clock() + SETTLED_FOR


async def ask_function_once(deps: Deps, client: AsyncWebClient, exp: Experiment) -> bool:
    """Ask the author of a new entry their job function, if it was never asked; True when sent."""
    # Nearly every capture is not a first one: the memo, else a read, settles it without
    # taking the write lock.
    if _settled(deps, exp.team_id, exp.user_id):
        return False
    async with deps.db.read() as conn:
        if not await profiles.may_ask_function(conn, exp.team_id, exp.user_id):
            _remember_settled(deps, exp.team_id, exp.user_id)
            return False
    async with deps.db.transaction() as conn:
        claimed = await profiles.claim_function_question(
            conn, exp.team_id, exp.user_id, now=deps.clock()
        )
    _remember_settled(deps, exp.team_id, exp.user_id)
    if not claimed:
        return False
    try:
        await client.chat_postMessage(
            channel=exp.user_id, blocks=function_question_blocks(), text=QUESTION_TEXT
        )
    except SlackApiError as exc:
        log.warning(
            "could not ask the job function user=%s error=%s",
            exp.user_id,
            exc.response.get("error"),
        )
        async with deps.db.transaction() as conn:
            await profiles.set_function_question(conn, exp.team_id, exp.user_id, None)
        deps.function_settled.pop(_key(exp.team_id, exp.user_id), None)
        return False
    log.info("asked the job function user=%s", exp.user_id)
    return True


async def answer_function(deps: Deps, team_id: str, user_id: str, function: JobFunction) -> int:
    """Store the person's answer; return how many of their entries it was given to."""
    async with deps.db.transaction() as conn:
        profile = await profiles.get_profile(conn, team_id, user_id)
        await profiles.save_profile(conn, replace(profile, job_function=function), now=deps.clock())
        await profiles.set_function_question(
            conn, team_id, user_id, profiles.FunctionQuestion.ANSWERED
        )
        filled = await repo.fill_job_function(conn, team_id, user_id, function)
    log.info("job function answered user=%s entries=%d", user_id, filled)
    return filled


async def dismiss_function(deps: Deps, team_id: str, user_id: str) -> None:
    """Remember that the person does not want to be asked."""
    async with deps.db.transaction() as conn:
        await profiles.set_function_question(
            conn, team_id, user_id, profiles.FunctionQuestion.DISMISSED
        )
    log.info("job function question dismissed user=%s", user_id)
