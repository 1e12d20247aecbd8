"""Capture quality, run by hand: `.venv/bin/python -m bench.capture_quality [--misses dev]`.

Reads the labelled replies in tests/data/ (see tests/data/README.md), reads each one the way a
reply in a prompt's thread is read (`parse_reply` with the default tool catalogue), and prints
the metrics below for each part separately: dev (the rules are tuned on it; `--misses dev` lists
what it gets wrong), held-out (written and committed before the rules, never tuned on),
unseen (written after the rules, committed before it was first measured, never tuned on) and
fresh (written in other voices and domains before the reader learned from examples, never tuned
on).

What a reply is recorded as, exactly as the bot and the digest see it:
- chatter: `Parsed.chatter` is true (a thread reply like that is not stored at all);
- a failure: not chatter, and the digest's `is_failure` holds for the draft (outcome failed or
  mixed, a failure mode, or failure text);
- a surprise: not chatter, and the draft has surprise text;
- its failure mode: the draft's mode, when recorded as a failure.

A reply is labelled a failure when its outcome is `failed` or `mixed`.

Metrics (each a fraction of the replies named after "of"):
- failure recall: recorded as a failure, of the replies labelled a failure;
- false failure alarms: recorded as a failure, of the non-chatter replies labelled not a failure
  (successes and surprises);
- surprise recall: recorded with a surprise, of the replies labelled a surprise;
- false surprises: recorded with a surprise, of the non-chatter replies labelled no surprise;
- chatter rejected: marked chatter, of the replies labelled chatter;
- experiments lost as chatter: marked chatter, of the replies labelled not chatter;
- precision of mode M: labelled M, of the replies recorded as a failure with mode M (n/a when
  the rules never chose M); recall of mode M: recorded with mode M, of the replies labelled M;
- outcome agreement: the inferred outcome equals the label, of the non-chatter replies.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.capture import parse_reply
from core.digest import is_failure
from core.model import Experiment, FailureMode, Source
from core.tools import DEFAULT_CATALOGUE

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SPLITS = ("dev", "heldout", "unseen", "fresh")
SPECIFIC_MODES = tuple(m for m in FailureMode if m is not FailureMode.OTHER)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

# The targets on the held-out part.
TARGETS = {
    "failure recall": (">=", 0.90),
    "false failure alarms": ("<=", 0.05),
    "surprise recall": (">=", 0.85),
    "chatter rejected": (">=", 0.90),
    "mode precision (lowest)": (">=", 0.80),
}


@dataclass(frozen=True)
class Labelled:
    text: str
    outcome: str | None
    failure_mode: str | None
    surprise: bool
    chatter: bool
    split: str

    @property
    def failure(self) -> bool:
        return self.outcome in ("failed", "mixed")


@dataclass(frozen=True)
class Reading:
    chatter: bool
    failure: bool
    surprise: bool
    mode: str | None
    outcome: str | None


@dataclass
class Report:
    size: int = 0
    metrics: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, str] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


def load(split: str) -> list[Labelled]:
    """Read one part of the corpus."""
    path = DATA / f"capture_{split}.jsonl"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            rows.append(Labelled(**raw))
    return rows


def read(text: str) -> Reading:
    """Read a reply the way the bot reads one in a prompt's thread."""
    parsed = parse_reply(text, DEFAULT_CATALOGUE)
    chatter = bool(getattr(parsed, "chatter", False))
    draft = parsed.draft
    exp = Experiment(
        id="x",
        team_id="T",
        user_id="U",
        source=Source.THREAD,
        summary=draft.summary,
        created_at=_EPOCH,
        updated_at=_EPOCH,
        week="2026-W01",
        surprise=draft.surprise,
        failure=draft.failure,
        outcome=draft.outcome,
        failure_mode=draft.failure_mode,
    )
    failure = not chatter and is_failure(exp)
    return Reading(
        chatter=chatter,
        failure=failure,
        surprise=not chatter and bool(draft.surprise.strip()),
        mode=draft.failure_mode.value if failure and draft.failure_mode else None,
        outcome=None if chatter or draft.outcome is None else draft.outcome.value,
    )


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def measure(rows: Sequence[Labelled]) -> Report:
    """Compute every metric for one part of the corpus."""
    report = Report(size=len(rows))
    pairs = [(row, read(row.text)) for row in rows]

    def count(name: str, hits: int, total: int) -> None:
        report.metrics[name] = _ratio(hits, total)
        report.counts[name] = f"{hits}/{total}"

    failures = [(r, p) for r, p in pairs if r.failure]
    count("failure recall", sum(p.failure for _, p in failures), len(failures))
    calm = [(r, p) for r, p in pairs if not r.failure and not r.chatter]
    count("false failure alarms", sum(p.failure for _, p in calm), len(calm))
    surprises = [(r, p) for r, p in pairs if r.surprise]
    count("surprise recall", sum(p.surprise for _, p in surprises), len(surprises))
    plain = [(r, p) for r, p in pairs if not r.surprise and not r.chatter]
    count("false surprises", sum(p.surprise for _, p in plain), len(plain))
    chatter = [(r, p) for r, p in pairs if r.chatter]
    count("chatter rejected", sum(p.chatter for _, p in chatter), len(chatter))
    real = [(r, p) for r, p in pairs if not r.chatter]
    count("experiments lost as chatter", sum(p.chatter for _, p in real), len(real))
    count("outcome agreement", sum(p.outcome == r.outcome for r, p in real), len(real))
    precisions: list[float] = []
    for mode in SPECIFIC_MODES:
        chosen = [(r, p) for r, p in pairs if p.mode == mode.value]
        count(
            f"precision {mode.value}", sum(r.failure_mode == mode for r, _ in chosen), len(chosen)
        )
        labelled = [(r, p) for r, p in pairs if r.failure_mode == mode.value]
        count(f"recall {mode.value}", sum(p.mode == mode for _, p in labelled), len(labelled))
        value = report.metrics[f"precision {mode.value}"]
        if value is not None:
            precisions.append(value)
    report.metrics["mode precision (lowest)"] = min(precisions) if precisions else None
    report.counts["mode precision (lowest)"] = f"{len(precisions)} modes chosen"
    for row, got in pairs:
        wrong = []
        if row.chatter != got.chatter:
            wrong.append(f"chatter {got.chatter}")
        if not row.chatter and row.failure != got.failure:
            wrong.append(f"failure {got.failure}")
        if row.surprise != got.surprise:
            wrong.append(f"surprise {got.surprise}")
        if got.mode and got.mode != row.failure_mode:
            wrong.append(f"mode {got.mode} (label {row.failure_mode})")
        if wrong:
            report.misses.append(f"{'; '.join(wrong)}: {row.text[:110]!r}")
    return report


def _cell(report: Report, name: str) -> str:
    value = report.metrics.get(name)
    shown = "n/a" if value is None else f"{value:.2f}"
    return f"{shown} ({report.counts.get(name, '')})"


def render(reports: dict[str, Report]) -> str:
    """The metrics for each part, side by side, with the held-out targets."""
    names = list(next(iter(reports.values())).metrics)
    header = ["metric", *(f"{s} ({reports[s].size})" for s in reports), "held-out target"]
    lines = [header]
    for name in names:
        target = TARGETS.get(name)
        lines.append(
            [
                name,
                *(_cell(reports[s], name) for s in reports),
                f"{target[0]} {target[1]:.2f}" if target else "",
            ]
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in lines
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--misses", choices=SPLITS, help="list the replies this part gets wrong")
    args = parser.parse_args(argv)
    reports = {split: measure(load(split)) for split in SPLITS}
    print(render(reports))
    if args.misses:
        print(f"\nMisses in {args.misses}:")
        for miss in reports[args.misses].misses:
            print(" ", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
