"""Block Kit for a ritual's prompt and reminder messages.

The ritual's name and prompt wording are typed by an admin: both are escaped, so a prompt can
use *bold* or _italics_ but can never ping `<!channel>` or a person.
"""

from __future__ import annotations

from typing import Any

from blocks.ids import Action
from blocks.kit import SECTION_TEXT_LIMIT, Block, actions, button, context, safe, section
from core.rituals import Ritual


def occurrence_value(ritual_id: str, week: str) -> str:
    """The value a prompt's buttons carry: which ritual, which week."""
    return f"{ritual_id}|{week}"


def parse_occurrence_value(value: str) -> tuple[str, str] | None:
    """Read a button's value back; None when it is not one of ours."""
    ritual_id, sep, week = value.partition("|")
    return (ritual_id, week) if sep and ritual_id and week else None


def prompt_blocks(ritual: Ritual, week: str, *, next_try: str = "") -> list[Block]:
    """The prompt: what to share, a button to open the form, and one to skip the week.

    `next_try` is what the person said last week they would try next; only a prompt sent to
    them alone (a DM) carries it.
    """
    value = occurrence_value(ritual.id, week)
    recall = (
        [context(f":dart: Last week you said you'd try next: _{safe(next_try, 300)}_")]
        if next_try.strip()
        else []
    )
    return [
        section(safe(ritual.prompt_text, SECTION_TEXT_LIMIT)),
        *recall,
        _share_or_skip(value),
        context(
            f"{safe(ritual.name, 60)} · week {week} · Reply in this thread, or use `/tried` anywhere."
        ),
    ]


def prompt_text(ritual: Ritual) -> str:
    """The notification fallback for a prompt."""
    return f"{safe(ritual.name, 60)}: what did you try with an AI tool this week?"


def reminder_blocks(ritual: Ritual, week: str, *, thread_link: str | None) -> list[Block]:
    """A once-a-week nudge, sent only to people who neither answered nor skipped."""
    # A permalink comes from Slack; one that could break out of the link's syntax is left out.
    linkable = thread_link and "|" not in thread_link and ">" not in thread_link
    where = f"<{thread_link}|in the thread>" if linkable else "in the thread above"
    value = occurrence_value(ritual.id, week)
    return [
        section(
            f"A gentle reminder: *{safe(ritual.name, 60)}* is collecting experiments this week. "
            f"Share one {where}, or with `/tried`. Small failures count."
        ),
        _share_or_skip(value),
    ]


def reminder_text(ritual: Ritual) -> str:
    """The notification fallback for a reminder."""
    return f"Reminder: {safe(ritual.name, 60)} is collecting experiments this week."


def _share_or_skip(value: str) -> Block:
    return actions(
        button("Share an experiment", Action.OPEN_FORM, value, style="primary"),
        button("Skip this week", Action.SKIP_WEEK, value),
    )


def send_metadata(send_key: str) -> dict[str, Any]:
    """Message metadata naming the send, so an unfinished claim can be checked against Slack."""
    return {"event_type": "lol_scheduled_send", "event_payload": {"send_key": send_key}}


def next_try_blocks(ritual: Ritual, next_try: str) -> list[Block]:
    """The private recall, under a prompt in a channel, of what the person said they'd try."""
    return [
        context(
            f":dart: Last week you said you'd try next: _{safe(next_try, 300)}_ "
            f"(only you can see this · {safe(ritual.name, 60)})"
        )
    ]


def next_try_text(next_try: str) -> str:
    """The notification fallback for the private recall."""
    return safe(f"Last week you said you'd try next: {next_try}", 400)
