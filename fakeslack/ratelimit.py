"""Rate limits as Slack applies them: per method and workspace by tier, and chat.postMessage per channel.

https://api.slack.com/apis/rate-limits: Tier 1 1+/min, Tier 2 20+/min, Tier 3 50+/min,
Tier 4 100+/min; chat.postMessage about one message per second per channel, short bursts
allowed. A limited call gets HTTP 429 with `Retry-After` in seconds.

The bot paces itself by its own copy of these numbers (`core/slack_limits.py`); this module
imports nothing of the bot, and tests/unit/test_slack_limits.py checks that the two agree.
`scale` multiplies every allowance (an emulator faster than Slack, for quick tests); the
windows themselves always run on `clock`.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

TIERS: dict[str, int] = {
    "auth.test": 100,
    "chat.postEphemeral": 100,
    "chat.update": 50,
    "chat.delete": 50,
    "chat.getPermalink": 300,
    "conversations.replies": 50,
    "conversations.history": 50,
    "conversations.members": 100,
    "conversations.info": 100,
    "conversations.open": 50,
    "users.info": 100,
    "users.list": 20,
    "usergroups.users.list": 50,
    "views.open": 100,
    "views.update": 100,
    "views.push": 100,
    "views.publish": 100,
    "reactions.add": 50,
    "reactions.remove": 50,
    "files.getUploadURLExternal": 100,
    "files.completeUploadExternal": 100,
}
DEFAULT_PER_MINUTE = 100  # a method not listed: Tier 4
POST_PER_CHANNEL_BURST = 5  # messages a channel takes at once before the 1/second pace applies
POST_WORKSPACE_PER_MINUTE = 600


@dataclass
class RateLimits:
    """Sliding one-minute windows per method; `scale` multiplies every allowance."""

    clock: Callable[[], float]
    enabled: bool = True
    scale: float = 1.0
    _calls: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _forced: dict[str, list[int]] = field(default_factory=dict)

    def force(self, method: str, times: int, *, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429, whatever the counts."""
        self._forced[method] = [times, retry_after]

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Count a call; return the seconds to wait when it is over the limit."""
        forced = self._forced.get(method)
        if forced and forced[0] > 0:
            forced[0] -= 1
            return forced[1]
        if not self.enabled:
            return None
        now = self.clock()
        if method == "chat.postMessage":
            windows = [
                (f"post:{channel}", POST_PER_CHANNEL_BURST, 1.0 * POST_PER_CHANNEL_BURST),
                ("post:*", POST_WORKSPACE_PER_MINUTE, 60.0),
            ]
        else:
            windows = [(method, TIERS.get(method, DEFAULT_PER_MINUTE), 60.0)]
        waits = [self._wait(key, now, allowed, seconds) for key, allowed, seconds in windows]
        if any(wait is not None for wait in waits):
            return max(wait for wait in waits if wait is not None)  # a refused call counts nowhere
        for key, _allowed, _seconds in windows:
            self._calls[key].append(now)
        return None

    def _wait(self, key: str, now: float, allowed: int, seconds: float) -> int | None:
        limit = max(1, int(allowed * self.scale))
        calls = self._calls[key]
        while calls and calls[0] <= now - seconds:
            calls.popleft()
        if len(calls) >= limit:
            return max(1, math.ceil(calls[-limit] + seconds - now))
        return None
