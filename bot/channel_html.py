"""Render a channel's messages as a small static HTML page (the demo's picture of Slack)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
EMOJI = {
    "bulb": "💡",
    "warning": "⚠️",
    "wave": "👋",
    "memo": "📝",
    "fire": "🔥",
    "white_check_mark": "✅",
    "lock": "🔒",
    "x": "❌",
    "large_yellow_circle": "🟡",
    "small_blue_diamond": "🔹",
    "repeat": "🔁",
    "pushpin": "📌",
    "chart_with_upwards_trend": "📈",
    "arrows_counterclockwise": "🔄",
    "busts_in_silhouette": "👥",
    "rotating_light": "🚨",
    "scales": "⚖️",
    "thread": "🧵",
    "dart": "🎯",
}
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")

STYLE = """
body { font-family: -apple-system, 'Segoe UI', Roboto, sans-serif; background: #f8f8f8; margin: 0; }
main { max-width: 760px; margin: 24px auto; background: #fff; border: 1px solid #ddd; border-radius: 8px; }
h1 { font-size: 18px; padding: 14px 20px; margin: 0; border-bottom: 1px solid #ddd; }
.msg { padding: 12px 20px; border-bottom: 1px solid #f0f0f0; }
.who { font-weight: 700; } .when { color: #888; font-size: 12px; margin-left: 6px; }
.reply { margin-left: 36px; border-left: 3px solid #e8e8e8; }
.header { font-size: 17px; font-weight: 700; margin: 6px 0; }
.section { margin: 6px 0; white-space: pre-wrap; line-height: 1.45; }
.context { color: #666; font-size: 12px; margin: 4px 0; white-space: pre-wrap; }
pre { background: #f4f4f4; border: 1px solid #e4e4e4; border-radius: 4px; padding: 6px 8px; margin: 4px 0; }
.menu { float: right; border: 1px solid #ccc; border-radius: 4px; padding: 0 8px; color: #555; }
.button { display: inline-block; border: 1px solid #ccc; border-radius: 4px; padding: 3px 10px; margin-right: 6px; font-size: 13px; }
.image { max-width: 100%; border: 1px solid #e8e8e8; border-radius: 6px; margin: 6px 0; }
code { background: #f4f4f4; border-radius: 3px; padding: 0 3px; }
"""


def mrkdwn_to_html(text: str) -> str:
    """Turn Slack mrkdwn (already escaped by the bot) into safe HTML."""
    out: list[str] = []
    position = 0
    for link in _LINK.finditer(text):  # links first: their URLs hold `&` and `_` of their own
        out.append(_inline(text[position : link.start()]))
        url = html.escape(_unescape(link.group(1)))
        out.append(f'<a href="{url}">{_inline(link.group(2))}</a>')
        position = link.end()
    out.append(_inline(text[position:]))
    return "".join(out)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _inline(text: str) -> str:
    """Escape for HTML, then render code, bold, italics and a few emoji."""
    out = html.escape(_unescape(text), quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), out)


def _block_html(block: Mapping[str, Any]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{html.escape(str(block["text"]["text"]))}</div>'
    if kind == "section":
        text = str((block.get("text") or {}).get("text", ""))
        # ```…``` is preformatted in Slack: shown as typed, in a box.
        pieces = text.split("```")
        body = "".join(
            f"<pre>{html.escape(_unescape(piece))}</pre>" if n % 2 else mrkdwn_to_html(piece)
            for n, piece in enumerate(pieces)
        )
        accessory = block.get("accessory") or {}
        menu = (
            f'<span class="menu" title="{html.escape(", ".join(str(o["text"]["text"]) for o in accessory.get("options", [])))}">⋯</span>'
            if accessory.get("type") == "overflow"
            else ""
        )
        return f'<div class="section">{menu}{body}</div>'
    if kind == "context":
        parts = " ".join(mrkdwn_to_html(str(e.get("text", ""))) for e in block.get("elements", []))
        return f'<div class="context">{parts}</div>'
    if kind == "actions":
        buttons = "".join(
            f'<span class="button">{html.escape(str((e.get("text") or {}).get("text", "")))}</span>'
            for e in block.get("elements", [])
        )
        return f"<div>{buttons}</div>"
    if kind == "divider":
        return "<hr>"
    return ""


def channel_page(title: str, messages: Iterable[Mapping[str, Any]]) -> str:
    """A whole page: each message with its author, time and blocks (or text)."""
    rows = []
    for message in messages:
        blocks = message.get("blocks") or []
        body = (
            "".join(_block_html(b) for b in blocks)
            if blocks
            else f'<div class="section">{mrkdwn_to_html(str(message.get("text", "")))}</div>'
        )
        css = "msg reply" if message.get("is_reply") else "msg"
        who = html.escape(str(message.get("who", "")))
        when = html.escape(str(message.get("when", "")))
        for source, alt in message.get("images") or []:  # a file shared with the message
            body += f'<img class="image" src="{html.escape(source)}" alt="{html.escape(alt)}">'
        reactions = " ".join(
            EMOJI.get(name, f":{name}:") for name in message.get("reactions") or []
        )
        if reactions:
            body += f'<div class="context">{html.escape(reactions)}</div>'
        rows.append(
            f'<div class="{css}"><span class="who">{who}</span><span class="when">{when}</span>{body}</div>'
        )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><main><h1>{html.escape(title)}</h1>{''.join(rows)}</main></body></html>\n"
    )
