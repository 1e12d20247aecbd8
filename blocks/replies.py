"""Block Kit for short answers to `/tried`: help, refusals, and plain notices."""

from __future__ import annotations

from blocks.experiments import Block, button, context, safe, section
from blocks.ids import Action

HELP = """*Share what happened when you tried an AI tool in real work.* Surprises and failures most of all.

`/tried Copilot: drafted the migration plan, it invented a CLI flag` saves at once
`/tried` opens the form with every field
`/tried private <text>` saves an entry kept out of every digest and channel
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
        {
            "type": "actions",
            "elements": [
                button("Delete everything", Action.FORGET_ME_CONFIRM, "confirm", style="danger"),
                button("Cancel", Action.FORGET_ME_CANCEL, "cancel"),
            ],
        },
    ]
