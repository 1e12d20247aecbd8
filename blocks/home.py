"""The App Home tab: your streak, your settings, your recent experiments.

Admins' rituals, with their controls, are added by `blocks.admin_home.with_admin_section`. The
view never exceeds Slack's 100 blocks (`fit_view`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blocks.experiments import describe_experiment, describe_labels
from blocks.ids import Action
from blocks.kit import (
    VIEW_BLOCK_LIMIT,
    Block,
    actions,
    button,
    context,
    divider,
    fit_view,
    header,
    safe,
    section,
)
from core.model import Experiment, Profile

HOME_BLOCK_LIMIT = VIEW_BLOCK_LIMIT
RECENT_SHOWN = 5


def home_view(
    *,
    profile: Profile,
    tz_name: str,
    streak: int,
    recent: Sequence[Experiment],
    notice: str | None = None,
) -> dict[str, Any]:
    """Build the Home tab for one person; `notice` (mrkdwn the bot wrote) answers a click on it."""
    if streak:
        streak_text = f":fire: You have shared {streak} week{'s' if streak != 1 else ''} in a row."
    else:
        streak_text = "Share one experiment this week to start a streak."
    blocks: list[Block] = [
        header("Learning Out Loud"),
        *([section(notice)] if notice else []),
        section(
            "Try AI tools in real work and share what happened: surprises and failures most of all.\n"
            + streak_text
        ),
        actions(
            button("Share an experiment", Action.OPEN_FORM, "home", style="primary"),
            button("Profile & settings", Action.OPEN_PROFILE, "home"),
        ),
        context(_describe_profile(profile, tz_name)),
        divider(),
        section("*Your recent experiments*"),
    ]
    if not recent:
        blocks.append(context("Nothing yet. Type `/tried Tool: what happened` anywhere in Slack."))
    for exp in recent[:RECENT_SHOWN]:
        blocks.append(section(describe_experiment(exp, limit=300)))
        blocks.append(context(f"{exp.created_at:%a %d %b} · {describe_labels(exp)}"))
        blocks.append(
            actions(
                button("Edit", Action.EDIT_EXPERIMENT, exp.id),
                button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"),
            )
        )
    return {"type": "home", "blocks": fit_view(blocks)}


def deleted_notice(exp: Experiment) -> str:
    """The note at the top of Home after the person deleted an entry there."""
    return f":wastebasket: Deleted your entry: {safe(exp.summary, 120)}"


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
