"""Block Kit for "here is what I understood", with the author's one-tap corrections.

One builder serves both places the bot tells a person what it read into their words: the private
summary after a reply in a prompt's thread is captured, and the confirmation of a `/tried` quick
entry. After a tap, the same builder renders the replacement, so the buttons stay.

Pure functions; user text is escaped and truncated with `blocks.kit.safe`. Buttons carry
the experiment's id; the failure-mode menu's options carry "<experiment id>|<failure mode>"
(Slack allows 150 characters in an option's value).
"""

from __future__ import annotations

from collections.abc import Sequence

from blocks.experiments import THREAD_REPLY_SHOWS_AUTHOR, anonymous_toggle, tool_label
from blocks.ids import Action
from blocks.kit import Block, Element, actions, button, context, option, safe, section
from core.model import Experiment, FailureMode, Source

MODE_SEPARATOR = "|"
SURPRISE_SHOWN = 300
REPLY_HEADING = ":memo: Here is what I understood from your reply."
SAVED_HEADING = ":white_check_mark: Saved your experiment."
YOURS = " _(yours)_"  # marks a field the person confirmed


def mode_value(experiment_id: str, mode: FailureMode) -> str:
    """The value of one option of the failure-mode menu."""
    return f"{experiment_id}{MODE_SEPARATOR}{mode.value}"


def parse_mode_value(value: str) -> tuple[str, FailureMode] | None:
    """Read an option's value back; None when it is not one this module wrote."""
    experiment_id, _, mode = value.rpartition(MODE_SEPARATOR)
    if not experiment_id or mode not in FailureMode._value2member_map_:
        return None
    return experiment_id, FailureMode(mode)


def _line(label: str, value: str, field: str, confirmed: frozenset[str]) -> str:
    return f"*{label}:* {value}" + (YOURS if field in confirmed else "")


def describe_understanding(exp: Experiment, confirmed: frozenset[str] = frozenset()) -> str:
    """Tool (and model), outcome, failure mode and surprise, one line each, as mrkdwn."""
    tool = safe(tool_label(exp), 170) if exp.tool else "none named"
    outcome = exp.outcome.label if exp.outcome else "not sure"
    mode = exp.failure_mode.label if exp.failure_mode else "none"
    surprise = f"“{safe(exp.surprise, SURPRISE_SHOWN)}”" if exp.surprise else "none noted"
    return "\n".join(
        [
            _line("Tool", tool, "tool", confirmed),
            _line("Outcome", outcome, "outcome", confirmed),
            _line("Failure mode", mode, "failure_mode", confirmed),
            _line("Surprise", surprise, "surprise", confirmed),
        ]
    )


def _what_was_said(exp: Experiment) -> str:
    """The entry's own words; the tool and the surprise are in the summary lines below."""
    parts = [safe(exp.summary, 600)]
    if exp.work:
        parts.append(f"_Work:_ {safe(exp.work, 300)}")
    if exp.failure and exp.failure != exp.summary:
        parts.append(f"_Failed:_ {safe(exp.failure, 300)}")
    return "\n".join(parts)


def _failure_mode_menu(exp: Experiment) -> Element:
    options = [option(mode.label, mode_value(exp.id, mode)) for mode in FailureMode]
    menu: Element = {
        "type": "static_select",
        "action_id": Action.CORRECT_FAILURE_MODE.value,
        "placeholder": {"type": "plain_text", "text": "How did it fail?"},
        "options": options,
    }
    if exp.failure_mode is not None:
        menu["initial_option"] = options[list(FailureMode).index(exp.failure_mode)]
    return menu


def understanding_blocks(
    exp: Experiment,
    confirmed: frozenset[str] = frozenset(),
    *,
    reasons: Sequence[str] = (),
) -> list[Block]:
    """The private summary of what was understood, with the corrections one tap away.

    A thread reply gets a short summary (its text is right above it); a `/tried` entry also
    shows what was saved, what was inferred, and Delete.
    """
    from_reply = exp.source is Source.THREAD
    if from_reply:
        blocks = [section(REPLY_HEADING + "\n" + describe_understanding(exp, confirmed))]
    else:
        blocks = [
            section(SAVED_HEADING + "\n" + _what_was_said(exp)),
            section(describe_understanding(exp, confirmed)),
        ]
        if exp.private:
            blocks.append(context(":lock: Private: never in a digest or a channel."))
        elif exp.anonymous:
            blocks.append(
                context(
                    ":bust_in_silhouette: Without your name: others see “someone”; only you "
                    "can see it is yours."
                )
            )
    if reasons:
        inferred = "\n".join(f"• {safe(reason, 300)}" for reason in reasons[:8])
        blocks.append(context("I inferred:\n" + inferred))
    elements = [
        button("It failed", Action.CORRECT_FAILED, exp.id),
        button("It worked", Action.CORRECT_WORKED, exp.id),
        button("It surprised me", Action.CORRECT_SURPRISED, exp.id),
        _failure_mode_menu(exp),
        button("Edit", Action.EDIT_EXPERIMENT, exp.id),
    ]
    if not exp.private:
        elements.append(anonymous_toggle(exp))
    if not from_reply:
        elements.append(button("Delete", Action.DELETE_EXPERIMENT, exp.id, style="danger"))
    blocks.append(
        actions(
            *elements,
            # A new block_id for each version of the summary, so Slack does not carry a menu's
            # old choice over into the replaced message.
            block_id=f"understood_{exp.id}_{exp.updated_at:%Y%m%d%H%M%S%f}",
        )
    )
    if from_reply:
        blocks.append(
            context(
                "Not right? One tap fixes it. Only you can see this; `/tried profile` turns it off."
            )
        )
        if exp.anonymous:
            blocks.append(context(":bust_in_silhouette: " + THREAD_REPLY_SHOWS_AUTHOR))
    return blocks


def understanding_text(exp: Experiment) -> str:
    """The notification fallback for the summary."""
    heading = "I understood" if exp.source is Source.THREAD else "Saved"
    parts = [exp.tool or "no tool named"]
    if exp.outcome is not None:
        parts.append(exp.outcome.label.lower())
    if exp.failure_mode is not None:
        parts.append(exp.failure_mode.label)
    if exp.source is not Source.THREAD:
        parts.append(exp.summary)
    return f"{heading}: " + safe(", ".join(parts), 300 - len(heading) - 2)
