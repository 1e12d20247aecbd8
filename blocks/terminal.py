"""Show Block Kit messages as plain text in a terminal (previews and the demo)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.text import ZWJ

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def mrkdwn_to_text(text: str) -> str:
    """Turn mrkdwn into readable plain text: links as "label (url)", escapes and the invisible
    joiner that keeps `@channel` inert undone."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text).replace(ZWJ, "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def block_lines(block: Mapping[str, Any]) -> list[str]:
    """The lines one block shows."""
    kind = block.get("type")
    if kind == "header":
        title = str(block["text"]["text"])
        return [title, "=" * min(len(title), 80)]
    if kind == "divider":
        return ["-" * 40]
    if kind == "section":
        return mrkdwn_to_text(str((block.get("text") or {}).get("text", ""))).splitlines()
    if kind == "context":
        return [
            "  "
            + mrkdwn_to_text(" ".join(str(e.get("text", "")) for e in block.get("elements", [])))
        ]
    if kind == "actions":
        labels = [str((e.get("text") or {}).get("text", "")) for e in block.get("elements", [])]
        return ["[" + "] [".join(labels) + "]"]
    return []


def messages_to_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """Render messages (dicts with `blocks` and `text`) one after another."""
    out: list[str] = []
    for number, message in enumerate(messages, start=1):
        if number > 1:
            out.append(f"\n  ↳ in the thread, part {number}:")
        for block in message.get("blocks") or []:
            out.extend(block_lines(block))
    return "\n".join(out) + "\n"
