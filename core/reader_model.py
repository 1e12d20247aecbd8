"""A small word model learned from labelled replies: does a reply read like a failure, a success,
or conversation, and does it read like a surprise.

Rules:
- Pure and deterministic: the weights are data (core/reader_weights.json, written by
  `python -m bench.train_reader` from the dev part of tests/data only) loaded once, and a reply
  is scored by adding the weights of the features it contains; no clock, no randomness.
- Features are stemmed word unigrams and adjacent-word bigrams of the writer's own words
  (numbers become "#", "n't" becomes "not"); each counts once per reply. Features the model never
  saw weigh nothing.
- Binarised multinomial naive Bayes with add-one smoothing: a class's score is its log prior
  plus the log probabilities of the reply's known features; probabilities are the softmax.
- Explainable: `top_features` names the known features that weigh most towards a class, for
  the confirmation's reasons.
- Linear in the text: one regular-expression scan for words, a dictionary look-up per feature;
  a reply's features are capped at MAX_WORDS words, far beyond any real reply.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

WEIGHTS = Path(__file__).resolve().parent / "reader_weights.json"
MAX_WORDS = 2_000
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d[\d,.]*")
_SUFFIXES = ("ingly", "edly", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    """A crude, fixed suffix stripper: "checked", "checking", "checks" are all "check"."""
    if word[0].isdigit():
        return "#"
    if word.endswith("n't"):
        return "not"
    word = word.split("'")[0]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# Words too common to say anything alone; they still count inside bigrams ("by hand").
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "at",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "my",
        "our",
        "your",
        "their",
        "me",
        "us",
        "them",
        "so",
        "but",
        "if",
        "then",
        "than",
        "which",
        "who",
        "what",
        "when",
        "there",
        "here",
        "have",
        "has",
        "had",
        "do",
        "did",
        "just",
        "also",
        "all",
        "any",
        "some",
        "one",
    ]
)


def features(text: str) -> set[str]:
    """The reply's stemmed unigrams (no stopwords) and bigrams, each once."""
    words = [stem(m.group(0)) for m in _TOKEN.finditer(text.lower(), 0)][:MAX_WORDS]
    found = {w for w in words if w not in STOPWORDS}
    found.update(f"{a} {b}" for a, b in pairwise(words))
    return found


@dataclass(frozen=True)
class Model:
    """Log priors and per-feature log probabilities for each class."""

    classes: tuple[str, ...]
    prior: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    missing: tuple[float, ...]  # the log probability of a feature a class never had

    def scores(self, found: set[str]) -> dict[str, float]:
        """Each class's log score: prior plus the known features' log probabilities."""
        totals = list(self.prior)
        for feature in found:
            row = self.weights.get(feature)
            if row is not None:
                for index, value in enumerate(row):
                    totals[index] += value
        return dict(zip(self.classes, totals, strict=True))

    def probabilities(self, text: str) -> dict[str, float]:
        """The softmax of the class scores."""
        scores = self.scores(features(text))
        top = max(scores.values())
        exps = {name: math.exp(score - top) for name, score in scores.items()}
        total = sum(exps.values())
        return {name: value / total for name, value in exps.items()}

    def top_features(self, text: str, name: str, count: int = 2) -> tuple[str, ...]:
        """The reply's features that weigh most towards class `name` over the others."""
        index = self.classes.index(name)
        ranked: list[tuple[float, str]] = []
        for feature in features(text):
            row = self.weights.get(feature)
            if row is None:
                continue
            others = max(v for i, v in enumerate(row) if i != index)
            ranked.append((row[index] - others, feature))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return tuple(feature for lift, feature in ranked[:count] if lift > 0)

    def to_json(self) -> dict[str, object]:
        return {
            "classes": list(self.classes),
            "prior": [round(p, 4) for p in self.prior],
            "missing": [round(p, 4) for p in self.missing],
            "weights": {f: [round(v, 4) for v in row] for f, row in sorted(self.weights.items())},
        }


def train(examples: list[tuple[str, str]], classes: tuple[str, ...], min_count: int = 2) -> Model:
    """Binarised multinomial naive Bayes with add-one smoothing over (text, class) examples."""
    docs = {name: 0 for name in classes}
    counts: dict[str, dict[str, int]] = {name: {} for name in classes}
    seen: dict[str, int] = {}
    for text, name in examples:
        docs[name] += 1
        for feature in features(text):
            counts[name][feature] = counts[name].get(feature, 0) + 1
            seen[feature] = seen.get(feature, 0) + 1
    vocabulary = sorted(f for f, n in seen.items() if n >= min_count)
    size = len(vocabulary)
    totals = {name: sum(counts[name].get(f, 0) for f in vocabulary) for name in classes}
    # Equal priors: how often each class occurs in the labelled corpus says nothing about a
    # given reply, and a failure-heavy corpus must not tilt every unclear reply to failed.
    prior = tuple(math.log(1 / len(classes)) for _ in classes)
    missing = tuple(math.log(1 / (totals[name] + size)) for name in classes)
    weights = {
        feature: tuple(
            math.log((counts[name].get(feature, 0) + 1) / (totals[name] + size)) for name in classes
        )
        for feature in vocabulary
    }
    return Model(classes, prior, weights, missing)


def _from_json(raw: dict[str, object]) -> Model:
    classes = tuple(str(c) for c in raw["classes"])  # type: ignore[attr-defined]
    return Model(
        classes=classes,
        prior=tuple(float(v) for v in raw["prior"]),  # type: ignore[attr-defined]
        missing=tuple(float(v) for v in raw["missing"]),  # type: ignore[attr-defined]
        weights={
            str(f): tuple(float(v) for v in row)
            for f, row in raw["weights"].items()  # type: ignore[attr-defined]
        },
    )


@cache
def models() -> dict[str, Model]:
    """The shipped models by name ("outcome", "surprise"), loaded once."""
    raw = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return {name: _from_json(model) for name, model in raw["models"].items()}
