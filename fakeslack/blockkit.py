"""Block Kit checks, as Slack applies them to messages and views.

slack_sdk's own models parse and validate each block (text lengths, required fields); the
limits it does not check are checked here, each with Slack's number:
https://api.slack.com/reference/block-kit/blocks and /block-elements. The ~13,200-character
ceiling on a message's combined block text is not documented; it is what Slack answers with
`msg_blocks_too_long` (reported in slackapi/bolt-js#2509), so it is kept here as observed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_BLOCK_TEXT = 13_200
ID_CHARS = 255
BUTTON_VALUE = 2000
BUTTON_TEXT = 75
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
OPTIONS = 100
VIEW_TITLE = 24
PRIVATE_METADATA = 3000


def _elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(block.get("accessory"), dict):
        yield block["accessory"]
    if isinstance(block.get("element"), dict):
        yield block["element"]
    for element in block.get("elements") or []:
        if isinstance(element, dict):
            yield element


def _texts(value: Any) -> Iterator[str]:
    """Every `text` string inside a block, however deep."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "text" and isinstance(inner, str):
                yield inner
            else:
                yield from _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)


def check_blocks(blocks: Any, *, limit: int) -> list[str]:
    """Return what is wrong with a list of blocks (empty when valid)."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    seen: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        if not isinstance(raw, dict):
            problems.append(f"must be an object {where}")
            continue
        parsed = Block.parse(raw)
        if parsed is None:
            problems.append(f"unsupported type: {raw.get('type')!r} {where}")
            continue
        try:
            parsed.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(f"{exc} {where}")
        block_id = raw.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                problems.append(f"duplicate block_id {block_id!r} {where}")
            if len(block_id) > ID_CHARS:
                problems.append(f"block_id longer than {ID_CHARS} {where}")
            seen.add(block_id)
        fields = raw.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            problems.append(f"no more than {SECTION_FIELDS} fields {where}")
        if any(len(str(f.get("text", ""))) > FIELD_TEXT for f in fields if isinstance(f, dict)):
            problems.append(f"a field's text is longer than {FIELD_TEXT} {where}")
        if raw.get("type") == "context" and len(raw.get("elements") or []) > CONTEXT_ELEMENTS:
            problems.append(f"no more than {CONTEXT_ELEMENTS} context elements {where}")
        for element in _elements(raw):
            problems.extend(_check_element(element, where))
    return problems


def _check_element(element: dict[str, Any], where: str) -> list[str]:
    problems = []
    if len(str(element.get("action_id", ""))) > ID_CHARS:
        problems.append(f"action_id longer than {ID_CHARS} {where}")
    if element.get("type") == "button":
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            problems.append(f"button value longer than {BUTTON_VALUE} {where}")
        if len(str((element.get("text") or {}).get("text", ""))) > BUTTON_TEXT:
            problems.append(f"button text longer than {BUTTON_TEXT} {where}")
    if len(element.get("options") or []) > OPTIONS:
        problems.append(f"no more than {OPTIONS} options {where}")
    if element.get("type") == "plain_text_input" and int(element.get("max_length") or 0) > 3000:
        problems.append(f"max_length cannot exceed 3000 {where}")
    return problems


def check_message_blocks(blocks: Any) -> tuple[str, list[str]] | None:
    """Check a message's blocks; return (Slack's error code, details) or None when valid."""
    problems = check_blocks(blocks, limit=MESSAGE_BLOCKS)
    if problems:
        return "invalid_blocks", problems
    if sum(len(text) for text in _texts(blocks)) > MESSAGE_BLOCK_TEXT:
        return "msg_blocks_too_long", ["the blocks' combined text is too long"]
    return None


def check_view(view: Any) -> list[str]:
    """Return what is wrong with a modal or Home tab view (empty when valid)."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"unsupported view type {kind!r}"]
    problems = check_blocks(view.get("blocks", []), limit=VIEW_BLOCKS)
    if kind == "modal":
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text", "")
            if key == "title" and not text:
                problems.append("a modal needs a title")
            if len(str(text)) > VIEW_TITLE:
                problems.append(f"{key} longer than {VIEW_TITLE} characters")
        if any(
            b.get("type") == "input" for b in view.get("blocks", []) if isinstance(b, dict)
        ) and not view.get("submit"):
            problems.append("a modal with inputs needs a submit button")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        problems.append(f"private_metadata longer than {PRIVATE_METADATA}")
    if len(str(view.get("callback_id", ""))) > ID_CHARS:
        problems.append(f"callback_id longer than {ID_CHARS}")
    return problems
