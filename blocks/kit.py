"""The small Block Kit kit every builder in `blocks/` is made of.

Rules:
- Text a person or an admin typed goes through `safe` before it is placed in mrkdwn: it is
  rendered once by `core.text.render_slack_text` (mentions show as names and ping nobody, links
  stay links, broadcasts never fire, `&`, `<`, `>` show as typed) and cut to the room given,
  visibly, never inside an escape or a link.
- Every element is cut to Slack's limit inside the helper that makes it (a section's text at
  3,000 characters, a header at 150, a button's value at 2,000, an option's text at 75), so a
  builder cannot produce a payload Slack refuses for length.
- `fit_message` and `fit_view` keep a list of blocks within the 50 blocks of a message and the
  100 of a modal or Home tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.text import render_slack_text, truncate

Block = dict[str, Any]
Element = dict[str, Any]

# Slack's limits (https://api.slack.com/reference/block-kit/blocks and .../composition-objects).
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
CONTEXT_ELEMENT_LIMIT = 10


def safe(text: str, limit: int) -> str:
    """Render typed text (as Slack sent it, or raw) for mrkdwn and fit it into `limit` characters."""
    return truncate(render_slack_text(text), limit, markup=True)


def plain_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> Element:
    """A plain_text object (Slack shows it as is: no mrkdwn, no mentions)."""
    return {"type": "plain_text", "text": truncate(text, limit)}


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> Element:
    """A mrkdwn text object; `text` is mrkdwn the bot wrote, typed parts already `safe`."""
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def section(text: str) -> Block:
    """A mrkdwn section, truncated to Slack's limit."""
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Block:
    """A small grey line of mrkdwn."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> Block:
    """A header: plain text, at most 150 characters."""
    return {"type": "header", "text": plain_text(text, HEADER_TEXT_LIMIT)}


def divider() -> Block:
    """A thin line between parts of a view."""
    return {"type": "divider"}


def actions(*elements: Element, block_id: str | None = None) -> Block:
    """A row of buttons and menus."""
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Element:
    """A button carrying `value` back to the listener of `action_id`."""
    element: Element = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": str(action_id),
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style is not None:
        element["style"] = style
    return element


def option(text: str, value: str) -> Element:
    """One option of a select menu or of checkboxes."""
    return {"text": plain_text(text, OPTION_TEXT_LIMIT), "value": value[:OPTION_VALUE_LIMIT]}


def fit_message(blocks: Sequence[Block]) -> list[Block]:
    """The blocks a message can carry: the first 50."""
    return list(blocks[:MESSAGE_BLOCK_LIMIT])


def fit_view(blocks: Sequence[Block]) -> list[Block]:
    """The blocks a modal or Home tab can carry: the first 100."""
    return list(blocks[:VIEW_BLOCK_LIMIT])
