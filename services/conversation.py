"""What a person's message in the bot's DM belongs to, and the short answer when it is nothing.

Rules:
- A reply in the thread of a prompt or a reminder answers that ritual's week, wherever it is.
- In a DM, most people answer the prompt in the conversation itself, not in its thread. Such a
  message (or one in a thread of the DM that is not a prompt's, such as under the person's own
  message) answers the newest prompt or reminder in that DM whose week is still open: the
  ritual's current week (in its time zone), or an earlier week whose digest is not posted yet.
- A DM message that answers nothing open, or that is chatter ("thanks!", "what is this?"),
  gets one short answer saying how to share, never silence. Each message is answered once,
  however often Slack delivers it.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.replies import notice_blocks
from core.occurrence import SendKind, SendStatus
from core.weeks import WeekId
from services.deps import Deps
from storage import rituals as ritual_repo
from storage import sends
from storage.events import claim_event
from storage.sends import Send

log = logging.getLogger(__name__)

NOTHING_OPEN = (
    "Thanks for the message! Nothing is being collected here right now: I ask when a ritual's "
    "week starts. You can share an experiment any time with `/tried Tool: what happened` "
    "(`/tried help` shows the rest)."
)
NOT_AN_EXPERIMENT = (
    "Thanks! I did not save that as an experiment. To share one, say which tool you tried and "
    "what happened, e.g. `Claude: drafted the board memo, it invented a number`. "
    "(`/tried profile` turns prompts by DM off.)"
)


async def asked_at(deps: Deps, channel_id: str, thread_ts: str) -> Send | None:
    """The prompt or reminder at the top of this thread, if the thread is one of ours."""
    async with deps.db.read() as conn:
        return await sends.find_ask(conn, channel_id, thread_ts)


async def open_ask(deps: Deps, channel_id: str) -> Send | None:
    """The newest prompt or reminder in this DM whose week is still open, if any."""
    now = deps.clock()
    async with deps.db.read() as conn:
        for ask in await sends.latest_asks(conn, channel_id):
            ritual = await ritual_repo.find_ritual(conn, ask.ritual_id)
            if ritual is None or ritual.id != ask.ritual_id:
                continue
            week = WeekId.parse(ask.week)
            current = WeekId.of(now, ZoneInfo(ritual.tz))
            if week == current:
                return ask
            if week < current and ritual.digest_channel_id is not None:
                first = await sends.get_send(
                    conn,
                    sends.send_key(
                        SendKind.DIGEST, ritual.id, week, f"{ritual.digest_channel_id}#1"
                    ),
                )
                if first is None or first.status is not SendStatus.SENT:
                    return ask
    return None


async def answer(
    deps: Deps,
    client: AsyncWebClient,
    *,
    event_id: str,
    channel_id: str,
    thread_ts: str | None,
    text: str,
) -> bool:
    """Answer a DM message once (by its event), in its thread when it was in one."""
    if event_id:
        async with deps.db.transaction() as conn:
            if not await claim_event(conn, event_id, "message", now=deps.clock()):
                return False
    try:
        await client.chat_postMessage(
            channel=channel_id, thread_ts=thread_ts, blocks=notice_blocks(text), text=text
        )
    except SlackApiError as exc:
        log.warning(
            "could not answer in DM channel=%s error=%s", channel_id, exc.response.get("error")
        )
        return False
    return True
