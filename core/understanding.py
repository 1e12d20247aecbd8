"""Reading a reply: did it work or fail (and how), did it surprise, or is it only conversation.

Rules (the cues are in core/cues.py; docs/capture-rules.md says the same in words):
- Only the writer's own words are read. Code blocks and inline code, quoted lines (`>`), link
  addresses, mentions and emoji codes are set aside first; a link's label stays.
- The text is split into sentences, and each sentence into clauses where a contrast word starts
  (but, however, though, although, except, whereas). In "X, but Y" the clause after the contrast
  weighs 1.25 and the one before it 0.8: what comes after "but" is what the writer stresses.
- Cues match whole words only. A cue preceded, within its clause, by a negation and at most three
  more words ("no hallucinations", "not usable", "nothing was missing") is flipped: a negated
  failure cue is weak evidence that it worked, a negated success cue is evidence that it failed,
  a negated surprise is nothing.
- Failed or mixed when the failure evidence reaches FAIL_THRESHOLD: mixed when the success
  evidence also reaches WORK_THRESHOLD. Worked when only success evidence is there. Otherwise
  the outcome is left for the person.
- The failure mode is the one with the most cue weight, when it reaches MODE_THRESHOLD and a
  failure was found; topic cues ("JSON", "cost", "security") never report a failure alone.
- A surprise needs SURPRISE_THRESHOLD of surprise evidence; its clause (its sentence when the
  clause is short, with the sentence before when the surprise words end it) becomes the surprise.
- Consequence cues ("It allows 20.", "had to redo it by hand", "the import choked", "looked
  fine until", "legal flagged") read failures told by what happened next; they carry a reason
  in plain words, which `because` hands to the confirmation.
- Where the cues say nothing about outcome or surprise (not even a negated failure cue), the
  word model (core/reader_model.py, trained on the dev part only) reads the reply as a whole:
  failed at MODEL_FAIL, a surprise at MODEL_SURPRISE, and the mode of a failure whose cues name
  none at MODEL_MODE. It never overrides a cue and never decides chatter.
- Chatter is a reply that shares no experiment: nothing but emoji, mentions or quotes; agreement
  ("+1", "same here", "me too") in a dozen words or fewer; thanks, praise or a question with no
  experience of its own; or six words or fewer reporting nothing.
- Linear time: every step is a regular-expression scan whose backtracking is bounded by a
  constant (negation looks at most 40 characters back), so a 40,000-character reply is read in
  milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from core.cues import CUES, Cue, compiled_by_first_char
from core.model import FailureMode, Outcome
from core.reader_model import Model, models

FAIL_THRESHOLD = 0.7
WORK_THRESHOLD = 0.8
MODE_THRESHOLD = 0.9
SURPRISE_THRESHOLD = 0.7
AFTER_CONTRAST = 1.25
# The word model (core/reader_model.py) decides only where the cues are silent or weak, and only
# when it is this sure (chosen by cross-validation on the dev part: bench/train_reader.py --cv).
MODEL_FAIL = 0.9
MODEL_SURPRISE = 0.98
MODEL_MODE = 0.9
BEFORE_CONTRAST = 0.8

_CUES_BY_CHAR, _CUES_ANYWHERE = compiled_by_first_char()
# Where a cue may start: a word character (or $ + ' ^) not preceded by a word character or "-".
_WORD_START = re.compile(r"(?<![\w-])[\w$+'^]")
_NOT_AFTER = {i: re.compile(c.not_after) for i, c in enumerate(CUES) if c.not_after}

_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK_LABEL = re.compile(r"<(?:https?://|mailto:)[^<>|]*\|([^<>]*)>")
_ANGLE = re.compile(r"<[^<>]*>")  # bare links, <@U…> mentions, <#C…> channels, <!here>
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:")
# `[ \t]*`, not `\s*`: `\s` would run across newlines and make the scan quadratic.
_QUOTE_LINE = re.compile(r"^[ \t]*(?:&gt;|>).*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|;\s*")
_CONTRAST = re.compile(r"\b(?:but|however|though|although|except|whereas)\b", re.IGNORECASE)
_LEADING_CONTRAST = re.compile(
    r"^(?:but|however|though|although|except|whereas)\b[\s,]*", re.IGNORECASE
)
_NEGATED = re.compile(
    r"(?:^|[^\w'])(?:not|no|never|without|zero|nothing|none|nor|hardly|barely|neither"
    r"|(?:did|does|do|was|is|were|are|has|have|had|could|would|should)n'?t|won'?t|can'?t|cannot)"
    r"(?:\s+[\w'-]+){0,3}\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_AGREEMENT = re.compile(
    r"^\W*(?:\+\s?\d+|same\b|me too\b|agreed?\b|ditto\b|exactly\b|\^+|haha\w*|lol\b|ha\b|hah\b|heh\b"
    r"|so relatable\b|relatable\b"
    r"|this(?=\W*$))",
    re.IGNORECASE,
)
_SOCIAL = re.compile(
    r"^\W*(?:thanks?\b|thank you\b|thx\b|ty\b|nice\b|great (?:share|question|point|thread|idea|one|post|stuff)\b"
    r"|love (?:this|it|that)\b|following\b|bookmark\w*|o+h+\b|interesting\b|good (?:point|question|one|call|idea)\b"
    r"|classic\b|cool\b|congrats\b|well done\b|yes\b|yep\b|kudos\b|this is (?:gold|great|useful|helpful|brilliant)\b"
    r"|good to know\b|noted\b|would love\b|keen to\b|fyi\b|reminder\b|sorry\b|merci\b|danke\b|gracias\b|obrigad[oa]\b"
    r"|(?:great|brilliant|fantastic|awesome|amazing|lovely|super|useful|helpful|nice) (?:share|thread|question|point|post|stuff|idea|write-?up|tip|example)s?\b)",
    re.IGNORECASE,
)
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|cheers)\b", re.IGNORECASE)
_LATER = re.compile(
    r"\b(?:(?:will|i'll|we'll|going to|gonna) (?:post|share|try|add|write|report|follow up)"
    r"|nothing to (?:report|share|add)|nothing (?:this week|from me|yet)|still (?:testing|trying)"
    r"|on (?:holiday|leave|vacation|pto)|out of (?:the )?office|catching up"
    r"|back (?:on )?(?:monday|tuesday|wednesday|thursday|friday|tomorrow|next week))\b",
    re.IGNORECASE,
)
_PAST_VERB = re.compile(
    r"\b(?!(?:indeed|interested|excited|related|based|supposed|agreed|tired|noted)\b)"
    r"(?:[a-z]{3,}ed|used|tried|made|wrote|written|ran|built|gave|got|took|found|did|fed|put"
    r"|spent|asked|sent|saw|went|came|brought|caught|kept|left|lost|forgot|broke|told)\b",
    re.IGNORECASE,
)
_STARTS_WITH_MENTION = re.compile(r"^\s*<[@!#]")


@dataclass(frozen=True)
class Hit:
    cue: Cue
    quoted: str
    clause: int  # index into Reading.clauses
    offset: int  # where the cue starts in its clause
    weight: float  # the clause's weight
    negated: bool


@dataclass(frozen=True)
class Clause:
    text: str
    sentence: int
    weight: float


@dataclass(frozen=True)
class Reading:
    """What a reply says, with the words that say it."""

    outcome: Outcome | None = None
    failure_mode: FailureMode | None = None
    surprise: str = ""  # the words that carry the surprise, "" when none
    failure: str = ""  # the words that carry the failure, "" when none
    chatter: bool = False
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)  # quoted cue words
    # Why, in plain words, where the quoted words alone do not say it: {"fail": "the work had
    # to be redone"} for a consequence cue, or what the word model read.
    because: dict[str, str] = field(default_factory=dict)


def own_words(text: str) -> str:
    """The writer's own words: no code, quotes, link addresses, mentions or emoji codes."""
    text = _CODE_BLOCK.sub(" . ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _QUOTE_LINE.sub("", text)
    text = _LINK_LABEL.sub(r"\1", text)
    text = _ANGLE.sub(" ", text)
    text = _EMOJI_CODE.sub(" ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _clauses(sentences: list[str]) -> list[Clause]:
    clauses: list[Clause] = []
    for number, sentence in enumerate(sentences):
        cuts = [m.start() for m in _CONTRAST.finditer(sentence)]
        bounds = [0, *cuts, len(sentence)]
        parts = [sentence[a:b].strip(" ,") for a, b in pairwise(bounds) if b > a]
        parts = [p for p in parts if p]
        for index, part in enumerate(parts):
            weight = 1.0
            if index > 0:
                weight = AFTER_CONTRAST
            elif len(parts) > 1:
                weight = BEFORE_CONTRAST
            clauses.append(Clause(" ".join(part.split()), number, weight))
    return clauses


def _cue_matches(text: str) -> Iterator[re.Match[str]]:
    """Every cue match in the text, leftmost first, never overlapping; linear in the text."""
    resume = 0
    for start in _WORD_START.finditer(text):
        at = start.start()
        if at < resume:
            continue
        pattern = _CUES_BY_CHAR.get(text[at].lower(), _CUES_ANYWHERE)
        match = pattern.match(text, at) if pattern is not None else None
        if match is not None and match.end() > at:
            resume = match.end()
            yield match


def _hits(clauses: list[Clause]) -> list[Hit]:
    hits: list[Hit] = []
    for index, clause in enumerate(clauses):
        previous_end = 0
        for match in _cue_matches(clause.text):
            number = int(str(match.lastgroup)[1:])
            cue = CUES[number]
            start = max(0, match.start() - 40)
            before = clause.text[start : match.start()].lower()
            rule = _NOT_AFTER.get(number)
            if rule is not None and rule.search(before):
                continue
            # A negation governs the first cue after it: "no issues, did exactly what I asked".
            negated = bool(_NEGATED.search(before[max(0, previous_end - start) :]))
            previous_end = match.end()
            hits.append(Hit(cue, match.group(0), index, match.start(), clause.weight, negated))
    return hits


def _experienced(hits: list[Hit], clauses: list[Clause], text: str) -> bool:
    """Whether the reply reports an experience of its own (not only praise or a question)."""
    statements = {c.sentence for c in clauses if not c.text.rstrip().endswith("?")}
    for hit in hits:
        if clauses[hit.clause].sentence in statements and (
            hit.cue.fail >= FAIL_THRESHOLD or hit.cue.surprise > 0
        ):
            return True
    return any(_PAST_VERB.search(c.text) for c in clauses if c.sentence in statements)


def _is_chatter(raw: str, words: list[str], hits: list[Hit], clauses: list[Clause]) -> bool:
    own = " ".join(c.text for c in clauses)
    if not words:
        return True
    if _AGREEMENT.match(own) and len(words) <= 12:
        return True
    if _experienced(hits, clauses, own):
        return False
    worked = any(hit.cue.work and not hit.negated for hit in hits)
    return bool(
        _SOCIAL.match(own)
        or own.rstrip().endswith("?")
        or (len(words) <= 6 and not worked)
        or (_THANKS.search(own) and len(words) <= 12)
        or (_LATER.search(own) and len(words) <= 12 and not worked)
        or _STARTS_WITH_MENTION.match(raw)
    )


def _piece(clauses: list[Clause], sentences: list[str], hit: Hit) -> str:
    """The words around a cue: its clause, or its sentence when the clause is short."""
    clause = clauses[hit.clause]
    piece = _LEADING_CONTRAST.sub("", clause.text)  # "but it made up a clause number"
    if len(piece.split()) < 5:
        piece = " ".join(sentences[clause.sentence].split())
    return piece


def _surprise_text(clauses: list[Clause], sentences: list[str], hit: Hit) -> str:
    piece = _piece(clauses, sentences, hit)
    number = clauses[hit.clause].sentence
    after = clauses[hit.clause].text[hit.offset + len(hit.quoted) :]
    if len(after.split()) < 3 and number > 0:
        # "Genuinely did not see that coming." says nothing without the sentence before it.
        piece = " ".join(sentences[number - 1].split()) + " " + piece
    return piece


def _model_surprise(model: Model, sentences: list[str]) -> str:
    """The sentence that reads most like a surprise, "" when none is sure enough."""
    best = max(sentences, key=lambda s: model.probabilities(s)["surprise"], default="")
    return " ".join(best.split()) if best else ""


def read_reply(text: str, *, word_model: dict[str, Model] | None = None) -> Reading:
    """Read a reply or an entry: outcome, failure mode, surprise, failure, and chatter.

    `word_model` replaces the shipped word model (cross-validation trains its own).
    """
    own = own_words(text)
    sentences = _sentences(own)
    clauses = _clauses(sentences)
    hits = _hits(clauses)
    words = _WORD.findall(own)
    if _is_chatter(text, words, hits, clauses):
        return Reading(chatter=True)
    fail = work = surprise = 0.0
    modes: dict[FailureMode, float] = {}
    evidence: dict[str, list[str]] = {}
    strongest: tuple[float, Hit] | None = None
    first_surprise: Hit | None = None
    for hit in hits:
        cue, weight = hit.cue, hit.weight
        if hit.negated:
            if cue.fail >= FAIL_THRESHOLD:
                work += 0.5 * weight
                evidence.setdefault("work", []).append(hit.quoted)
            elif cue.work:
                fail += 0.8 * cue.work * weight
                evidence.setdefault("fail", []).append(hit.quoted)
            continue
        if cue.fail:
            fail += cue.fail * weight
            if cue.fail >= FAIL_THRESHOLD:
                evidence.setdefault("fail", []).append(hit.quoted)
                if strongest is None or cue.fail * weight > strongest[0]:
                    strongest = (cue.fail * weight, hit)
        if cue.work:
            work += cue.work * weight
            evidence.setdefault("work", []).append(hit.quoted)
        if cue.surprise:
            surprise += cue.surprise * weight
            evidence.setdefault("surprise", []).append(hit.quoted)
            first_surprise = first_surprise or hit
        if cue.mode is not None:
            modes[cue.mode] = modes.get(cue.mode, 0.0) + cue.mode_weight * weight
            evidence.setdefault(cue.mode.value, []).append(hit.quoted)
    learned = models() if word_model is None else word_model
    because: dict[str, str] = {}
    if strongest is not None and strongest[1].cue.reason:
        because["fail"] = strongest[1].cue.reason
    failed = fail >= FAIL_THRESHOLD
    if not failed and work == 0 and surprise == 0:
        # No failure, success or surprise words (nor a negated failure word, "no mistakes"):
        # the word model reads the reply as a whole.
        outcome_model = learned["outcome"]
        if outcome_model.probabilities(own)["failed"] >= MODEL_FAIL:
            failed = True
            said = '", "'.join(outcome_model.top_features(own, "failed"))
            because["fail"] = f'it reads like reported failures ("{said}")'
    outcome: Outcome | None = None
    mode: FailureMode | None = None
    failure = ""
    if failed:
        outcome = Outcome.MIXED if work >= WORK_THRESHOLD else Outcome.FAILED
        best = max(modes.items(), key=lambda item: item[1], default=None)
        if best is not None and best[1] >= MODE_THRESHOLD:
            mode = best[0]
        else:
            mode_model = learned["mode"]
            chances = mode_model.probabilities(own)
            likeliest = max(chances, key=lambda name: chances[name])
            if chances[likeliest] >= MODEL_MODE and likeliest != FailureMode.OTHER.value:
                mode = FailureMode(likeliest)
                said = '", "'.join(mode_model.top_features(own, likeliest))
                because[likeliest] = f'it reads like reported failures of this kind ("{said}")'
        if strongest is not None:
            failure = _piece(clauses, sentences, strongest[1])
        else:
            failure = " ".join(own.split())
    elif work >= 0.5:
        outcome = Outcome.WORKED
    surprise_text = ""
    if surprise >= SURPRISE_THRESHOLD and first_surprise is not None:
        surprise_text = _surprise_text(clauses, sentences, first_surprise)
        if first_surprise.cue.reason:
            because["surprise"] = first_surprise.cue.reason
    elif learned["surprise"].probabilities(own)["surprise"] >= MODEL_SURPRISE:
        surprise_text = _model_surprise(learned["surprise"], sentences)
        said = '", "'.join(learned["surprise"].top_features(own, "surprise"))
        because["surprise"] = f'it reads like reported surprises ("{said}")'
    return Reading(
        outcome=outcome,
        failure_mode=mode,
        surprise=surprise_text,
        failure=failure,
        evidence={k: tuple(v) for k, v in evidence.items()},
        because=because,
    )
