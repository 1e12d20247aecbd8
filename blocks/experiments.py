"""Block Kit for experiments: the confirmation, the list, the copy in a prompt's thread, and the
rendering they share.

Pure functions: data in, blocks out. Every piece of user text goes through `blocks.kit.safe`,
which escapes it (so `<!channel>` or `<@U1>` typed by a person can never ping anyone) and
truncates it to the room Slack allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from blocks.ids import Action
from blocks.kit import Block, Element, actions, button, context, fit_message, safe, section
from core.model import Experiment


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
    if exp.caught is not None:
        labels.append(exp.caught.label.capitalize())
    if exp.next_try:
        labels.append(f"Next: {safe(exp.next_try, 120)} (reminded privately next week)")
    labels.append(":lock: Private" if exp.private else "Shared")
    if exp.anonymous and not exp.private:
        labels.append(":bust_in_silhouette: Without your name")
    return " · ".join(labels)


ANONYMOUS_ON, ANONYMOUS_OFF = "on", "off"
THREAD_REPLY_SHOWS_AUTHOR = (
    "Your reply itself still shows your name in the thread: only what the bot posts (the digest) "
    "leaves it out. For full anonymity, delete the reply and use `/tried anon …` instead."
)


def anonymous_toggle(exp: Experiment) -> Element:
    """The author's switch between sharing with and without their name.

    Its value says what the tap asks for ("<id>|on" or "<id>|off"), so a double tap is harmless.
    """
    if exp.anonymous:
        return button("Show my name", Action.TOGGLE_ANONYMOUS, f"{exp.id}|{ANONYMOUS_OFF}")
    return button("Share without my name", Action.TOGGLE_ANONYMOUS, f"{exp.id}|{ANONYMOUS_ON}")


def parse_anonymous_toggle(value: str) -> tuple[str, bool] | None:
    """Read a toggle's value back; None when this module did not write it."""
    experiment_id, _, wanted = value.rpartition("|")
    if not experiment_id or wanted not in (ANONYMOUS_ON, ANONYMOUS_OFF):
        return None
    return experiment_id, wanted == ANONYMOUS_ON


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
        actions(
            button("Edit", Action.EDIT_EXPERIMENT, exp.id, style="primary"),
            *([] if exp.private else [anonymous_toggle(exp)]),
            button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"),
        )
    )
    return blocks


def confirmation_text(exp: Experiment) -> str:
    """The notification fallback for a confirmation."""
    tool = tool_label(exp) or "an experiment"
    return f"Saved: {safe(tool, 170)}: {safe(exp.summary, 200)}"


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
            actions(
                button("Edit", Action.EDIT_EXPERIMENT, exp.id),
                button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"),
                block_id=f"exp_{exp.id}",
            )
        )
    return fit_message(blocks)


def crosspost_blocks(exp: Experiment, author_name: str) -> list[Block]:
    """The bot's copy of an entry in a prompt's thread: the entry, credited by name (no ping)."""
    return [
        section(describe_experiment(exp)),
        context(f"Shared by {safe(author_name, 80)} with `/tried`"),
    ]


def crosspost_text(exp: Experiment) -> str:
    """The notification fallback for the copy."""
    return f"An experiment shared with /tried: {safe(exp.tool or '', 170)}"
