"""Client-side pacing: every Web API call of the process waits its turn under Slack's limits.

Rules:
- One `Pacer` per process, shared by every client (the runtime's, Bolt's per-request copies,
  the scheduler's): the limits are per workspace, so the counts must be too.
- Each call counts against the windows of `core.slack_limits` (per method; `chat.postMessage`
  per channel and workspace-wide) and waits until every one of them has room. Waiting costs
  nothing; a 429 costs a round trip, a retry and, retried blindly, a storm.
- The windows are kept a little longer than Slack's (`margin`), so calls that arrive late
  (network jitter) still fall inside Slack's count.
- A 429 that gets through all the same (another process, a limit lower than documented)
  pauses every caller of that method for `Retry-After`, not just the one that got it. A
  caller that would not wait that long (see `bot.slack_client`) is answered `ratelimited` at
  once, without calling Slack.
- `scale` multiplies every allowance, for an emulator that runs faster than Slack.
The clock and the sleep are injected: tests drive them without waiting in real time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

from core.slack_limits import windows

DEFAULT_MARGIN = 0.05  # windows kept 5 % longer than Slack's


class Pacer:
    """Sliding windows per method and channel, and pauses after a 429, shared by all callers."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        scale: float = 1.0,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self.clock = clock  # public: a test may drive it
        self._sleep = sleep
        self.scale = scale
        self.margin = margin
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._paused_until: dict[str, float] = {}
        self.waited = 0.0  # seconds spent waiting, summed over callers (for logs and benchmarks)
        self.pauses = 0  # 429s that paused a method
        self.held = 0  # calls that had to wait at least once

    def delay(self, method: str, channel: str | None = None) -> float:
        """Seconds until a call of `method` may go out (0: now)."""
        now = self.clock()
        wait = max(0.0, self._paused_until.get(method, 0.0) - now)
        for key, window in windows(method, channel):
            allowed = max(1, int(window.calls * self.scale))
            seconds = window.seconds * (1 + self.margin)
            calls = self._calls[key]
            while calls and calls[0] <= now - seconds:
                calls.popleft()
            if len(calls) >= allowed:
                wait = max(wait, calls[-allowed] + seconds - now)
        return wait

    async def acquire(self, method: str, channel: str | None = None) -> None:
        """Wait until a call of `method` (to `channel`) is within every limit, and count it."""
        first = True
        while True:
            wait = self.delay(method, channel)
            if wait <= 0:
                now = self.clock()
                for key, _window in windows(method, channel):
                    self._calls[key].append(now)
                return
            self.held += first
            first = False
            self.waited += wait
            await self._sleep(wait)

    def paused_for(self, method: str) -> float:
        """Seconds left of a pause of `method` after a 429 (0: not paused)."""
        return max(0.0, self._paused_until.get(method, 0.0) - self.clock())

    def pause(self, method: str, retry_after: float) -> None:
        """Hold every caller of `method` back for `retry_after` seconds (Slack answered 429)."""
        if retry_after <= 0:
            return
        self.pauses += 1
        until = self.clock() + math.ceil(retry_after)
        self._paused_until[method] = max(self._paused_until.get(method, 0.0), until)
