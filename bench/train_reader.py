"""Train the reader's word model on the dev part only: `.venv/bin/python -m bench.train_reader`.

Writes core/reader_weights.json (see core/reader_model.py). `--cv 5` instead prints what the
whole reader reaches on the dev part by k-fold cross-validation (each fold read with word models
trained on the other folds), so thresholds are chosen without looking at the held-out, unseen
or fresh parts.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from bench.capture_quality import Labelled, load, measure
from core import reader_model, understanding
from core.reader_model import WEIGHTS, Model, train
from core.understanding import own_words

VERSION = 1


def outcome_class(row: Labelled) -> str:
    if row.chatter:
        return "chatter"
    return "failed" if row.failure else "worked"


def fit(rows: Sequence[Labelled]) -> dict[str, Model]:
    texts = [own_words(row.text) for row in rows]
    return {
        "outcome": train(
            [(t, outcome_class(r)) for t, r in zip(texts, rows, strict=True)],
            ("failed", "worked", "chatter"),
        ),
        "mode": train(
            [
                (t, str(r.failure_mode))
                for t, r in zip(texts, rows, strict=True)
                if r.failure and r.failure_mode
            ],
            tuple(sorted({str(r.failure_mode) for r in rows if r.failure and r.failure_mode})),
        ),
        "surprise": train(
            [
                (t, "surprise" if r.surprise else "plain")
                for t, r in zip(texts, rows, strict=True)
                if not r.chatter
            ],
            ("surprise", "plain"),
        ),
    }


def weights_file(rows: Sequence[Labelled]) -> str:
    """The text of core/reader_weights.json for models trained on `rows`."""
    fitted = fit(rows)
    payload = {
        "version": VERSION,
        "trained_on": "tests/data/capture_dev.jsonl",
        "models": {name: model.to_json() for name, model in fitted.items()},
    }
    return json.dumps(payload, separators=(",", ":")) + "\n"


def cross_validate(rows: Sequence[Labelled], folds: int) -> None:
    """The whole reader on each fold of dev, with word models trained on the other folds."""
    totals: dict[str, list[int]] = {}
    shipped = reader_model.models
    try:
        for fold in range(folds):
            fitted = fit([r for i, r in enumerate(rows) if i % folds != fold])
            # The reader looks its models up by this name; each fold reads with its own. (setattr:
            # `models` is an import inside `understanding`, not part of its typed surface.)
            setattr(understanding, "models", lambda fitted=fitted: fitted)  # noqa: B010
            report = measure([r for i, r in enumerate(rows) if i % folds == fold])
            for name, count in report.counts.items():
                if "/" in count:
                    hits, total = (int(n) for n in count.split("/"))
                    totals.setdefault(name, [0, 0])
                    totals[name][0] += hits
                    totals[name][1] += total
    finally:
        setattr(understanding, "models", shipped)  # noqa: B010
    for name, (hits, total) in totals.items():
        print(f"{name}: {hits / total:.2f} ({hits}/{total})" if total else f"{name}: n/a")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cv", type=int, help="cross-validate on dev with this many folds")
    args = parser.parse_args(argv)
    rows = load("dev")
    if args.cv:
        cross_validate(rows, args.cv)
        return 0
    WEIGHTS.write_text(weights_file(rows), encoding="utf-8")
    print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
