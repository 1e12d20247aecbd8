"""Slack's Web API rate limits, as data: the one table the bot paces itself by.

Source: https://api.slack.com/apis/rate-limits and each method's reference page (Nov 2026).
Limits apply per method, per workspace, per app. Tier 1 allows 1+ calls a minute, Tier 2 20+,
Tier 3 50+, Tier 4 100+; "special" methods have their own. `chat.postMessage` is special: about
one message a second per channel (short bursts tolerated) and a workspace-wide ceiling of
several hundred a minute. A call over a limit answers HTTP 429 with `Retry-After` (seconds).

Slack allows "bursts", so every limit is modelled as a sliding window: at most `calls` within
any `seconds`. The emulator (`fakeslack/ratelimit.py`) keeps its own copy of these numbers (it
imports nothing of the bot); `tests/unit/test_slack_limits.py` checks that the two agree.
docs/slack-limits.md explains the table.
"""

from __future__ import annotations

from dataclasses import dataclass

TIER_PER_MINUTE: dict[int, int] = {1: 1, 2: 20, 3: 50, 4: 100}
SPECIAL = 0  # a method with a limit of its own (see SPECIAL_PER_MINUTE)


@dataclass(frozen=True)
class Window:
    """At most `calls` calls within any `seconds`."""

    calls: int
    seconds: float


# The tier of each method the bot calls. A method not listed is treated as Tier 4.
METHOD_TIERS: dict[str, int] = {
    "auth.test": 4,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": SPECIAL,
    "conversations.replies": 3,
    "conversations.history": 3,
    "conversations.members": 4,
    "conversations.info": 4,
    "conversations.open": 3,
    "users.info": 4,
    "users.list": 2,
    "usergroups.users.list": 3,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "reactions.add": 3,
    "reactions.remove": 3,
}
SPECIAL_PER_MINUTE: dict[str, int] = {"chat.getPermalink": 300}
DEFAULT_TIER = 4

# chat.postMessage: ~1 a second per channel with short bursts, and a workspace-wide ceiling.
POST_METHOD = "chat.postMessage"
POST_PER_CHANNEL = Window(calls=5, seconds=5.0)
POST_WORKSPACE = Window(calls=600, seconds=60.0)

USERS_LIST_PAGE = 200  # users.list: Slack recommends no more than 200 a page


def per_minute(method: str) -> int:
    """The calls a minute one method allows workspace-wide (not chat.postMessage)."""
    tier = METHOD_TIERS.get(method, DEFAULT_TIER)
    if tier == SPECIAL:
        return SPECIAL_PER_MINUTE[method]
    return TIER_PER_MINUTE[tier]


def windows(method: str, channel: str | None = None) -> list[tuple[str, Window]]:
    """The windows a call counts against, each with the key it shares with other calls."""
    if method == POST_METHOD:
        found = [("post:*", POST_WORKSPACE)]
        if channel:
            found.insert(0, (f"post:{channel}", POST_PER_CHANNEL))
        return found
    return [(method, Window(calls=per_minute(method), seconds=60.0))]
