"""The bot's table of Slack's limits and the emulator's own copy say the same."""

from __future__ import annotations

from core import slack_limits
from core.slack_limits import POST_PER_CHANNEL, POST_WORKSPACE, Window, per_minute, windows
from fakeslack import ratelimit


def test_every_method_has_the_same_limit_in_the_bot_and_the_emulator() -> None:
    """Each method either table names allows as many calls a minute in both."""
    methods = set(slack_limits.METHOD_TIERS) | set(ratelimit.TIERS)
    assert {m: per_minute(m) for m in methods} == {
        m: ratelimit.TIERS.get(m, ratelimit.DEFAULT_PER_MINUTE) for m in methods
    }
    assert per_minute("some.newMethod") == ratelimit.DEFAULT_PER_MINUTE


def test_posts_are_limited_per_channel_and_workspace_alike() -> None:
    """chat.postMessage: the same burst per channel and the same workspace-wide ceiling."""
    assert (
        Window(ratelimit.POST_PER_CHANNEL_BURST, float(ratelimit.POST_PER_CHANNEL_BURST))
        == POST_PER_CHANNEL
    )
    assert Window(ratelimit.POST_WORKSPACE_PER_MINUTE, 60.0) == POST_WORKSPACE
    assert windows("chat.postMessage", "D1") == [
        ("post:D1", POST_PER_CHANNEL),
        ("post:*", POST_WORKSPACE),
    ]


def test_users_list_is_tier_two() -> None:
    """users.list, the bulk read of people, allows 20 calls a minute."""
    assert per_minute("users.list") == 20
    assert per_minute("users.info") == 100
