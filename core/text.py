"""Slack-safe text: showing what people wrote, escaping, neutralising mentions, and truncating.

Text from Slack is stored as Slack sent it: `&`, `<` and `>` escaped as `&amp;`, `&lt;`, `&gt;`,
and Slack's own markup in angle brackets (`<@U1>`, `<#C1|general>`, `<https://x|label>`,
`<!here>`, `<!subteam^S1|@leads>`, `<!date^…|fallback>`). It is rendered once, by
`render_slack_text`, for every surface (https://api.slack.com/reference/surfaces/formatting):
- A person mentioned shows as `@name` (the mention's label, which `name_mentions` fills in from
  the directory), as text: nobody is pinged by a copy of what someone else wrote.
- A link stays a link, its label shown; a channel stays a channel link (it notifies nobody).
- `<!channel>`, `<!here>`, `<!everyone>` and user groups never fire: they show as inert text.
- A date shows as its fallback text; any other markup as its label, or not at all.
- Everything else is text: an entity Slack escaped stays as it is, and a raw `&`, `<` or `>`
  (typed into a form, which Slack does not escape) is escaped. So text escaped by Slack is never
  escaped again, and raw text is escaped once.

Rules for text the bot writes (https://api.slack.com/reference/surfaces/formatting#escaping):
- Escape `&` first, then `<` and `>`, as `&amp;`, `&lt;`, `&gt;`. This turns every mention form
  Slack encodes in angle brackets (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^S1>`,
  `<@U1>`, `<#C1>`) into inert text, so re-posted user text can never ping anyone.
- The bare words `@channel`, `@here` and `@everyone` are also neutralised, with a zero-width
  joiner after the `@`, because a message posted with `link_names` or `parse=full` would turn
  them into pings. The text reads the same to people.
- Truncation never cuts inside an escape (`&amp;`), a link or a surrogate pair, and marks the cut
  with "…".
- Control characters (NUL and the rest of C0, and DEL) except newline and tab are stripped from
  everything a person types before it is parsed or stored: they are invisible, some databases
  refuse NUL, and terminals act on escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ZWJ = "\u2060"  # word joiner: invisible, breaks Slack's @-keyword matching
_BARE = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Slack's markup: `<…>` with no `<`, `>` or line break inside.
_MARKUP = re.compile(r"<([^<>\n]+)>")
_RAW = re.compile(r"&(?!(?:amp|lt|gt);)|<|>")
_USER = re.compile(r"@([UW][A-Z0-9]{1,20})(?:\|(.*))?", re.DOTALL)
_CHANNEL = re.compile(r"#([CG][A-Z0-9]{1,20})(?:\|(.*))?", re.DOTALL)
_SPECIAL = re.compile(r"!([a-z]+)(?:\^([^|]*))?(?:\|(.*))?", re.DOTALL)
_LINK = re.compile(r"((?:https?|mailto|ftp|tel|slack):[^|\s]+)(?:\|(.*))?", re.DOTALL | re.I)
_BROADCASTS = frozenset({"channel", "here", "everyone"})
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
SOMEONE = "someone"


def strip_controls(text: str) -> str:
    """Remove control characters other than newline and tab (a CR before a newline goes too)."""
    return _CONTROLS.sub("", text)


def escape_mrkdwn(text: str) -> str:
    """Escape user text for mrkdwn so that it shows as typed and pings nobody."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE.sub(lambda m: f"@{ZWJ}{m.group(1)}", escaped)


def _escape_raw(text: str) -> str:
    """Escape the `&`, `<` and `>` that are not escapes already, and neutralise bare broadcasts."""
    escaped = _RAW.sub(lambda m: {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[m.group(0)], text)
    return _BARE.sub(lambda m: f"@{ZWJ}{m.group(1)}", escaped)


def _at(label: str | None, fallback: str) -> str:
    name = (label or "").strip().lstrip("@") or fallback
    return f"@{name}"


def _render_markup(inner: str, *, plain: bool) -> str | None:
    """One piece of Slack markup as mrkdwn (or plain text); None when it is not markup."""
    if user := _USER.fullmatch(inner):
        return _at(user.group(2), SOMEONE)
    if channel := _CHANNEL.fullmatch(inner):
        if plain:
            return "#" + (channel.group(2) or "channel").lstrip("#")
        return f"<#{channel.group(1)}>"
    if special := _SPECIAL.fullmatch(inner):
        word, label = special.group(1), special.group(3)
        if word in _BROADCASTS:
            return f"@{ZWJ}{word}"
        if word == "subteam":
            return _at(label, "group")
        return label or ""
    if link := _LINK.fullmatch(inner):
        url, label = link.group(1), link.group(2)
        if plain:
            return f"{label} ({url})" if label and label != url else url
        return f"<{url}|{label}>" if label else f"<{url}>"
    return None


def render_slack_text(text: str) -> str:
    """Show text as Slack sent it (or as typed into a form) in mrkdwn, once: see the rules above."""
    out: list[str] = []
    at = 0
    for match in _MARKUP.finditer(text):
        shown = _render_markup(match.group(1), plain=False)
        if shown is None:
            continue  # not Slack's markup ("<3", "<b>"): text, escaped with the rest
        out.append(_escape_raw(text[at : match.start()]))
        if shown.startswith("<"):
            # A link or channel: its own text is escaped, the brackets are the markup.
            body = shown[1:-1]
            target, bar, label = body.partition("|")
            out.append(f"<{target}{bar}{_escape_raw(label).replace('|', '/')}>")
        else:
            out.append(_escape_raw(shown))
        at = match.end()
    out.append(_escape_raw(text[at:]))
    return "".join(out)


def slack_text_as_plain(text: str) -> str:
    """The same text for a plain_text surface: mentions as names, links as label and address."""
    out: list[str] = []
    at = 0
    for match in _MARKUP.finditer(text):
        shown = _render_markup(match.group(1), plain=True)
        if shown is None:
            continue
        out.append(text[at : match.start()])
        out.append(shown)
        at = match.end()
    out.append(text[at:])
    plain = "".join(out)
    for entity, char in _ENTITIES:
        plain = plain.replace(entity, char)
    return plain


def mentioned_users(text: str) -> list[str]:
    """The people mentioned in the text without a name: `<@U1>`, not `<@U1|ann>`, in order."""
    found = [
        user.group(1)
        for match in _MARKUP.finditer(text)
        if (user := _USER.fullmatch(match.group(1))) and not user.group(2)
    ]
    return list(dict.fromkeys(found))


def name_mentions(text: str, names: Mapping[str, str]) -> str:
    """Give each unnamed mention of a person its name: `<@U1>` becomes `<@U1|Ann>`."""

    def named(match: re.Match[str]) -> str:
        user = _USER.fullmatch(match.group(1))
        if user is None or user.group(2) or user.group(1) not in names:
            return match.group(0)
        name = _RAW.sub("", names[user.group(1)]).replace("|", "/")
        return f"<@{user.group(1)}|{name}>"

    return _MARKUP.sub(named, text)


def truncate(text: str, limit: int, *, marker: str = "…", markup: bool = False) -> str:
    """Return at most `limit` characters, cut visibly and never inside an escape.

    With `markup` (rendered mrkdwn, whose only `<` open a link), never inside a link either.
    """
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return marker[:limit]
    cut = text[: limit - len(marker)]
    if markup and cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    cut = _ENTITY_TAIL.sub("", cut)
    if cut and "\ud800" <= cut[-1] <= "\udbff":
        cut = cut[:-1]
    return cut + marker
