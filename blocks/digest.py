"""Block Kit for the weekly digest: a main message, continued in its thread when long.

Rules:
- Every piece of user text is escaped (no `<!channel>`, `<!here>`, `<@U…>` can ping) and each
  item's text is cut visibly (with "…") at `ITEM_CHARS`; the item keeps its permalink to the
  full message, so nothing is dropped silently.
- The digest is packed into messages of at most `MAX_BLOCKS` blocks and `MAX_CHARS` characters
  of block text, well inside Slack's 50 blocks and the reported ~13,000-character ceiling; the
  first message is the main post, the rest are its thread replies, each numbered.
- People are credited by name, never @-mentioned: a digest must not notify anyone. An entry
  shared without a name is credited by its byline, looked up by `core.credit.credit_key`.
- What is kept of a rendered digest is its layout (`layout_as_json`): which keyed lines go in
  which block of which part, and no text or name. A part is filled from current data only when
  it is posted (`refill`), so nothing withdrawn since the rendering can reach Slack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blocks.kit import SECTION_TEXT_LIMIT, Block, context, header, safe, section
from core.credit import credit_key
from core.digest import Digest, Totals, tool_of
from core.drift import WINDOW_WEEKS, Drift
from core.model import Experiment

MAX_BLOCKS = 45
MAX_CHARS = 11_000
ITEM_CHARS = 400


@dataclass(frozen=True)
class DigestMessage:
    blocks: list[Block]
    text: str  # the notification fallback


def _link(exp: Experiment) -> str:
    return (
        f" · <{exp.permalink}|view>"
        if exp.permalink and "|" not in exp.permalink and ">" not in exp.permalink
        else ""
    )


def _name(names: Mapping[str, str], user_id: str) -> str:
    return safe(names.get(user_id) or "someone", 60)


def _totals(t: Totals) -> str:
    return f"{t.experiments} experiment{'s' if t.experiments != 1 else ''} · {t.people} people · {t.tools} tools"


def _headline(d: Digest) -> str:
    # People are counted by name (`core.credit`): with none, the entries were all shared without.
    who = (
        f"by *{d.totals.people} {'person' if d.totals.people == 1 else 'people'}*"
        if d.totals.people
        else "without names"
    )
    line = (
        f"*{d.totals.experiments} experiment{'s' if d.totals.experiments != 1 else ''}* shared "
        f"{who} with *{d.totals.tools} tool{'s' if d.totals.tools != 1 else ''}*."
        if d.totals.experiments
        else "*No experiments* shared for this week itself."  # only late ones, listed below
    )
    line += f"\nLast week: {_totals(d.previous)}."
    if d.participation is not None and d.asked:
        line += f"\n{d.asked_who_shared} of {d.asked} people asked shared this week ({d.participation:.0%})."
    if d.late:
        n = len(d.late)
        line += f"\nAlso {n} shared after last digest, marked _late_ and counted for {'its' if n == 1 else 'their'} own week."
    return line


def _late(exp: Experiment, week: str) -> str:
    """The mark of an entry carried in from an earlier week's digest."""
    return f" _(late, from {safe(exp.week, 20)})_" if exp.week != week else ""


def _surprise(exp: Experiment, names: Mapping[str, str], week: str = "") -> str:
    tool = f"{tool_of(exp)} ({exp.model})" if exp.model else tool_of(exp)
    return f"• *{safe(tool, 170)}*: {safe(exp.surprise, ITEM_CHARS)} _({_name(names, credit_key(exp))})_{_late(exp, week or exp.week)}{_link(exp)}"


def _failure(exp: Experiment, names: Mapping[str, str], week: str = "") -> str:
    model = f"({safe(exp.model, 80)}) " if exp.model else ""
    mode = f"[{exp.failure_mode.label}] " if exp.failure_mode else ""
    what = exp.failure or exp.summary
    return f"• {model}{mode}{safe(what, ITEM_CHARS)} _({_name(names, credit_key(exp))})_{_late(exp, week or exp.week)}{_link(exp)}"


@dataclass(frozen=True)
class Unit:
    """One block of the digest before packing: its lines, each under a stable key.

    Keys name what a line shows (`surprise:<experiment id>`, `failure:<id>`, `group:<digest of
    the tool's name>`, `credit`…), so a stored layout can be filled again from current data
    (`refill`).
    """

    kind: str  # "header" or "section"
    lines: tuple[tuple[str, str], ...]  # (key, mrkdwn line)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.lines)


ITEM_PREFIXES = ("surprise:", "failure:")


def _tool_key(tool: str) -> str:
    # Tool names are typed by people: a kept layout names them by digest, never as text.
    return hashlib.sha256(tool.encode()).hexdigest()[:16]


def _unit(*lines: tuple[str, str]) -> Unit:
    return Unit("section", tuple(lines))


def digest_units(d: Digest, names: Mapping[str, str]) -> list[Unit]:
    """Every block of the digest in reading order, before packing into messages."""
    title = safe(f"Learning Out Loud · {d.ritual_name} · {d.week}", 150)
    units: list[Unit] = [Unit("header", (("header", title[:150]),))]
    if d.quiet:
        units.append(
            _unit(
                (
                    "quiet",
                    "A quiet week: no experiments were shared. That's fine, and one small try is "
                    "enough to start again: `/tried Tool: what happened`. Failures are the most "
                    "useful thing to share.",
                )
            )
        )
        return units
    units.append(_unit(("headline", _headline(d))))
    if d.surprises:
        units.append(_unit(("surprises", "*:bulb: Surprises*")))
        units.extend(_unit((f"surprise:{e.id}", _surprise(e, names, d.week))) for e in d.surprises)
    if d.failures:
        units.append(_unit(("failures", "*:warning: Failures, by tool*")))
        for group in d.failures:
            lines = [
                (f"group:{_tool_key(group.tool)}", f"*{safe(group.tool, 80)}* ({len(group.items)})")
            ]
            lines.extend((f"failure:{e.id}", _failure(e, names, d.week)) for e in group.items)
            units.extend(_chunked(lines))
    if d.by_mode or d.by_function:
        lines = [("where", "*Where tools fail*")]
        for tool, modes in sorted(d.by_mode.items()):
            parts = ", ".join(
                f"{mode.label} x{count}"
                for mode, count in sorted(modes.items(), key=lambda kv: -kv[1])
            )
            lines.append((f"where:{_tool_key(tool)}", f"• {safe(tool, 80)}: {parts}"))
        for tool, functions in sorted(d.by_function.items()):
            parts = ", ".join(
                f"{fn.label} x{count}"
                for fn, count in sorted(functions.items(), key=lambda kv: -kv[1])
            )
            lines.append(
                (
                    f"where-fn:{_tool_key(tool)}",
                    f"• {safe(tool, 80)}, failures by job function: {parts}",
                )
            )
        units.extend(_chunked(lines))
    if d.rising or d.first_tried or d.drift:
        lines = [("changed", "*What changed*")]
        lines.extend(
            (
                f"rising:{_tool_key(r.tool)}",
                f"• {safe(r.tool, 80)}: {r.this_week} failures this week vs "
                f"{r.trailing_average:.1f}/week over the previous 4 weeks",
            )
            for r in d.rising
        )
        lines.extend((f"drift:{_tool_key(drift.tool)}", _drift(drift)) for drift in d.drift)
        if d.first_tried:
            lines.append(
                (
                    "first-tried",
                    "• First tried this week: "
                    + ", ".join(safe(tool, 80) for tool in d.first_tried),
                )
            )
        units.extend(_chunked(lines))
    lines = [
        (
            "credit",
            "*Thanks for sharing:* " + ", ".join(_name(names, u) for u in d.sharers) + "."
            if d.sharers  # empty when every entry was shared without a name
            else "*Thanks to everyone who shared.*",
        )
    ]
    if d.first_time:
        welcome = ", ".join(_name(names, u) for u in d.first_time)
        lines.append(("welcome", f":wave: Welcome to first-time sharers: {welcome}!"))
    units.extend(_chunked(lines))
    return units


def _drift(drift: Drift) -> str:
    """One "since the update" line, always with its numbers."""
    return (
        f"• {safe(drift.tool, 80)} since {safe(drift.model, 80)} first appeared ({drift.since}): "
        f"{drift.after.failures} of {drift.after.entries} failed ({drift.after_rate:.0%}); "
        f"in the {WINDOW_WEEKS} weeks before, {drift.before.failures} of {drift.before.entries}"
        f" ({drift.before_rate:.0%})"
    )


def _chunked(lines: list[tuple[str, str]], limit: int = 2900) -> list[Unit]:
    """Join lines into as few sections as fit Slack's 3,000-character section text."""
    units: list[Unit] = []
    current: list[tuple[str, str]] = []
    size = 0
    for key, line in lines:
        if current and size + 1 + len(line) > limit:
            units.append(Unit("section", tuple(current)))
            current, size = [], 0
        size += len(line) + (1 if current else 0)
        current.append((key, line))
    if current:
        units.append(Unit("section", tuple(current)))
    return units


def _blocks(unit: Unit) -> list[Block]:
    if unit.kind == "header":
        return [header(unit.lines[0][1])]
    text = "\n".join(line for _, line in unit.lines)
    if len(text) <= SECTION_TEXT_LIMIT:
        return [section(text)]
    # An edit made a refilled section longer than Slack allows: split it rather than cut it.
    return [b for part in _chunked(list(unit.lines)) for b in _blocks(part)]


def _chars(unit: Unit) -> int:
    return sum(len(line) + 1 for _, line in unit.lines)


def _summary(d: Digest) -> str:
    return f"{d.ritual_name} digest for {d.week}: " + (
        "a quiet week"
        if d.quiet
        else f"{d.totals.experiments} experiments from {d.totals.people} people"
        + (f", and {len(d.late)} shared late" if d.late else "")
    )


def _message(blocks: list[Block], summary: str, number: int, total: int) -> DigestMessage:
    if total > 1:
        blocks = [
            *blocks,
            context(
                f"Part {number} of {total}" + (" · continued in the thread" if number == 1 else "")
            ),
        ]
    text = summary if number == 1 else f"{summary} (part {number} of {total})"
    return DigestMessage(blocks=blocks, text=safe(text, 3000))


def digest_layout(d: Digest, names: Mapping[str, str]) -> list[list[Unit]]:
    """Pack the digest's units into a main message and thread replies within Slack's limits."""
    pages: list[list[Unit]] = [[]]
    used = 0
    for unit in digest_units(d, names):
        size = _chars(unit)
        if pages[-1] and (len(pages[-1]) + 1 >= MAX_BLOCKS or used + size > MAX_CHARS):
            pages.append([])
            used = 0
        pages[-1].append(unit)
        used += size
    return pages


def digest_messages(d: Digest, names: Mapping[str, str]) -> list[DigestMessage]:
    """The digest as a main message and numbered thread replies, each within Slack's limits."""
    pages = digest_layout(d, names)
    return [
        _message([b for unit in page for b in _blocks(unit)], _summary(d), number, len(pages))
        for number, page in enumerate(pages, start=1)
    ]


def layout_as_json(pages: list[list[Unit]]) -> list[dict[str, Any]]:
    """What is kept of a rendered digest: per part, the kind and keys of each block; no text."""
    return [
        {"units": [{"kind": unit.kind, "keys": list(unit.keys)} for unit in page]} for page in pages
    ]


def refill(
    part: dict[str, Any],
    d: Digest,
    names: Mapping[str, str],
    *,
    number: int,
    total: int,
) -> DigestMessage:
    """Fill one kept part's layout with the current text of each key.

    A line whose key is gone (the entry was deleted, made private, or its author forgotten) is
    left out; a block that listed entries and has none left goes, with its heading. A part left
    with nothing says so, so the numbering of the parts stays that of the main post.
    """
    current = dict(line for unit in digest_units(d, names) for line in unit.lines)
    blocks: list[Block] = []
    for kept in part.get("units", []):
        keys = [str(key) for key in kept.get("keys", [])]
        lines = tuple((key, current[key]) for key in keys if key in current)
        listed_entries = any(key.startswith(ITEM_PREFIXES) for key in keys)
        if not lines or (
            listed_entries and not any(key.startswith(ITEM_PREFIXES) for key, _ in lines)
        ):
            continue
        blocks.extend(_blocks(Unit(str(kept.get("kind") or "section"), lines)))
    if not blocks:
        blocks = [
            section("_The entries of this part were withdrawn after the digest was written._")
        ]
    return _message(blocks, _summary(d), number, total)


def digest_as_json(messages: list[DigestMessage]) -> list[dict[str, Any]]:
    """The messages as Slack would receive them (for previews and the demo's output)."""
    return [{"text": m.text, "blocks": m.blocks} for m in messages]
