"""The admins' part of the App Home tab: each ritual, its next times, and its controls.

Rules: ritual names are typed by admins and shown escaped; times arrive already in the reader's
zone and are shown with that zone's name; the tab never exceeds Slack's 100 blocks: rituals that
do not fit are counted in a last line rather than dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blocks.ids import Action
from blocks.kit import VIEW_BLOCK_LIMIT, Block, actions, button, context, divider, safe, section


@dataclass(frozen=True)
class AdminRitual:
    """One ritual as an admin sees it on Home, its times in the admin's zone (the prompt and
    reminder of a ritual asking in each person's zone: as that local wall-clock time)."""

    id: str
    name: str
    paused: bool
    per_person_tz: bool
    prompt: datetime
    reminder: datetime | None
    digest: datetime | None


def when(instant: datetime) -> str:
    """A time as the Home tab and the confirmations show it: `Mon 30 Nov 09:00`."""
    return f"{instant:%a %d %b %H:%M}"


def _describe(ritual: AdminRitual) -> str:
    status = "paused: nothing is sent" if ritual.paused else "active"
    times = [f"Next prompt: {when(ritual.prompt)}"]
    if ritual.reminder is not None:
        times.append(f"reminder: {when(ritual.reminder)}")
    times.append(f"digest: {when(ritual.digest)}" if ritual.digest else "no digest channel")
    own = (
        "\nPrompts and reminders come at that time in each person's own time zone."
        if ritual.per_person_tz
        else ""
    )
    return f"*{safe(ritual.name, 200)}* · {status}\n{' · '.join(times)}{own}"


def _controls(ritual: AdminRitual) -> Block:
    toggle = (
        button("Resume", Action.RITUAL_RESUME, ritual.id, style="primary")
        if ritual.paused
        else button("Pause", Action.RITUAL_PAUSE, ritual.id)
    )
    return actions(
        button("Edit", Action.RITUAL_EDIT, ritual.id),
        toggle,
        button("Send now", Action.RITUAL_SEND_NOW, ritual.id),
    )


def admin_section(rituals: Sequence[AdminRitual], *, zone_name: str, room: int) -> list[Block]:
    """The rituals with their times and buttons, in at most `room` blocks."""
    head: list[Block] = [
        divider(),
        section(
            "*Rituals you manage*"
            if rituals
            else "*Rituals you manage*\nNone yet: `/tried setup` creates one."
        ),
        context(f"Times in {safe(zone_name, 64)}, your time zone."),
    ]
    blocks = head[: max(room, 0)]
    if len(blocks) < len(head):
        return blocks
    left = room - len(blocks)
    fits = len(rituals) if 2 * len(rituals) <= left else max((left - 1) // 2, 0)
    for ritual in rituals[:fits]:
        blocks += [section(_describe(ritual)), _controls(ritual)]
    if fits < len(rituals) and len(blocks) < room:
        blocks.append(context(f"…and {len(rituals) - fits} more not shown."))
    return blocks


def with_admin_section(
    view: dict[str, Any], rituals: Sequence[AdminRitual], *, zone_name: str
) -> dict[str, Any]:
    """The Home view with the admins' part added at its end."""
    blocks = list(view.get("blocks", []))
    room = VIEW_BLOCK_LIMIT - len(blocks)
    return {**view, "blocks": blocks + admin_section(rituals, zone_name=zone_name, room=room)}
