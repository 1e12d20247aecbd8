"""The lines of the weekly digest: each one short, escaped, and always with its numbers.

Rules:
- Every piece of user text is escaped (`safe`), so nothing in a digest can ping anyone, and
  cut visibly with "…"; each entry keeps its permalink to the full message.
- Numbers read naturally: "1 experiment from 1 person", "2 experiments from 2 people".
- People are credited by name, never @-mentioned: a digest must not notify anyone; an entry
  shared without a name, by its byline (`core.credit.credit_key` looks it up).
"""

from __future__ import annotations

from collections.abc import Mapping

from blocks.kit import safe
from core.credit import credit_key
from core.digest import (
    CELL_MIN,
    Cell,
    Digest,
    FunctionTable,
    Replication,
    Rising,
    Thing,
    is_failure,
    tool_of,
)
from core.drift import WINDOW_WEEKS, Drift
from core.model import Experiment, FailureMode, Outcome

ITEM_CHARS = 280  # what an entry line shows of its text
WORK_CHARS = 80
TABLE_TOOL_CHARS = 24


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 experiment', '2 experiments', '1 person', '3 people'."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def name_of(names: Mapping[str, str], user_id: str) -> str:
    return safe(names.get(user_id) or "someone", 60)


def link(exp: Experiment) -> str:
    return (
        f" · <{exp.permalink}|view>"
        if exp.permalink and "|" not in exp.permalink and ">" not in exp.permalink
        else ""
    )


def summary_text(d: Digest) -> str:
    """The notification fallback: the week in one sentence."""
    if d.quiet:
        return f"{d.ritual_name} digest for {d.week}: a quiet week"
    t = d.totals
    late = (
        f", and {plural(len(d.shared_late), 'entry', 'entries')} shared late"
        if d.shared_late
        else ""
    )
    if not t.experiments:
        return f"{d.ritual_name} digest for {d.week}: nothing of its own{late}"
    return (
        f"{d.ritual_name} digest for {d.week}: {plural(t.experiments, 'experiment')} "
        f"{_from(t.people, bold=False)}, {plural(t.failures, 'failure')}{late}"
    )


def _from(people: int, *, bold: bool) -> str:
    """'from 3 people', or 'shared without names' when no entry carries one (`core.credit`)."""
    if not people:
        return "shared without names"
    star = "*" if bold else ""
    return f"from {star}{plural(people, 'person', 'people')}{star}"


def counts(d: Digest) -> str:
    """The week's numbers, in two or three short lines."""
    t, p = d.totals, d.previous
    line = (
        f"*{plural(t.experiments, 'experiment')}* {_from(t.people, bold=True)}"
        f"{',' if not t.people else ''} with {plural(t.tools, 'tool')}; "
        f"{plural(t.failures, 'failure')}."
    )
    line += (
        f"\nLast week: {plural(p.experiments, 'experiment')} from "
        f"{plural(p.people, 'person', 'people')}."
        if p.experiments
        else "\nNothing was shared last week."
    )
    if d.participation is not None and d.asked:
        line += (
            f" {d.asked_who_shared:,} of {plural(d.asked, 'person', 'people')} asked "
            f"shared ({d.participation:.0%})."
        )
    return line


def entry_gist(exp: Experiment, limit: int = ITEM_CHARS) -> str:
    """'Copilot · billing migration: invented --dry-run': the tool, the work, what happened."""
    what = exp.failure.strip() or exp.summary.strip()
    work = exp.work.strip()
    text = f"{safe(work, WORK_CHARS)}: {safe(what, limit)}" if work else safe(what, limit)
    model = f" ({safe(exp.model, 60)})" if exp.model else ""
    return f"*{safe(tool_of(exp), 60)}*{model} · {text}"


def late_mark(exp: Experiment) -> str:
    """The mark of an entry carried in late from an earlier week (`Digest.shared_late`)."""
    return f" _(late, from {safe(exp.week, 20)})_"


def late_note(n: int) -> str:
    """The top post's line about entries carried in late."""
    return (
        f"Also {plural(n, 'entry', 'entries')} shared after the last digest: in the thread, "
        f"marked _late_ and counted for {'its' if n == 1 else 'their'} own week."
    )


def _mark(exp: Experiment) -> str:
    if exp.outcome is Outcome.MIXED:
        return ":large_yellow_circle:"
    if is_failure(exp):
        return ":x:"
    if exp.outcome is Outcome.WORKED:
        return ":white_check_mark:"
    return ":small_blue_diamond:"


def votes(replication: Replication | None) -> str:
    """' · tried too: 2 same, 1 not' beside an entry, when anyone answered."""
    if replication is None or not (replication.reproduced or replication.not_reproduced):
        return ""
    return (
        f" · :repeat: tried too: {replication.reproduced} same, "
        f"{replication.not_reproduced} could not reproduce"
    )


def entry_line(exp: Experiment, d: Digest, names: Mapping[str, str]) -> str:
    """One entry in the thread, with how it failed, how it was caught, who, and readers' tries."""
    details = []
    if exp.failure_mode is not None:
        details.append(exp.failure_mode.label)
    if exp.caught is not None and is_failure(exp):
        details.append(exp.caught.label)
    shown = (exp.failure.strip() or exp.summary.strip()).lower()
    if exp.surprise.strip() and exp.surprise.strip().lower() not in shown:
        details.append(f"surprised: {safe(exp.surprise, 160)}")
    extra = f" _({'; '.join(details)})_" if details else ""
    # By name, or for an entry shared without one, its byline ("someone in Legal").
    by = f" — {name_of(names, credit_key(exp))}"
    bulb = " :bulb:" if exp.surprise.strip() else ""
    return (
        f"{_mark(exp)}{bulb} {entry_gist(exp)}{extra}{by}{link(exp)}"
        f"{votes(d.replications.get(exp.id))}"
    )


def rising_line(r: Rising) -> str:
    return (
        f"{safe(r.tool, 80)}: {plural(r.this_week, 'failure')} in {plural(r.entries, 'entry', 'entries')} "
        f"this week, against {_number(r.trailing_average)} a week ({r.before_failures} of "
        f"{r.before_entries}) over its previous {r.history_weeks} weeks of use"
    )


def _number(value: float) -> str:
    """0.25 as "0.25", 2.0 as "2", 1/3 as "0.33"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def drift_line(drift: Drift) -> str:
    """One "since the update" line, always with its numbers."""
    return (
        f"{safe(drift.tool, 80)} since {safe(drift.model, 80)} first appeared ({drift.since}): "
        f"{drift.after.failures} of {drift.after.entries} failed ({drift.after_rate:.0%}); "
        f"in the {WINDOW_WEEKS} weeks before, {drift.before.failures} of {drift.before.entries}"
        f" ({drift.before_rate:.0%})"
    )


def _cell(c: Cell) -> str:
    return f"{c.function.label}: {c.failed} of {c.entries} failed"


def thing_line(thing: Thing, d: Digest, names: Mapping[str, str]) -> str:
    """One of the three things to know, in a line that says why it was chosen."""
    match thing.kind:
        case "pinned" if thing.entry is not None:
            return f":pushpin: {entry_gist(thing.entry, 160)}{link(thing.entry)}"
        case "rising" if thing.rising is not None:
            return f":chart_with_upwards_trend: Failures rose: {rising_line(thing.rising)}"
        case "drift" if thing.drift is not None:
            return f":arrows_counterclockwise: Since the update: {drift_line(thing.drift)}"
        case "mode" if thing.mode is not None:
            tools = ", ".join(f"{safe(t, 40)} ({n})" for t, n in thing.tools[:3])
            return (
                f":busts_in_silhouette: {plural(thing.people, 'person', 'people')} met "
                f"*{thing.mode.label}*: {tools}"
            )
        case "replicated" if thing.entry is not None and thing.replication is not None:
            return (
                f":repeat: Reproduced by {plural(thing.replication.reproduced, 'reader')}: "
                f"{entry_gist(thing.entry, 140)}{link(thing.entry)}"
            )
        case "reacted" if thing.entry is not None:
            return (
                f":raised_hands: {plural(thing.people, 'person', 'people')} reacted to: "
                f"{entry_gist(thing.entry, 140)}{link(thing.entry)}"
            )
        case "caught":
            how = ", ".join(f"{n} {c.label}" for c, n in thing.caught)
            return (
                f":rotating_light: {plural(thing.people, 'failure')} caught late or silently "
                f"({how}): see the thread"
            )
        case "function" if len(thing.cells) == 2:
            high, low = thing.cells
            return (
                f":scales: {safe(high.tool, 60)} fails differently by job function: "
                f"{_cell(high)}; {_cell(low)}"
            )
        case "most" if thing.group is not None:
            return (
                f":warning: Most failures: {safe(thing.group.tool, 60)}, "
                f"{thing.group.failures} of {plural(len(thing.group.items), 'entry', 'entries')}"
            )
    return ""


def group_line(
    tool: str, items: int, failures: int, modes: Mapping[FailureMode, int] | None = None
) -> str:
    """A tool's heading: its entries, its failures, and how it failed when twice or more."""
    failed = f", {failures} failed" if failures else ""
    often = sorted(((n, m) for m, n in (modes or {}).items() if n >= 2), key=lambda x: -x[0])
    how = "; ".join(f"{m.label}: {n}" for n, m in often[:2])
    return f"*{safe(tool, 80)}* · {plural(items, 'entry', 'entries')}{failed}" + (
        f" _({how})_" if how else ""
    )


def table_text(table: FunctionTable) -> str:
    """Tool x job function as a monospaced table (no user text but tool names, which are cut)."""
    rows = [("Tool", "Function", "Worked", "Failed")]
    rows.extend(
        (c.tool[:TABLE_TOOL_CHARS], c.function.label, str(c.worked), str(c.failed))
        for c in table.cells
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}"
        for r in rows
    ]
    # Inside ``` Slack shows text as typed; escaping still keeps `<!here>` in a tool's name inert.
    return "```" + safe("\n".join(lines), 2800).replace("```", "'''") + "```"


def table_note(table: FunctionTable) -> str:
    notes = [f"Only cells with at least {CELL_MIN} entries are shown"]
    if table.hidden_entries:
        notes.append(f"{plural(table.hidden_entries, 'entry', 'entries')} in smaller cells")
    if table.without_function:
        notes.append(
            f"{plural(table.without_function, 'entry', 'entries')} from people with no job "
            "function in their profile"
        )
    return "_" + "; ".join(notes) + "._"
