"""The App Home tab: your streak, your settings, your recent experiments, and (for admins) rituals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from blocks.experiments import Block, button, context, describe_experiment, describe_labels, section
from blocks.ids import Action
from core.model import Experiment, Profile

HOME_BLOCK_LIMIT = 100  # Slack: at most 100 blocks in a Home tab view
RECENT_SHOWN = 5


@dataclass(frozen=True)
class RitualLine:
    """One ritual as the Home tab lists it."""

    name: str
    status: str  # "active" or "paused"
    next_prompt: str  # already formatted for the reader, e.g. "Mon 30 Nov 09:00 Europe/Berlin"
    next_digest: str


def home_view(
    *,
    profile: Profile,
    tz_name: str,
    streak: int,
    recent: Sequence[Experiment],
    rituals: Sequence[RitualLine] | None = None,
) -> dict[str, Any]:
    """Build the Home tab for one person."""
    if streak:
        streak_text = f":fire: You have shared {streak} week{'s' if streak != 1 else ''} in a row."
    else:
        streak_text = "Share one experiment this week to start a streak."
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Learning Out Loud"}},
        section(
            "Try AI tools in real work and share what happened: surprises and failures most of all.\n"
            + streak_text
        ),
        {
            "type": "actions",
            "elements": [
                button("Share an experiment", Action.OPEN_FORM, "home", style="primary"),
                button("Profile & settings", Action.OPEN_PROFILE, "home"),
            ],
        },
        context(_describe_profile(profile, tz_name)),
        {"type": "divider"},
        section("*Your recent experiments*"),
    ]
    if not recent:
        blocks.append(context("Nothing yet. Type `/tried Tool: what happened` anywhere in Slack."))
    for exp in recent[:RECENT_SHOWN]:
        blocks.append(section(describe_experiment(exp, limit=300)))
        blocks.append(context(f"{exp.created_at:%a %d %b} · {describe_labels(exp)}"))
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Edit", Action.EDIT_EXPERIMENT, exp.id),
                    button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"),
                ],
            }
        )
    if rituals is not None:
        blocks.append({"type": "divider"})
        blocks.append(
            section("*Rituals*" if rituals else "*Rituals*\nNone yet: `/tried setup` creates one.")
        )
        for ritual in rituals[: (HOME_BLOCK_LIMIT - len(blocks))]:
            blocks.append(
                section(
                    f"*{ritual.name}* ({ritual.status})\nNext prompt: {ritual.next_prompt} · Next digest: {ritual.next_digest}"
                )
            )
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def _describe_profile(profile: Profile, tz_name: str) -> str:
    job = profile.job_function.label if profile.job_function else "not set"
    dm = "on" if profile.dm_prompts else "off"
    summaries = "on" if profile.reply_summaries else "off"
    parts = [
        f"Job function: {job}",
        f"Time zone: {tz_name}",
        f"DM prompts: {dm}",
        f"Reply summaries: {summaries}",
    ]
    if profile.paused_until is not None:
        parts.append(f"Prompts paused until {profile.paused_until:%a %d %b}")
    return " · ".join(parts)
