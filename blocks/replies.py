"""Block Kit for short answers to `/tried`: help, refusals, plain notices, and "not saved"."""

from __future__ import annotations

from typing import Any

from blocks.ids import Action
from blocks.kit import Block, actions, button, context, safe, section

HELP = """*Share what happened when you tried an AI tool in real work.* Surprises and failures most of all.

`/tried Copilot: drafted the migration plan, it invented a CLI flag` saves at once
`/tried` opens the form with every field
`/tried private <text>` saves an entry kept out of every digest and channel
`/tried anon <text>` shares an entry without your name: the digest says "someone"
`/tried list` shows your last 10 entries, each with Edit and Delete
`/tried undo` deletes your last entry
`/tried profile` sets your job function, time zone and DM prompts
`/tried forget-me` deletes everything you shared (asks first)
`/tried setup` sets up a ritual (admins)
`/tried help` shows this"""

HINTS = (
    "Start with `Tool:` to name the tool. Words like _surprised_, _hallucinated_, _failed_ or "
    "_worked_ prefill the outcome; you can always edit what I inferred."
)


def help_blocks(*, unknown: str | None = None) -> list[Block]:
    """The help text, with a note when the person typed a subcommand that does not exist."""
    blocks: list[Block] = []
    if unknown is not None:
        blocks.append(section(f"I don't know `/tried {safe(unknown, 40)}`. Here is what I can do:"))
    blocks.append(section(HELP))
    blocks.append(context(HINTS))
    return blocks


def too_long_blocks(text: str, *, length: int, limit: int) -> list[Block]:
    """Refuse an over-long entry, saying why, and hand back its start so nothing is lost."""
    head = safe(text[:1500], 1600)
    return [
        section(
            f":warning: Not saved: your entry is {length:,} characters and the limit is {limit:,}. "
            "Please shorten it, or split it into a few entries. Its beginning is below so you can "
            "copy it."
        ),
        section(f"```{head}```"),
    ]


def missing_text_blocks(subcommand: str, what: str) -> list[Block]:
    """Say that a subcommand needs text after it, with an example."""
    sub = safe(subcommand, 40)
    return [
        section(f"`/tried {sub}` needs {safe(what, 200)}. For example: `/tried {sub} Copilot: …`")
    ]


NOT_SAVED_SHOWN = 300  # characters of the entry handed back


def not_saved_text(entry: str) -> str:
    """The answer when a quick entry was given up on, with its text (escaped) to copy."""
    return (
        f":warning: Your entry could not be saved after several tries: "
        f"{safe(entry, NOT_SAVED_SHOWN)}\nPlease try `/tried` again in a few minutes."
    )


def not_saved_blocks(entry: str) -> list[Block]:
    """The blocks of that answer."""
    return [section(not_saved_text(entry))]


REPLY_NOT_SAVED = (
    ":warning: Your reply could not be saved as an experiment after several tries. "
    "Please share it again with `/tried`."
)


def reply_not_saved_blocks() -> list[Block]:
    """The private answer in a thread when a reply was given up on."""
    return [section(REPLY_NOT_SAVED)]


UNAVAILABLE = (
    ":warning: Not saved: the bot cannot store entries right now. "
    "Please try again in a few minutes."
)


def unavailable_response() -> dict[str, Any]:
    """The immediate, private answer to a quick entry when it cannot be written down."""
    return {
        "response_type": "ephemeral",
        "text": UNAVAILABLE,
        "blocks": [section(UNAVAILABLE)],
    }


def notice_blocks(text: str) -> list[Block]:
    """A one-section answer (the text is already mrkdwn written by the bot)."""
    return [section(text)]


def forget_me_blocks() -> list[Block]:
    """Ask before deleting everything a person shared."""
    return [
        section(
            "*Delete everything you shared?* This removes all your experiments and your profile, "
            "and the copies I posted in prompt threads. Your own messages in threads stay yours: "
            "delete them in Slack if you want them gone. This cannot be undone."
        ),
        actions(
            button("Delete everything", Action.FORGET_ME_CONFIRM, "confirm", style="danger"),
            button("Cancel", Action.FORGET_ME_CANCEL, "cancel"),
        ),
    ]


def forgotten_text(*, entries: int, copies_left: int) -> str:
    """What forget-me deleted, and what it could not."""
    text = f"Done. I deleted {entries} entr{'y' if entries == 1 else 'ies'} and your profile."
    if copies_left:
        text += f" {copies_left} copies in threads could not be removed; an admin can delete them."
    return text


def forgotten_blocks(*, entries: int, copies_left: int) -> list[Block]:
    """The blocks of that answer."""
    return [section(forgotten_text(entries=entries, copies_left=copies_left))]


def unknown_command_text(command: str) -> str:
    """The answer to a slash command this app does not handle (its name escaped)."""
    return f"Sorry, I don't handle `{safe(command, 40)}`. Try `/tried help`."
