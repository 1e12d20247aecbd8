"""The client-side pacer: Slack's limits kept by waiting, on a fake clock (no real sleeping)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.pacing import Pacer


@dataclass
class FakeTime:
    """A monotonic clock that moves only when someone sleeps on it."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def pacer(time: FakeTime, **options: float) -> Pacer:
    return Pacer(clock=time, sleep=time.sleep, margin=0.0, **options)


async def test_a_tier_4_method_takes_100_calls_a_minute_then_waits() -> None:
    """The 101st users.info within a minute waits until the first leaves the window."""
    time = FakeTime()
    p = pacer(time)
    for _ in range(100):
        await p.acquire("users.info")
    assert time.slept == []
    await p.acquire("users.info")
    assert time.slept == [60.0]


async def test_posts_to_one_channel_keep_one_a_second_after_a_burst() -> None:
    """Five posts to a DM go at once; the sixth waits for the first to be five seconds old."""
    time = FakeTime()
    p = pacer(time)
    for _ in range(5):
        await p.acquire("chat.postMessage", "D1")
    await p.acquire("chat.postMessage", "D2")  # another conversation is not held back
    assert time.slept == []
    await p.acquire("chat.postMessage", "D1")
    assert time.slept == [5.0]


async def test_posts_across_channels_share_the_workspace_ceiling() -> None:
    """600 posts to 600 DMs go at once; the 601st waits out the minute."""
    time = FakeTime()
    p = pacer(time)
    for n in range(600):
        await p.acquire("chat.postMessage", f"D{n}")
    assert time.slept == []
    await p.acquire("chat.postMessage", "D600")
    assert time.slept == [60.0]


async def test_a_429_pauses_every_caller_of_that_method() -> None:
    """After Retry-After 7 on users.info, every caller waits 7 s; other methods do not."""
    time = FakeTime()
    p = pacer(time)
    p.pause("users.info", 7)
    await p.acquire("chat.update")
    assert time.slept == []
    await asyncio.gather(*(p.acquire("users.info") for _ in range(3)))
    assert time.now == 1007.0
    assert p.pauses == 1


async def test_scale_multiplies_every_allowance() -> None:
    """At scale 2 (an emulator twice as fast), users.list takes 40 calls a minute."""
    time = FakeTime()
    p = pacer(time, scale=2.0)
    for _ in range(40):
        await p.acquire("users.list")
    assert time.slept == []
    await p.acquire("users.list")
    assert time.slept == [60.0]


async def test_the_margin_keeps_a_window_a_little_longer_than_slacks() -> None:
    """With a 5 % margin the 21st users.list waits 63 s, not 60."""
    time = FakeTime()
    p = Pacer(clock=time, sleep=time.sleep)
    for _ in range(21):
        await p.acquire("users.list")
    assert time.slept == [63.0]
