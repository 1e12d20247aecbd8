"""Who is reminded, privately under a channel prompt, of what they said they'd try next.

Rules (docs/digest.md, "How it was caught, and what to try next"):
- Only people of the week's audience with a "next I'll try" from the week before.
- Not someone whose own DM prompt carries it this week (the ritual prompts by DM and they did
  not turn DM prompts off): they are reminded there, once.
- Not someone who paused prompts through the day of the prompt, nor someone who skipped the
  week already.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from core.model import Profile


def channel_recalls(
    *,
    tries: Mapping[str, str],
    audience: Collection[str],
    skipped: Collection[str],
    profiles: Mapping[str, Profile],
    prompts_by_dm: bool,
    day: date,
) -> list[tuple[str, str]]:
    """(person, what they said they'd try next) for each person to remind, in a stable order."""
    chosen: list[tuple[str, str]] = []
    for user in sorted(tries):
        said = tries[user].strip()
        profile = profiles.get(user)
        if not said or user not in audience or user in skipped:
            continue
        if profile is not None and profile.paused_until is not None and day <= profile.paused_until:
            continue
        if prompts_by_dm and (profile is None or profile.dm_prompts):
            continue  # their own DM prompt carries it
        chosen.append((user, said))
    return chosen
