"""Block Kit for the one-time question "what is your job function?", and its answers.

One button per job function, so the answer is one tap; each button's `action_id` is
`Action.CHOOSE_FUNCTION` + "_" + the function's value (ids must differ within a block), and
`function_from_action` reads it back. Pure functions.
"""

from __future__ import annotations

from blocks.ids import Action
from blocks.kit import Block, actions, button, context, section
from core.model import JobFunction

QUESTION_TEXT = "One question, asked once: what is your job function?"
DISMISSED_TEXT = "Got it: I won't ask again. `/tried profile` sets your job function any time."


def choose_action_id(function: JobFunction) -> str:
    """The `action_id` of one function's button."""
    return f"{Action.CHOOSE_FUNCTION.value}_{function.value}"


def function_from_action(action_id: str) -> JobFunction | None:
    """The function a button stands for; None for an id this module did not write."""
    prefix = f"{Action.CHOOSE_FUNCTION.value}_"
    if not action_id.startswith(prefix):
        return None
    value = action_id.removeprefix(prefix)
    return JobFunction(value) if value in JobFunction._value2member_map_ else None


def function_question_blocks() -> list[Block]:
    """The question, with one button per function and a way to decline for good."""
    return [
        section(
            f"*{QUESTION_TEXT}*\nThe weekly digest shows which functions a tool works or fails "
            "for; it never names you for it. One tap, and you can change it in `/tried profile`."
        ),
        actions(
            *(button(job.label, choose_action_id(job), job.value) for job in JobFunction),
            block_id="function_choices",
        ),
        actions(
            button("Don't ask me", Action.DISMISS_FUNCTION, "dismiss"),
            block_id="function_dismiss",
        ),
    ]


def function_saved_blocks(function: JobFunction) -> list[Block]:
    """What replaces the question once answered."""
    return [
        section(f":white_check_mark: Saved: your job function is *{function.label}*."),
        context("Change it any time with `/tried profile` or on the app's Home tab."),
    ]


def function_saved_text(function: JobFunction) -> str:
    """The notification fallback once answered."""
    return f"Saved: your job function is {function.label}."
