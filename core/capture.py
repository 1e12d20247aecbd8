"""Understanding what people type: `/tried` subcommands, quick entries, and thread replies.

Rules (docs/capture-rules.md describes them in words; it is written by hand):
- `/tried` alone opens the form. A first word that is a subcommand (`help`, `?`, `list`, `undo`,
  `profile`, `setup`, `forget-me`, `private`, `anon`), trailing punctuation aside, selects it
  whatever follows: `/tried help me` is help and `/tried undo last one` is undo, never an entry.
  `private` and `anon` (or `anonymous`: shared without the author's name) take the entry after
  it.
- A single word that is neither a subcommand nor a known tool is a mistyped subcommand
  (`/tried lsit`), answered with help; a single known tool (`/tried Cursor`) is an entry. So is
  a first word one slip away from a subcommand (`/tried lsit mine`), unless it is a known tool,
  and a request or question to the bot that names no tool (`/tried edit my last one`,
  `/tried hello, what is this?`).
- `Tool: text` names the tool when the part before the first colon is short (at most 40
  characters and 4 words, no link or `<`). Otherwise a known tool mentioned in the text is
  inferred.
- What the words say prefills outcome, failure mode, surprise and failure, transparently: each
  inference is reported as a reason with the words that made it (core/understanding.py reads
  the text, core/cues.py holds the cues). Nothing typed into a field is overwritten.
- Chatter ("+1", "thanks!", "did anyone try X?") is flagged on `Parsed.chatter` and nothing is
  inferred from it. A reply that names a known tool (`Claude: …`) or uses the template is never
  chatter. `/tried` keeps chatter-ish text as an entry (the person chose to share it).
- Template answers that say nothing ("Failed: nothing", "Surprised: none") leave the field empty.
- Entries longer than MAX_FIELD_CHARS are refused with their length, never silently cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.model import MAX_FIELD_CHARS, MAX_NEXT_TRY_CHARS, Caught, Draft, Outcome
from core.tools import ToolCatalogue
from core.understanding import Reading, read_reply

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
class Anonymous:
    """`/tried anon <text>`: an entry shared without the author's name."""

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
    Open
    | Help
    | List
    | Undo
    | Profile
    | Setup
    | ForgetMe
    | Private
    | Anonymous
    | Entry
    | Unknown
    | Missing
)

ANONYMOUS_WORDS = frozenset({"anon", "anonymous"})

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


# First words of requests and questions to the bot rather than experiments.
_ASKING = frozenset(
    {
        "edit",
        "change",
        "delete",
        "remove",
        "show",
        "settings",
        "history",
        "cancel",
        "stop",
        "start",
        "hi",
        "hello",
        "hey",
        "test",
        "testing",
        "what",
        "how",
        "why",
        "commands",
        "usage",
        "status",
    }
)


def parse_command(text: str, catalogue: ToolCatalogue | None = None) -> Command:
    """Decide what `/tried <text>` asks for."""
    text = text.strip()
    if not text:
        return Open()
    first, _, rest = text.partition(" ")
    rest = rest.strip()
    # "help:", "undo." and "Help!" are the subcommand as much as "help" is.
    word = first.lower().rstrip(".,;:!?") or first
    if word == "private":
        return Private(rest) if rest else Missing("private", "the experiment to keep private")
    if word in ANONYMOUS_WORDS:
        return (
            Anonymous(rest) if rest else Missing(word, "the experiment to share without your name")
        )
    if word in _NO_ARGUMENT:
        # Whatever follows a subcommand is about the subcommand ("help me", "undo last one"),
        # never an entry to post: the subcommand wins.
        return _NO_ARGUMENT[word]
    known = catalogue is not None and catalogue.known(first.rstrip(":"))
    if not rest and ":" not in first and re.fullmatch(r"[a-z?-]+", word):
        return Entry(text) if known else Unknown(first)
    if not known and ":" not in first and _mistyped_subcommand(word):
        # "lsit my entries", "udno that": a slip of the keyboard, not an experiment to share.
        return Unknown(first)
    if word in _ASKING and (catalogue is None or catalogue.find_in_text(text) is None):
        # "edit my last one", "hello, what is this?": a request or a question to the bot, not
        # an experiment; an entry that names a tool ("what Claude did…") stays an entry.
        return Unknown(first)
    return Entry(text)


def _mistyped_subcommand(word: str) -> bool:
    """Whether `word` is one slip (two letters swapped, one letter more, less or wrong) away from
    a subcommand of four letters or more."""
    return any(
        len(name) >= 4 and name != word and _one_slip(word, name)
        for name in (*_NO_ARGUMENT, "private", *ANONYMOUS_WORDS)
    )


def _one_slip(typed: str, meant: str) -> bool:
    if len(typed) == len(meant):
        diffs = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        first, *more = diffs
        return (
            len(diffs) == 2
            and more[0] == first + 1
            and typed[first] == meant[first + 1]
            and typed[first + 1] == meant[first]
        )
    shorter, longer = sorted((typed, meant), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


# ---- length ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LengthProblem:
    length: int
    limit: int


def check_length(text: str, limit: int = MAX_FIELD_CHARS) -> LengthProblem | None:
    """Return the problem when the text is longer than the limit."""
    return LengthProblem(len(text), limit) if len(text) > limit else None


# ---- inference -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    draft: Draft
    reasons: tuple[str, ...]  # one line per inference, for the confirmation to show
    # The text shares no experiment ("+1", "thanks!", a question): a thread reply like this is
    # not captured, and nothing is inferred from it.
    chatter: bool = False


def infer(text: str, draft: Draft, *, may_be_chatter: bool = True) -> Parsed:
    """Fill outcome, failure mode, surprise and failure from what the text says, where not set."""
    reading = read_reply(text)
    if reading.chatter and may_be_chatter:
        return Parsed(draft, ("Read as conversation, so nothing was inferred",), chatter=True)
    if reading.chatter:
        reading = Reading()  # kept as an entry, but chatter-ish words report no failure
    reasons: list[str] = []
    inferred = list(draft.inferred)
    mode, surprise, failure = draft.failure_mode, draft.surprise, draft.failure
    if mode is None and reading.failure_mode is not None:
        mode = reading.failure_mode
        why = reading.because.get(mode.value) or f'you wrote "{_said(reading, mode.value)}"'
        reasons.append(f"Failure mode: {mode.label} ({why})")
        inferred.append("failure_mode")
    if not failure and reading.failure:
        failure = reading.failure
        inferred.append("failure")
    if not surprise and reading.surprise:
        surprise = reading.surprise
        reasons.append(f'Surprise: "{surprise[:80]}" (you wrote "{_said(reading, "surprise")}")')
        inferred.append("surprise")
    outcome = draft.outcome
    if outcome is None:
        outcome = reading.outcome
        if draft.failure and outcome in (None, Outcome.WORKED):
            outcome = Outcome.MIXED if outcome is Outcome.WORKED else Outcome.FAILED
        if outcome is not None:
            reasons.append(f"Outcome: {outcome.label}{_words(reading, outcome)}")
            inferred.append("outcome")
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


def _said(reading: Reading, kind: str) -> str:
    return reading.evidence.get(kind, ("",))[0]


def _words(reading: Reading, outcome: Outcome) -> str:
    kinds = {Outcome.WORKED: ("work",), Outcome.FAILED: ("fail",), Outcome.MIXED: ("work", "fail")}
    said: list[str] = []
    for kind in kinds[outcome]:
        if kind in reading.because:  # "the work had to be redone", said in plain words
            said.append(reading.because[kind])
        elif reading.evidence.get(kind):
            said.append(f'you wrote "{reading.evidence[kind][0]}"')
    return f" ({' and '.join(said)})" if said else ""


# ---- entries ---------------------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*([^:<\n]{1,40}):\s*(.*)$", re.DOTALL)


def parse_quick_entry(text: str, catalogue: ToolCatalogue) -> Parsed:
    """Read `/tried [Tool:] what happened` into a draft, with the reasons for what was inferred."""
    text = text.strip()
    match = _PREFIX.match(text)
    reasons: list[str] = []
    named = False
    if match and len(match.group(1).split()) <= 4 and "http" not in match.group(1).lower():
        tool: str | None = catalogue.normalise(match.group(1))
        summary = match.group(2).strip() or text
        inferred: tuple[str, ...] = ()
        named = catalogue.known(match.group(1))
    else:
        tool = catalogue.find_in_text(text)
        summary = text
        inferred = ("tool",) if tool else ()
        if tool:
            reasons.append(f"Tool: {tool} (mentioned in your text)")
    # A prefix that is no known tool may be words ("Good summary: wrong format"): read them too.
    parsed = infer(
        summary if named else text,
        Draft(summary=summary, tool=tool, inferred=inferred),
        may_be_chatter=not named,
    )
    return Parsed(parsed.draft, (*reasons, *parsed.reasons), chatter=parsed.chatter)


_LABELS: tuple[tuple[str, str], ...] = (
    ("tool", r"tool|tool used|which tool"),
    ("work", r"work|task|real work|used it for|what (?:real )?work"),
    ("summary", r"what happened|happened|result|outcome"),
    ("surprise", r"surprise|surprised|what surprised (?:me|you)|surprising"),
    ("failure", r"fail|failed|failure|what failed|what broke|broke"),
    ("caught", r"caught|how (?:was it|it was) caught|caught by|how caught"),
    ("next_try", r"next|next i'?ll try|next time|next week|i'?ll try next|next try"),
)
# How a failure was caught, read from a template's "Caught:" line (first match wins).
_CAUGHT_CUES: tuple[tuple[Caught, re.Pattern[str]], ...] = (
    (
        Caught.NOT_YET,
        re.compile(r"\bnot (?:yet|caught)|\bnobody|\bno one|\bhasn'?t been|\buncaught", re.I),
    ),
    (Caught.CUSTOMER, re.compile(r"\bcustomers?\b|\bclients?\b|\buser reports?", re.I)),
    (Caught.REVIEW, re.compile(r"\breview", re.I)),
    (Caught.TEST, re.compile(r"\btests?\b|\bci\b|\btesting", re.I)),
    (Caught.CHANCE, re.compile(r"\bchance|\baccident|\bluck|\bnoticed later", re.I)),
)


def read_caught(text: str) -> Caught | None:
    """How a failure was caught, from the words of a "Caught:" answer; None when unclear."""
    return next((caught for caught, cue in _CAUGHT_CUES if cue.search(text)), None)


# One character class before the label, not `\s*[*_•-]*\s*`: nested stars backtrack
# quadratically on a long run of spaces.
_LABEL_LINE = re.compile(
    r"^[\s*_•-]*(" + "|".join(p for _, p in _LABELS) + r")[\s*_]*[:\-\u2013]\s*(.*)$",
    re.IGNORECASE,
)
# A template answer that reports nothing: "Failed: nothing", "Surprised: none, it was fine".
_NOTHING = re.compile(
    r"^\W*(?:none|nothing|n/?a|no|nope|not really|nada|-+|—)\b(?!.*\b(?:but|except|though|although)\b)",
    re.IGNORECASE | re.DOTALL,
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
    for name in ("surprise", "failure"):
        if name in joined and _NOTHING.match(joined[name]):
            joined[name] = ""
    summary = joined.get("summary") or "\n".join(loose) or joined.get("work") or text.strip()
    tool_text = joined.get("tool")
    tool = catalogue.normalise(tool_text) if tool_text else catalogue.find_in_text(text)
    draft = Draft(
        summary=summary,
        tool=tool,
        work=joined.get("work", ""),
        surprise=joined.get("surprise", ""),
        failure=joined.get("failure", ""),
        caught=read_caught(joined.get("caught", "")),
        next_try=" ".join(joined.get("next_try", "").split())[:MAX_NEXT_TRY_CHARS],
        inferred=() if tool_text or tool is None else ("tool",),
    )
    said = [joined.get(name, "") for name in ("summary", "work", "surprise", "failure")]
    return infer("\n".join([*said, *loose]), draft, may_be_chatter=False)
