"""The domain's nouns: experiments and the small vocabularies that describe them.

Everything here is plain data with no I/O. Instants are aware datetimes in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from core.text import slack_text_as_plain


class Outcome(StrEnum):
    """How the experiment went, in the sharer's own judgement."""

    WORKED = "worked"
    MIXED = "mixed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"worked": "Worked", "mixed": "Mixed", "failed": "Failed"}[self.value]


class FailureMode(StrEnum):
    """How AI tools really fail: a small taxonomy, documented in docs/failure-modes.md."""

    CONFIDENT_WRONG = "confident_wrong"
    CONTEXT_DECAY = "context_decay"
    BROKEN_SHAPE = "broken_shape"
    SILENTLY_PARTIAL = "silently_partial"
    REFUSED = "refused"
    SLOW_OR_COSTLY = "slow_or_costly"
    DATA_CONCERN = "data_concern"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _FAILURE_LABELS[self]


_FAILURE_LABELS: dict[FailureMode, str] = {
    FailureMode.CONFIDENT_WRONG: "Confident wrong answer",
    FailureMode.CONTEXT_DECAY: "Quality drops as context grows",
    FailureMode.BROKEN_SHAPE: "Right content, shape breaks the next step",
    FailureMode.SILENTLY_PARTIAL: "Silently partial",
    FailureMode.REFUSED: "Refused or over-cautious",
    FailureMode.SLOW_OR_COSTLY: "Too slow or costly",
    FailureMode.DATA_CONCERN: "Data or security concern",
    FailureMode.OTHER: "Other",
}


class JobFunction(StrEnum):
    """The sharer's job function, set once in their profile."""

    ENGINEERING = "engineering"
    PRODUCT = "product"
    DESIGN = "design"
    DATA = "data"
    SALES = "sales"
    MARKETING = "marketing"
    SUPPORT = "support"
    LEGAL = "legal"
    FINANCE = "finance"
    PEOPLE = "people"
    OPS = "ops"
    LEADERSHIP = "leadership"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "People/HR" if self is JobFunction.PEOPLE else self.value.capitalize()


class Caught(StrEnum):
    """How a failure was caught: the optional "how was it caught?" of an entry."""

    REVIEW = "review"
    TEST = "test"
    CUSTOMER = "customer"
    NOT_YET = "not_yet"
    CHANCE = "chance"

    @property
    def label(self) -> str:
        return _CAUGHT_LABELS[self]

    @property
    def late(self) -> bool:
        """Caught late or silently: by a customer, by chance, or not yet."""
        return self in (Caught.CUSTOMER, Caught.NOT_YET, Caught.CHANCE)


_CAUGHT_LABELS: dict[Caught, str] = {
    Caught.REVIEW: "caught in review",
    Caught.TEST: "caught by a test",
    Caught.CUSTOMER: "caught by a customer",
    Caught.NOT_YET: "not caught yet",
    Caught.CHANCE: "caught by chance",
}
CAUGHT_CHOICES: dict[Caught, str] = {  # the form's options: the answer to "how was it caught?"
    Caught.REVIEW: "In review",
    Caught.TEST: "By a test",
    Caught.CUSTOMER: "By a customer",
    Caught.NOT_YET: "Not caught yet",
    Caught.CHANCE: "By chance",
}


class Source(StrEnum):
    """Where an experiment was captured."""

    THREAD = "thread"  # a reply in a prompt's thread
    COMMAND = "command"  # `/tried <text>`
    FORM = "form"  # the modal (bare `/tried`, the prompt's button, Edit)


# Field limits. Slack's `plain_text_input` takes at most 3,000 characters, so the form can never
# hold more than that per field; quick entries and thread replies share the same ceiling for the
# main text so that everything stored can be edited in the form without loss.
MAX_TOOL_CHARS = 80
MAX_FIELD_CHARS = 3000
MAX_NEXT_TRY_CHARS = 300  # "next I'll try…": one line, repeated in the next week's prompt


def shown_in_form(text: str) -> str:
    """What the form can show of a stored text: as plain text (Slack's escapes and markup read as
    people see them, `core.text.slack_text_as_plain`), its first `MAX_FIELD_CHARS` characters."""
    return slack_text_as_plain(text)[:MAX_FIELD_CHARS]


def keep_untouched(stored: str, submitted: str, *, named: str | None = None) -> str:
    """The text to store for a field submitted through the form.

    The form shows a stored text as plain text, and a thread reply may be longer than the form
    can show. When a field comes back exactly as it was shown (surrounding spaces aside), the
    person did not touch it, and the stored text is kept whole, as Slack sent it; any change to
    the field replaces it. `named` is the stored text with its mentions named, when the form
    showed that one.
    """
    shown = {shown_in_form(text).strip() for text in (stored, named) if text is not None}
    if submitted.strip() in shown:
        return stored
    return submitted


@dataclass(frozen=True)
class Draft:
    """What a person said, before it is stored: parsed from `/tried`, a reply, or the form."""

    summary: str
    tool: str | None = None
    work: str = ""
    surprise: str = ""
    failure: str = ""
    outcome: Outcome | None = None
    failure_mode: FailureMode | None = None
    private: bool = False
    # Shared without the author's name (`core.credit`): the form's checkbox or `/tried anon`.
    anonymous: bool = False
    # What was inferred rather than typed into a field, for the confirmation to show
    # (e.g. ("tool", "outcome")).
    inferred: tuple[str, ...] = field(default=())
    # The model or version behind the tool when stated apart from it: the form's field, or a
    # parser that read one. When None, the service reads it from the tool's name or the text.
    model: str | None = None
    caught: Caught | None = None  # how a failure was caught, when said
    next_try: str = ""  # "next I'll try…", recalled in the person's next prompt


@dataclass(frozen=True)
class Experiment:
    """One stored experiment."""

    id: str
    team_id: str
    user_id: str
    source: Source
    summary: str
    created_at: datetime
    updated_at: datetime
    week: str  # ISO week of `created_at` in the sharer's time zone, e.g. "2026-W48"
    tool: str | None = None
    work: str = ""
    surprise: str = ""
    failure: str = ""
    outcome: Outcome | None = None
    failure_mode: FailureMode | None = None
    job_function: JobFunction | None = None
    private: bool = False
    channel_id: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    # The bot's copy of a `/tried` or form entry, posted into the week's prompt thread.
    echo_channel_id: str | None = None
    echo_ts: str | None = None
    ritual_id: str | None = None
    # The model or version behind `tool` ("GPT-5" behind "ChatGPT"), when one was named.
    model: str | None = None
    caught: Caught | None = None
    next_try: str = ""
    # Shared without the author's name: no one but its author sees who wrote it (`core.credit`).
    anonymous: bool = False


@dataclass(frozen=True)
class Profile:
    """A person's settings, set with `/tried profile`."""

    team_id: str
    user_id: str
    job_function: JobFunction | None = None
    tz_override: str | None = None  # an IANA zone that wins over the one Slack reports
    dm_prompts: bool = True
    paused_until: date | None = None  # no prompts or reminders up to and including this day
    reply_summaries: bool = True  # show privately what was understood from each captured reply
