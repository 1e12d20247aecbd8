"""Who is reminded privately, under a channel prompt, of what they said they'd try next."""

from __future__ import annotations

from datetime import date

from core.model import Profile
from core.recall import channel_recalls

DAY = date(2026, 11, 30)


def test_only_those_not_reminded_elsewhere_nor_away_nor_skipping_are_recalled() -> None:
    """DM-prompted people get it in their DM; paused people and those who skipped get none."""
    tries = {"U1": "a", "U2": "b", "U3": "c", "U4": "d", "U5": "e", "U9": "not asked"}
    profiles = {
        "U1": Profile("T", "U1", dm_prompts=False),
        "U2": Profile("T", "U2"),  # DM prompts on: the DM prompt carries it
        "U3": Profile("T", "U3", dm_prompts=False, paused_until=DAY),
        "U4": Profile("T", "U4", dm_prompts=False),
        "U5": Profile("T", "U5", dm_prompts=False, paused_until=date(2026, 11, 29)),
    }
    audience = ("U1", "U2", "U3", "U4", "U5")

    def recalls(prompts_by_dm: bool) -> list[tuple[str, str]]:
        return channel_recalls(
            tries=tries,
            audience=audience,
            skipped={"U4"},
            profiles=profiles,
            prompts_by_dm=prompts_by_dm,
            day=DAY,
        )

    assert recalls(prompts_by_dm=True) == [("U1", "a"), ("U5", "e")]
    assert recalls(prompts_by_dm=False) == [("U1", "a"), ("U2", "b"), ("U5", "e")]
