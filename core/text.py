"""Slack-safe text: escaping for mrkdwn, neutralising mentions, and truncating without breaking.

Rules (https://api.slack.com/reference/surfaces/formatting#escaping):
- Escape `&` first, then `<` and `>`, as `&amp;`, `&lt;`, `&gt;`. This turns every mention form
  Slack encodes in angle brackets (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^S1>`,
  `<@U1>`, `<#C1>`) into inert text, so re-posted user text can never ping anyone.
- The bare words `@channel`, `@here` and `@everyone` are also neutralised, with a zero-width
  joiner after the `@`, because a message posted with `link_names` or `parse=full` would turn
  them into pings. The text reads the same to people.
- Truncation never cuts inside an escape (`&amp;`) or a surrogate pair, and marks the cut with "…".
- Control characters (NUL and the rest of C0, and DEL) except newline and tab are stripped from
  everything a person types before it is parsed or stored: they are invisible, some databases
  refuse NUL, and terminals act on escapes.
"""

from __future__ import annotations

import re

ZWJ = "\u2060"  # word joiner: invisible, breaks Slack's @-keyword matching
_BARE = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """Remove control characters other than newline and tab (a CR before a newline goes too)."""
    return _CONTROLS.sub("", text)


def escape_mrkdwn(text: str) -> str:
    """Escape user text for mrkdwn so that it shows as typed and pings nobody."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE.sub(lambda m: f"@{ZWJ}{m.group(1)}", escaped)


def truncate(text: str, limit: int, *, marker: str = "…") -> str:
    """Return at most `limit` characters, cut visibly and never inside an escape."""
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return marker[:limit]
    cut = text[: limit - len(marker)]
    cut = _ENTITY_TAIL.sub("", cut)
    if cut and "\ud800" <= cut[-1] <= "\udbff":
        cut = cut[:-1]
    return cut + marker
