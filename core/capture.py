"""Understanding what people type: `/tried` subcommands, quick entries, and thread replies.

Rules (the table is in docs/capture-rules.md, generated from `MARKER_RULES`):
- `/tried` alone opens the form. A first word that is a subcommand (`help`, `?`, `list`, `undo`,
  `profile`, `setup`, `forget-me`, `private`) selects it; `private` takes the entry after it.
  Subcommands other than `private` take nothing: `/tried list of flags it invented` is an entry.
- A single word that is neither a subcommand nor a known tool is a mistyped subcommand
  (`/tried lsit`), answered with help; a single known tool (`/tried Cursor`) is an entry.
- `Tool: text` names the tool when the part before the first colon is short (at most 40
  characters and 4 words, no link or `<`). Otherwise a known tool mentioned in the text is
  inferred.
- Light markers prefill outcome, failure mode and surprise, transparently: every rule that fired
  is reported as a reason, and nothing is hidden. A marker preceded within three words by a
  negation (no, not, never, without, didn't, …) does not fire.
- Entries longer than MAX_FIELD_CHARS are refused with their length, never silently cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.model import MAX_FIELD_CHARS, Draft, FailureMode, Outcome
from core.tools import ToolCatalogue

# ---- subcommands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Open:
    """Bare `/tried`: open the form."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class List:
    pass


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Profile:
    pass


@dataclass(frozen=True)
class Setup:
    pass


@dataclass(frozen=True)
class ForgetMe:
    pass


@dataclass(frozen=True)
class Private:
    text: str


@dataclass(frozen=True)
class Entry:
    text: str


@dataclass(frozen=True)
class Unknown:
    word: str


@dataclass(frozen=True)
class Missing:
    subcommand: str
    what: str


Command = (
    Open | Help | List | Undo | Profile | Setup | ForgetMe | Private | Entry | Unknown | Missing
)

_NO_ARGUMENT: dict[str, Command] = {
    "help": Help(),
    "?": Help(),
    "list": List(),
    "undo": Undo(),
    "profile": Profile(),
    "setup": Setup(),
    "forget-me": ForgetMe(),
    "forgetme": ForgetMe(),
}


def parse_command(text: str, catalogue: ToolCatalogue | None = None) -> Command:
    """Decide what `/tried <text>` asks for."""
    text = text.strip()
    if not text:
        return Open()
    first, _, rest = text.partition(" ")
    word = first.lower()
    rest = rest.strip()
    if word == "private":
        return Private(rest) if rest else Missing("private", "the experiment to keep private")
    if word in _NO_ARGUMENT and not rest:
        return _NO_ARGUMENT[word]
    if not rest and ":" not in first and re.fullmatch(r"[a-z?-]+", word):
        if catalogue is not None and catalogue.known(first):
            return Entry(text)
        return Unknown(first)
    return Entry(text)


# ---- length ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LengthProblem:
    length: int
    limit: int


def check_length(text: str, limit: int = MAX_FIELD_CHARS) -> LengthProblem | None:
    """Return the problem when the text is longer than the limit."""
    return LengthProblem(len(text), limit) if len(text) > limit else None


# ---- markers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerRule:
    pattern: str  # a regular expression, matched case-insensitively on word boundaries
    field: str  # "outcome", "failure_mode" or "surprise"
    value: str  # the Outcome or FailureMode value, or "yes" for a surprise
    description: str


MARKER_RULES: tuple[MarkerRule, ...] = (
    MarkerRule(
        r"hallucinat\w*|invent(?:ed|s)?|made (?:it|things?|up)\s*up|made up|fabricat\w*|confidently wrong|(?:was|is|got it) wrong",
        "failure_mode",
        FailureMode.CONFIDENT_WRONG,
        "a made-up or confidently wrong answer",
    ),
    MarkerRule(
        r"long context|context window|forgot (?:what|the|earlier)\w*|lost track|as the (?:conversation|chat|thread) grew|got worse over time",
        "failure_mode",
        FailureMode.CONTEXT_DECAY,
        "quality dropped as the context grew",
    ),
    MarkerRule(
        r"broke the (?:parser|build|pipeline|import)|wrong (?:format|shape|schema)|invalid json|malformed|couldn't parse|didn't match the schema",
        "failure_mode",
        FailureMode.BROKEN_SHAPE,
        "right content in a shape that broke the next step",
    ),
    MarkerRule(
        r"only did half|truncated|silently (?:skipped|dropped|ignored|missed)|skipped (?:some|part|the rest|the last)"
        r"|dropped (?:some|the last|rows|items)|incomplete|partial(?:ly)?|left out|stopped halfway",
        "failure_mode",
        FailureMode.SILENTLY_PARTIAL,
        "silently did only part of the job",
    ),
    MarkerRule(
        r"refused|wouldn't|won't|too cautious|over-?cautious|declined",
        "failure_mode",
        FailureMode.REFUSED,
        "refused or was over-cautious",
    ),
    MarkerRule(
        r"too slow|slow|expensive|cost(?:ly| too much)|timed out|time-?out",
        "failure_mode",
        FailureMode.SLOW_OR_COSTLY,
        "too slow or too costly",
    ),
    MarkerRule(
        r"leak\w*|confidential|pii|security|secret|customer data",
        "failure_mode",
        FailureMode.DATA_CONCERN,
        "a data or security concern",
    ),
    MarkerRule(
        r"fail(?:ed|s|ure)?|didn't work|did not work|broke|useless|wrong|hallucinat\w*|invent(?:ed|s)?|made up",
        "outcome",
        Outcome.FAILED,
        "something failed",
    ),
    MarkerRule(
        r"worked|nailed it|saved me|great result|spot on|it helped|helped a lot",
        "outcome",
        Outcome.WORKED,
        "something worked",
    ),
    MarkerRule(
        r"surpris\w*|unexpected(?:ly)?|didn't expect|did not expect|turns out|to my surprise",
        "surprise",
        "yes",
        "something surprised you",
    ),
)

_NEGATION = re.compile(
    r"\b(?:no|not|never|without|didn't|don't|doesn't|wasn't|isn't|zero|nothing)\b(?:\W+\w+){0,3}\W*$",
    re.IGNORECASE,
)
# Sentences, and the two halves of "it did X, but it did Y", are told apart.
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|,\s+but\s+")


@dataclass(frozen=True)
class Parsed:
    draft: Draft
    reasons: tuple[str, ...]  # one line per inference, for the confirmation to show


def _fires(rule: MarkerRule, text: str) -> re.Match[str] | None:
    for match in re.finditer(r"\b(?:" + rule.pattern + r")", text, re.IGNORECASE):
        if not _NEGATION.search(text[: match.start()]):
            return match
    return None


def _sentence_at(text: str, position: int) -> str:
    start = 0
    for part in _SENTENCE.split(text):
        index = text.find(part, start)
        if index <= position < index + len(part) + 1:
            return part.strip()
        start = index + len(part)
    return text.strip()


def infer(text: str, draft: Draft) -> Parsed:
    """Fill outcome, failure mode, surprise and failure from markers, where not already set."""
    reasons: list[str] = []
    inferred = list(draft.inferred)
    mode = draft.failure_mode
    failed = worked = False
    surprise, failure = draft.surprise, draft.failure
    for rule in MARKER_RULES:
        match = _fires(rule, text)
        if match is None:
            continue
        quoted = match.group(0)
        if rule.field == "failure_mode" and mode is None:
            mode = FailureMode(rule.value)
            reasons.append(f'Failure mode: {mode.label} (you wrote "{quoted}")')
            inferred.append("failure_mode")
            if not failure:
                failure = _sentence_at(text, match.start())
        elif rule.field == "outcome":
            failed |= rule.value == Outcome.FAILED
            worked |= rule.value == Outcome.WORKED
            if rule.value == Outcome.FAILED and not failure:
                failure = _sentence_at(text, match.start())
        elif rule.field == "surprise" and not surprise:
            surprise = _sentence_at(text, match.start())
            reasons.append(f'Surprise: "{surprise[:80]}" (you wrote "{quoted}")')
            inferred.append("surprise")
    outcome = draft.outcome
    if outcome is None and (failed or worked or mode is not None):
        outcome = (
            Outcome.MIXED
            if worked and (failed or mode is not None)
            else Outcome.WORKED
            if worked
            else Outcome.FAILED
        )
        reasons.append(f"Outcome: {outcome.label}")
        inferred.append("outcome")
    if failure != draft.failure:
        inferred.append("failure")
    return Parsed(
        replace(
            draft,
            outcome=outcome,
            failure_mode=mode,
            surprise=surprise,
            failure=failure,
            inferred=tuple(inferred),
        ),
        tuple(reasons),
    )


# ---- entries ---------------------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*([^:<\n]{1,40}):\s*(.*)$", re.DOTALL)


def parse_quick_entry(text: str, catalogue: ToolCatalogue) -> Parsed:
    """Read `/tried [Tool:] what happened` into a draft, with the reasons for what was inferred."""
    text = text.strip()
    match = _PREFIX.match(text)
    reasons: list[str] = []
    if match and len(match.group(1).split()) <= 4 and "http" not in match.group(1).lower():
        tool: str | None = catalogue.normalise(match.group(1))
        summary = match.group(2).strip() or text
        inferred: tuple[str, ...] = ()
    else:
        tool = catalogue.find_in_text(text)
        summary = text
        inferred = ("tool",) if tool else ()
        if tool:
            reasons.append(f"Tool: {tool} (mentioned in your text)")
    parsed = infer(summary, Draft(summary=summary, tool=tool, inferred=inferred))
    return Parsed(parsed.draft, (*reasons, *parsed.reasons))


_LABELS: tuple[tuple[str, str], ...] = (
    ("tool", r"tool|tool used|which tool"),
    ("work", r"work|task|real work|used it for|what (?:real )?work"),
    ("summary", r"what happened|happened|result|outcome"),
    ("surprise", r"surprise|surprised|what surprised (?:me|you)|surprising"),
    ("failure", r"fail|failed|failure|what failed|what broke|broke"),
)
_LABEL_LINE = re.compile(
    r"^\s*[*_•-]*\s*(" + "|".join(p for _, p in _LABELS) + r")\s*[*_]*\s*[:\-\u2013]\s*(.*)$",
    re.IGNORECASE,
)


def parse_reply(text: str, catalogue: ToolCatalogue) -> Parsed:
    """Read a reply in a prompt's thread, templated ("Tool: …" lines) or free text."""
    fields: dict[str, list[str]] = {}
    loose: list[str] = []
    current: str | None = None
    for line in text.strip().splitlines():
        match = _LABEL_LINE.match(line)
        if match:
            label = match.group(1).lower()
            current = next(
                name for name, pattern in _LABELS if re.fullmatch(pattern, label, re.IGNORECASE)
            )
            fields.setdefault(current, []).append(match.group(2).strip())
        elif current is not None and line.strip():
            fields[current].append(line.strip())
        elif line.strip():
            loose.append(line.strip())
    if not fields or (set(fields) == {"tool"} and not loose):
        return parse_quick_entry(text, catalogue)
    joined = {name: "\n".join(v for v in values if v) for name, values in fields.items()}
    summary = joined.get("summary") or "\n".join(loose) or joined.get("work") or text.strip()
    tool_text = joined.get("tool")
    tool = catalogue.normalise(tool_text) if tool_text else catalogue.find_in_text(text)
    draft = Draft(
        summary=summary,
        tool=tool,
        work=joined.get("work", ""),
        surprise=joined.get("surprise", ""),
        failure=joined.get("failure", ""),
        inferred=() if tool_text or tool is None else ("tool",),
    )
    return infer(text, draft)
