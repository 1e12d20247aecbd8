"""Private answers to a click: the one way every listener tells the person something."""

from __future__ import annotations

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.replies import notice_blocks


async def answer_privately(
    client: AsyncWebClient, respond: AsyncRespond, user_id: str, text: str
) -> None:
    """Answer under the message clicked (ephemeral, through its response URL); where the click
    carries none, in the app's DM."""
    if respond.response_url:
        await respond(
            blocks=notice_blocks(text), text=text, response_type="ephemeral", replace_original=False
        )
    else:
        await client.chat_postMessage(channel=user_id, blocks=notice_blocks(text), text=text)
