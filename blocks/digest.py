"""Block Kit for the weekly digest: a main message, continued in its thread when long.

Rules:
- Every piece of user text is escaped (no `<!channel>`, `<!here>`, `<@U…>` can ping) and each
  item's text is cut visibly (with "…") at `ITEM_CHARS`; the item keeps its permalink to the
  full message, so nothing is dropped silently.
- The digest is packed into messages of at most `MAX_BLOCKS` blocks and `MAX_CHARS` characters
  of block text, well inside Slack's 50 blocks and the reported ~13,000-character ceiling; the
  first message is the main post, the rest are its thread replies, each numbered.
- People are credited by name, never @-mentioned: a digest must not notify anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blocks.experiments import Block, context, safe, section
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
    line = (
        f"*{d.totals.experiments} experiment{'s' if d.totals.experiments != 1 else ''}* shared by "
        f"*{d.totals.people} {'person' if d.totals.people == 1 else 'people'}* with "
        f"*{d.totals.tools} tool{'s' if d.totals.tools != 1 else ''}*."
    )
    line += f"\nLast week: {_totals(d.previous)}."
    if d.participation is not None and d.asked:
        line += f"\n{d.asked_who_shared} of {d.asked} people asked shared this week ({d.participation:.0%})."
    return line


def _surprise(exp: Experiment, names: Mapping[str, str]) -> str:
    tool = f"{tool_of(exp)} ({exp.model})" if exp.model else tool_of(exp)
    return f"• *{safe(tool, 170)}*: {safe(exp.surprise, ITEM_CHARS)} _({_name(names, exp.user_id)})_{_link(exp)}"


def _failure(exp: Experiment, names: Mapping[str, str]) -> str:
    model = f"({safe(exp.model, 80)}) " if exp.model else ""
    mode = f"[{exp.failure_mode.label}] " if exp.failure_mode else ""
    what = exp.failure or exp.summary
    return f"• {model}{mode}{safe(what, ITEM_CHARS)} _({_name(names, exp.user_id)})_{_link(exp)}"


def digest_units(d: Digest, names: Mapping[str, str]) -> list[Block]:
    """Every block of the digest in reading order, before packing into messages."""
    title = safe(f"Learning Out Loud · {d.ritual_name} · {d.week}", 150)
    units: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    if d.quiet:
        units.append(
            section(
                "A quiet week: no experiments were shared. That's fine, and one small try is enough "
                "to start again: `/tried Tool: what happened`. Failures are the most useful thing to share."
            )
        )
        return units
    units.append(section(_headline(d)))
    if d.surprises:
        units.append(section("*:bulb: Surprises*"))
        units.extend(section(_surprise(e, names)) for e in d.surprises)
    if d.failures:
        units.append(section("*:warning: Failures, by tool*"))
        for group in d.failures:
            lines = [f"*{safe(group.tool, 80)}* ({len(group.items)})"]
            lines.extend(_failure(e, names) for e in group.items)
            units.extend(_chunked(lines))
    if d.by_mode or d.by_function:
        lines = ["*Where tools fail*"]
        for tool, modes in sorted(d.by_mode.items()):
            parts = ", ".join(
                f"{mode.label} x{count}"
                for mode, count in sorted(modes.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"• {safe(tool, 80)}: {parts}")
        for tool, functions in sorted(d.by_function.items()):
            parts = ", ".join(
                f"{fn.label} x{count}"
                for fn, count in sorted(functions.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"• {safe(tool, 80)}, failures by job function: {parts}")
        units.extend(_chunked(lines))
    if d.rising or d.first_tried or d.drift:
        lines = ["*What changed*"]
        lines.extend(
            f"• {safe(r.tool, 80)}: {r.this_week} failures this week vs {r.trailing_average:.1f}/week over the previous 4 weeks"
            for r in d.rising
        )
        lines.extend(_drift(drift) for drift in d.drift)
        if d.first_tried:
            lines.append(
                "• First tried this week: " + ", ".join(safe(tool, 80) for tool in d.first_tried)
            )
        units.extend(_chunked(lines))
    credit = "*Thanks for sharing:* " + ", ".join(_name(names, user) for user in d.sharers) + "."
    if d.first_time:
        credit += (
            "\n:wave: Welcome to first-time sharers: "
            + ", ".join(_name(names, u) for u in d.first_time)
            + "!"
        )
    units.extend(_chunked(credit.split("\n")))
    return units


def _drift(drift: Drift) -> str:
    """One "since the update" line, always with its numbers."""
    return (
        f"• {safe(drift.tool, 80)} since {safe(drift.model, 80)} first appeared ({drift.since}): "
        f"{drift.after.failures} of {drift.after.entries} failed ({drift.after_rate:.0%}); "
        f"in the {WINDOW_WEEKS} weeks before, {drift.before.failures} of {drift.before.entries}"
        f" ({drift.before_rate:.0%})"
    )


def _chunked(lines: list[str], limit: int = 2900) -> list[Block]:
    """Join lines into as few sections as fit Slack's 3,000-character section text."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _chars(block: Block) -> int:
    text = block.get("text")
    if isinstance(text, dict):
        return len(str(text.get("text", "")))
    return sum(
        len(str(e.get("text", ""))) for e in block.get("elements", []) if isinstance(e, dict)
    )


def digest_messages(d: Digest, names: Mapping[str, str]) -> list[DigestMessage]:
    """Pack the digest into a main message and numbered thread replies within Slack's limits."""
    pages: list[list[Block]] = [[]]
    used = 0
    for unit in digest_units(d, names):
        size = _chars(unit)
        if pages[-1] and (len(pages[-1]) + 1 >= MAX_BLOCKS or used + size > MAX_CHARS):
            pages.append([])
            used = 0
        pages[-1].append(unit)
        used += size
    total = len(pages)
    messages = []
    summary = f"{d.ritual_name} digest for {d.week}: " + (
        "a quiet week"
        if d.quiet
        else f"{d.totals.experiments} experiments from {d.totals.people} people"
    )
    for number, blocks in enumerate(pages, start=1):
        if total > 1:
            blocks = [
                *blocks,
                context(
                    f"Part {number} of {total}"
                    + (" · continued in the thread" if number == 1 else "")
                ),
            ]
        text = summary if number == 1 else f"{summary} (part {number} of {total})"
        messages.append(DigestMessage(blocks=blocks, text=safe(text, 3000)))
    return messages


def digest_as_json(messages: list[DigestMessage]) -> list[dict[str, Any]]:
    """The messages as Slack would receive them (for previews and the demo's output)."""
    return [{"text": m.text, "blocks": m.blocks} for m in messages]
