"""Block Kit for notices to the people who run a ritual (its creator and the bot admins).

A failed digest's notice carries a Retry button (value `<ritual id>|<week>`) that posts what is
kept, so nobody needs a shell to finish the job.

Rules: the ritual's name is typed by an admin and Slack's error code comes from outside; both are
escaped. A channel is mentioned as `<#C…>` only when it is a well-formed channel id.
"""

from __future__ import annotations

import re

from blocks.ids import Action
from blocks.kit import Block, actions, button, safe, section

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


def _channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else safe(channel_id, 40)


def admin_notice_text(*, ritual_name: str, week: str) -> str:
    """The notification fallback for a digest that could not be posted."""
    return f"The {safe(ritual_name, 200)} digest for {safe(week, 20)} could not be posted"


def admin_notice_blocks(
    *, ritual_id: str, ritual_name: str, week: str, channel_id: str, error: str
) -> list[Block]:
    """Say that a week's digest could not be posted, why, and offer to retry it."""
    return [
        section(
            f":warning: The *{safe(ritual_name, 200)}* digest for {safe(week, 20)} could not be "
            f"posted to {_channel(channel_id)} (`{safe(error, 100)}`). It is kept: invite me to "
            "the channel (or pick another one with Edit on my Home tab), then press Retry."
        ),
        actions(button("Retry", Action.DIGEST_RETRY, f"{ritual_id}|{week}", style="primary")),
    ]
