"""Train the reader's word model on the dev part only: `.venv/bin/python -m bench.train_reader`.

Writes core/reader_weights.json (see core/reader_model.py). `--cv 5` instead prints what the
model and the whole reader reach on the dev part by k-fold cross-validation, so thresholds are
chosen without looking at the held-out, unseen or fresh parts.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from bench.capture_quality import Labelled, load
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
    """Held-out-fold probabilities for every dev reply, summarised at a few thresholds."""
    predictions: list[tuple[Labelled, dict[str, float], dict[str, float]]] = []
    for fold in range(folds):
        train_rows = [r for i, r in enumerate(rows) if i % folds != fold]
        test_rows = [r for i, r in enumerate(rows) if i % folds == fold]
        fitted = fit(train_rows)
        for row in test_rows:
            text = own_words(row.text)
            predictions.append(
                (
                    row,
                    fitted["outcome"].probabilities(text),
                    fitted["surprise"].probabilities(text),
                )
            )
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98):
        fails = [p for r, p, _ in predictions if r.failure]
        calm = [p for r, p, _ in predictions if not r.failure and not r.chatter]
        chat = [p for r, p, _ in predictions if r.chatter]
        real = [p for r, p, _ in predictions if not r.chatter]
        surprises = [s for r, _, s in predictions if r.surprise]
        plain = [s for r, _, s in predictions if not r.surprise and not r.chatter]
        print(
            f"p>={threshold:.2f}: failure recall {sum(p['failed'] >= threshold for p in fails) / len(fails):.2f}"
            f", false alarms {sum(p['failed'] >= threshold for p in calm) / len(calm):.2f}"
            f", chatter {sum(p['chatter'] >= threshold for p in chat) / len(chat):.2f}"
            f", lost {sum(p['chatter'] >= threshold for p in real) / len(real):.2f}"
            f", surprise {sum(s['surprise'] >= threshold for s in surprises) / len(surprises):.2f}"
            f", false surprise {sum(s['surprise'] >= threshold for s in plain) / len(plain):.2f}"
        )


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
