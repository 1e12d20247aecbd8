"""Block Kit for experiments: the confirmation, the list, and the one-line rendering they share.

Pure functions: data in, blocks out. Every piece of user text goes through `safe`, which escapes
it (so `<!channel>` or `<@U1>` typed by a person can never ping anyone) and truncates it to the
room Slack allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blocks.ids import Action
from core.model import Experiment
from core.text import escape_mrkdwn, truncate

Block = dict[str, Any]

SECTION_TEXT_LIMIT = 3000  # Slack: a section's text is at most 3,000 characters
BUTTON_VALUE_LIMIT = 2000  # Slack: a button's value is at most 2,000 characters


def safe(text: str, limit: int) -> str:
    """Escape user text for mrkdwn and fit it into `limit` characters."""
    return truncate(escape_mrkdwn(text), limit)


def section(text: str) -> Block:
    """A mrkdwn section, truncated to Slack's limit."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_LIMIT)},
    }


def context(text: str) -> Block:
    """A small grey line of mrkdwn."""
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_LIMIT)}],
    }


def button(text: str, action: Action, value: str, *, style: str | None = None) -> dict[str, Any]:
    """A button carrying `value` back to the listener of `action`."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action.value,
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style is not None:
        element["style"] = style
    return element


def tool_label(exp: Experiment) -> str:
    """The tool as a person reads it, with its model when one was named: "ChatGPT (GPT-5)"."""
    if exp.tool is None:
        return ""
    return f"{exp.tool} ({exp.model})" if exp.model else exp.tool


def describe_experiment(exp: Experiment, *, limit: int = 600) -> str:
    """Render an experiment as mrkdwn: tool, what happened, and the labelled details."""
    tool = f"*{safe(tool_label(exp), 170)}*" if exp.tool else "*(no tool named)*"
    parts = [f"{tool}: {safe(exp.summary, limit)}"]
    if exp.work:
        parts.append(f"_Work:_ {safe(exp.work, limit // 2)}")
    # Inferred from a one-sentence entry, the surprise or failure can be the summary itself.
    if exp.surprise and exp.surprise != exp.summary:
        parts.append(f"_Surprise:_ {safe(exp.surprise, limit // 2)}")
    if exp.failure and exp.failure != exp.summary:
        parts.append(f"_Failed:_ {safe(exp.failure, limit // 2)}")
    return "\n".join(parts)


def describe_labels(exp: Experiment) -> str:
    """The outcome, failure mode and privacy of an experiment, as one short line."""
    labels = []
    if exp.outcome is not None:
        labels.append(f"Outcome: {exp.outcome.label}")
    if exp.failure_mode is not None:
        labels.append(f"Failure mode: {exp.failure_mode.label}")
    labels.append(":lock: Private" if exp.private else "Shared")
    return " · ".join(labels)


def confirmation_blocks(exp: Experiment, reasons: Sequence[str]) -> list[Block]:
    """The ephemeral answer to `/tried <text>`: what was saved, what was inferred, and Edit."""
    blocks = [
        section(":white_check_mark: Saved your experiment.\n" + describe_experiment(exp)),
        context(describe_labels(exp)),
    ]
    if reasons:
        inferred = "\n".join(f"• {safe(reason, 300)}" for reason in reasons[:8])
        blocks.append(context("I inferred:\n" + inferred + "\nNot right? Edit it."))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button("Edit", Action.EDIT_EXPERIMENT, exp.id, style="primary"),
                button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"),
            ],
        }
    )
    return blocks


def confirmation_text(exp: Experiment) -> str:
    """The notification fallback for a confirmation."""
    tool = tool_label(exp) or "an experiment"
    return (
        f"Saved: {truncate(escape_mrkdwn(tool), 170)}: {truncate(escape_mrkdwn(exp.summary), 200)}"
    )


def list_blocks(experiments: Sequence[Experiment], *, shown: int = 10) -> list[Block]:
    """Your last experiments, each with Edit and Delete."""
    if not experiments:
        return [section("You have not shared an experiment yet. Try `/tried Tool: what happened`.")]
    blocks: list[Block] = [section(f"*Your last {min(len(experiments), shown)} experiments*")]
    for exp in experiments[:shown]:
        when = exp.created_at.strftime("%a %d %b")
        blocks.append(section(describe_experiment(exp, limit=300)))
        blocks.append(context(f"{when} · {describe_labels(exp)}"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"exp_{exp.id}",
                "elements": [
                    button("Edit", Action.EDIT_EXPERIMENT, exp.id),
                    button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"),
                ],
            }
        )
    return blocks
