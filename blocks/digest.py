"""Block Kit for the weekly digest: a short top post, and every entry in its thread.

Rules (docs/digest.md):
- The top post is what matters this week in about 12 lines: the three things to know, the
  week's numbers, the credit, and a pointer to the thread. Everything else is in the thread:
  every entry grouped by tool (one block each, with a menu to say "I tried it too"), the tool x
  job function table, what changed, what was caught late, and any credit that did not fit.
- People are credited by name, never @-mentioned: a digest must not notify anyone. An entry
  shared without a name is credited by its byline, looked up by `core.credit.credit_key`.
- Credit is never cut: names that do not fit the top post's one credit block continue in the
  thread. First-time sharers are welcomed by name only when few (`core.digest.WELCOME_NAMES`).
- Thread messages are packed within `MAX_BLOCKS` blocks and `MAX_CHARS` characters of block
  text, well inside Slack's 50 blocks and the reported ~13,000-character ceiling.
- What is kept of a rendered digest is its layout (`layout_as_json`): which keyed lines go in
  which block of which part, and no text or name. A part is filled from current data only when
  it is posted or updated (`refill`), so nothing withdrawn since the rendering can reach Slack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blocks.digest_lines import (
    counts,
    drift_line,
    entry_gist,
    entry_line,
    group_line,
    late_mark,
    late_note,
    link,
    name_of,
    plural,
    rising_line,
    summary_text,
    table_note,
    table_text,
    thing_line,
)
from blocks.ids import Action
from blocks.kit import SECTION_TEXT_LIMIT, Block, context, header, mrkdwn, option, safe, section
from core.credit import credit_key
from core.digest import Digest

# The top post's numbers when the week has only entries carried in late from earlier weeks.
NONE_OF_ITS_OWN = "*No experiments* shared for this week itself."
MAX_BLOCKS = 45
MAX_CHARS = 11_000
CREDIT_TOP_CHARS = 1_500  # the top post's credit block; the rest continues in the thread
REPRODUCED, NOT_REPRODUCED, TAKE_BACK, PIN = "same", "not", "clear", "pin"


@dataclass(frozen=True)
class DigestMessage:
    blocks: list[Block]
    text: str  # the notification fallback


@dataclass(frozen=True)
class Unit:
    """One block of the digest before packing: its lines, each under a stable key.

    Keys name what a line shows (`entry:<experiment id>`, `caught:<id>`, `group:<digest of the
    tool's name>`, `thing:<n>`, `credit`…), so a stored layout can be filled again from current
    data (`refill`). Kinds: header, section, context, entry (a section with the entry's menu).
    """

    kind: str
    lines: tuple[tuple[str, str], ...]  # (key, mrkdwn line)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.lines)


ITEM_PREFIXES = ("entry:", "caught:", "surprise:", "failure:")


def _tool_key(tool: str) -> str:
    # Tool names are typed by people: a kept layout names them by digest, never as text.
    return hashlib.sha256(tool.encode()).hexdigest()[:16]


def _unit(*lines: tuple[str, str]) -> Unit:
    return Unit("section", tuple(lines))


def _credit(d: Digest, names: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Every credited name, split into what fits the top post's credit block and the rest."""
    # Alphabetical: in a long list, people look for their own name.
    all_names = sorted((name_of(names, user) for user in d.sharers), key=str.casefold)
    top: list[str] = []
    size = 0
    for n, name in enumerate(all_names):
        if size + len(name) + 2 > CREDIT_TOP_CHARS:
            return top, all_names[n:]
        top.append(name)
        size += len(name) + 2
    return top, []


def top_units(d: Digest, names: Mapping[str, str]) -> list[Unit]:
    """The top post: what matters this week, in about 12 lines."""
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
    if d.things:
        lines = [("things", "*Three things to know*" if len(d.things) == 3 else "*To know*")]
        lines.extend(
            (f"thing:{n}", "• " + thing_line(t, d, names)) for n, t in enumerate(d.things, 1)
        )
        units.append(_unit(*lines))
    units.append(_unit(("counts", counts(d) if d.totals.experiments else NONE_OF_ITS_OWN)))
    if d.shared_late:
        units.append(_unit(("late-note", late_note(len(d.shared_late)))))
    top, rest = _credit(d, names)
    credit = "Thanks for sharing: " + ", ".join(top)
    credit += (
        f", and {plural(len(rest), 'more person', 'more people')} named in the thread."
        if rest
        else "."
    )
    if not d.sharers:  # every entry was shared without a name
        credit = "Thanks to everyone who shared."
    lines = [("credit", credit)]
    if d.first_time and len(d.first_time) == len(d.sharers):
        lines.append(("welcome", ":wave: Everyone here shared for the first time. Welcome!"))
    elif d.welcome_by_name:
        welcome = ", ".join(name_of(names, u) for u in d.first_time)
        lines.append(("welcome", f":wave: Welcome to first-time sharers: {welcome}!"))
    elif d.first_time:
        lines.append(
            (
                "welcome",
                f":wave: {plural(len(d.first_time), 'person', 'people')} shared for the first time. Welcome!",
            )
        )
    units.append(Unit("context", tuple(lines)))
    units.append(
        Unit(
            "context",
            (
                (
                    "more",
                    "Every entry, by tool and the work it was tried on, is in the thread :thread: "
                    "Tried one yourself? Say so with the menu beside it.",
                ),
            ),
        )
    )
    return units


def thread_units(d: Digest, names: Mapping[str, str]) -> list[Unit]:
    """The thread: every entry by tool, the function table, what changed, caught late, credit."""
    if d.quiet:
        return []
    units: list[Unit] = [_unit(("entries", "*Every entry, by tool*"))] if d.groups else []
    for group in d.groups:
        units.append(
            _unit(
                (
                    f"group:{_tool_key(group.tool)}",
                    group_line(
                        group.tool, len(group.items), group.failures, d.by_mode.get(group.tool)
                    ),
                )
            )
        )
        units.extend(
            Unit("entry", ((f"entry:{e.id}", entry_line(e, d, names)),)) for e in group.items
        )
    if d.shared_late:
        units.append(_unit(("late", "*Shared after the last digest*")))
        units.extend(
            Unit("entry", ((f"entry:{e.id}", entry_line(e, d, names) + late_mark(e)),))
            for e in d.shared_late
        )
    if d.table.cells:
        units.append(
            _unit(
                ("table", "*Worked vs failed, by tool and job function*"),
                ("table-rows", table_text(d.table)),
                ("table-note", table_note(d.table)),
            )
        )
    elif d.table.hidden_entries:
        units.append(
            _unit(
                ("table", "*By job function*: " + table_note(d.table)),
            )
        )
    if d.rising or d.first_tried or d.drift:
        lines = [("changed", "*What changed*")]
        lines.extend((f"rising:{_tool_key(r.tool)}", "• " + rising_line(r)) for r in d.rising)
        lines.extend((f"drift:{_tool_key(x.tool)}", "• " + drift_line(x)) for x in d.drift)
        if d.first_tried:
            lines.append(
                (
                    "first-tried",
                    "• First tried this week: "
                    + ", ".join(safe(tool, 80) for tool in d.first_tried),
                )
            )
        units.extend(_chunked(lines))
    if d.caught:
        how = ", ".join(f"{n} {c.label}" for c, n in d.caught)
        lines = [
            ("caught", "*Caught late or silently*"),
            ("caught-counts", f"How this week's failures were caught, where said: {how}."),
        ]
        for exp in d.caught_late:
            by = f" — {name_of(names, credit_key(exp))}"
            label = exp.caught.label if exp.caught else ""
            lines.append(
                (f"caught:{exp.id}", f"• _{label}_: {entry_gist(exp, 160)}{by}{link(exp)}")
            )
        units.extend(_chunked(lines))
    _top, rest = _credit(d, names)
    for n, chunk in enumerate(_name_chunks(rest), start=1):
        lead = "*Thanks for sharing, continued:* " if n == 1 else ""
        units.append(_unit((f"credit-rest:{n}", lead + ", ".join(chunk) + ".")))
    return units


def _name_chunks(all_names: list[str], limit: int = 2800) -> list[list[str]]:
    """Names in runs that each fit one section: a long credit is split, never cut."""
    chunks: list[list[str]] = []
    size = limit
    for name in all_names:
        if size + len(name) + 2 > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(name)
        size += len(name) + 2
    return chunks


def digest_units(d: Digest, names: Mapping[str, str]) -> list[Unit]:
    """Every block of the digest in reading order: the top post's, then the thread's."""
    return [*top_units(d, names), *thread_units(d, names)]


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


def replicate_menu(experiment_id: str) -> dict[str, Any]:
    """The menu beside an entry in the thread: "I tried it too" (same, or not), take it back, or,
    for admins, pin the entry to lead the top post."""
    return {
        "type": "overflow",
        "action_id": Action.REPLICATE.value,
        "options": [
            option("I tried it too: same for me", f"{REPRODUCED}|{experiment_id}"),
            option("I tried it: could not reproduce", f"{NOT_REPRODUCED}|{experiment_id}"),
            option("Take back my answer", f"{TAKE_BACK}|{experiment_id}"),
            option("Pin to the top post (admins)", f"{PIN}|{experiment_id}"),
        ],
    }


def parse_replicate_value(value: str) -> tuple[str, str] | None:
    """Read the menu's value back as (answer, experiment id); None when it is not one of ours."""
    answer, sep, experiment_id = value.partition("|")
    if not sep or not experiment_id or answer not in (REPRODUCED, NOT_REPRODUCED, TAKE_BACK, PIN):
        return None
    return answer, experiment_id


def _blocks(unit: Unit) -> list[Block]:
    if unit.kind == "header":
        return [header(unit.lines[0][1])]
    text = "\n".join(line for _, line in unit.lines)
    if unit.kind == "context" and len(text) <= SECTION_TEXT_LIMIT:
        return [{"type": "context", "elements": [mrkdwn(text)]}]
    if unit.kind == "entry" and len(text) <= SECTION_TEXT_LIMIT:
        key = unit.lines[0][0]
        block = section(text)
        block["accessory"] = replicate_menu(key.split(":", 1)[1])
        return [block]
    if len(text) <= SECTION_TEXT_LIMIT or len(unit.lines) == 1:
        # One line longer than a section cannot be split by lines (splitting would recurse
        # without end): the kit cuts it visibly at Slack's limit.
        return [section(text)]
    # An edit made a refilled section longer than Slack allows: split it rather than cut it.
    return [b for part in _chunked(list(unit.lines)) for b in _blocks(part)]


def _chars(unit: Unit) -> int:
    """The unit's share of a message's combined block text, menus' option texts included."""
    return sum(len(t) for t in _texts(_blocks(unit)))


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            t
            for key, inner in value.items()
            for t in ([inner] if key == "text" and isinstance(inner, str) else _texts(inner))
        ]
    if isinstance(value, list):
        return [t for inner in value for t in _texts(inner)]
    return []


def _message(blocks: list[Block], summary: str, number: int, total: int) -> DigestMessage:
    if number > 1 and total > 2:
        blocks = [*blocks, context(f"Thread part {number - 1} of {total - 1}")]
    text = summary if number == 1 else f"{summary} (thread part {number - 1} of {total - 1})"
    return DigestMessage(blocks=blocks, text=safe(text, 3000))


def digest_layout(d: Digest, names: Mapping[str, str]) -> list[list[Unit]]:
    """The top post, then the thread's units packed into replies within Slack's limits."""
    pages: list[list[Unit]] = [top_units(d, names)]
    used = MAX_CHARS  # the top post is never filled up with thread content
    for unit in thread_units(d, names):
        size = _chars(unit)
        if len(pages) == 1 or len(pages[-1]) + 1 >= MAX_BLOCKS or used + size > MAX_CHARS:
            pages.append([])
            used = 0
        pages[-1].append(unit)
        used += size
    return pages


def top_message(d: Digest, names: Mapping[str, str]) -> DigestMessage:
    """The top post alone, from current data (to update it after an admin pins an entry)."""
    return _message(
        [b for unit in top_units(d, names) for b in _blocks(unit)], summary_text(d), 1, 1
    )


def digest_messages(d: Digest, names: Mapping[str, str]) -> list[DigestMessage]:
    """The digest as a top post and numbered thread replies, each within Slack's limits."""
    pages = digest_layout(d, names)
    return [
        _message([b for unit in page for b in _blocks(unit)], summary_text(d), number, len(pages))
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
        lines = tuple(
            (key, line)
            for key in keys
            if (line := _line(key, current, d, names, number)) is not None
        )
        listed_entries = any(key.startswith(ITEM_PREFIXES) for key in keys)
        if not lines or (
            listed_entries and not any(key.startswith(ITEM_PREFIXES) for key, _ in lines)
        ):
            continue
        kind = str(kept.get("kind") or "section")
        if len(keys) == 1 and keys[0].startswith(LEGACY_ENTRY_PREFIXES):
            kind = "entry"  # an entry kept by the earlier release gets its menu too
        blocks.extend(_blocks(Unit(kind, lines)))
    if not blocks:
        blocks = [
            section("_The entries of this part were withdrawn after the digest was written._")
        ]
    return _message(blocks, summary_text(d), number, total)


# Keys of the layout kept by the release before the thread listed every entry by tool: a digest
# it laid out and half posted is finished by this one, so each old key is filled from what now
# shows the same thing. Its "Where tools fail" lines became the tool's group line (counts and
# failure modes) and the function table; the function lines are left out.
LEGACY_ENTRY_PREFIXES = ("surprise:", "failure:")
_LEGACY_HEADINGS = {
    "surprises": "*:bulb: Surprises*",
    "failures": "*:warning: Failures, by tool*",
    "where": "*Where tools fail*",
}


def _line(
    key: str, current: Mapping[str, str], d: Digest, names: Mapping[str, str], number: int
) -> str | None:
    """The current text for a kept key, the earlier release's keys included; None: gone."""
    if key in current:
        if key == "credit" and number > 1 and d.sharers:
            # Only the earlier release put the credit in the thread, with no credit continued
            # after it: there it names everyone.
            top, more = _credit(d, names)
            return "Thanks for sharing: " + ", ".join(top + more) + "."
        return current[key]
    prefix, _, ref = key.partition(":")
    if key.startswith(LEGACY_ENTRY_PREFIXES):
        return current.get(f"entry:{ref}")
    if prefix == "where" and ref:
        return current.get(f"group:{ref}")
    if key == "headline":
        return current.get("counts", NONE_OF_ITS_OWN)
    return _LEGACY_HEADINGS.get(key)


def digest_as_json(messages: list[DigestMessage]) -> list[dict[str, Any]]:
    """The messages as Slack would receive them (for previews and the demo's output)."""
    return [{"text": m.text, "blocks": m.blocks} for m in messages]
