"""The parts of one ritual week: its stages, and the kinds and states of the sends it makes.

Rules:
- An occurrence (one ritual, one ISO week) goes through three stages: its prompts, its
  reminders, its digest. The first two are recorded as done when nothing of them is left to
  send; the digest's progress is the state of its parts' sends.
- Every scheduled message is a send of one kind. Digest parts go to `<channel>#<n>`; a notice
  (the DM telling admins a digest could not be posted) is a kind of its own, so counting the
  parts in Slack never counts a notice.
- A channel prompt's private "next I'll try" recall is a send per person (`next_try`): claimed
  like every other, but never tried twice, since an ephemeral cannot be found in Slack later.
- `WeekState` is everything known about one occurrence at a moment, as plain data: what
  `core.due.decide` decides from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.weeks import WeekId


class Stage(StrEnum):
    PROMPTS = "prompts"
    REMINDERS = "reminders"
    DIGEST = "digest"


class SendKind(StrEnum):
    PROMPT = "prompt"
    REMINDER = "reminder"
    DIGEST = "digest"  # one part of a digest, to `<channel>#<n>`
    NOTICE = "notice"  # a DM to an admin about a digest that could not be posted
    CHART = "chart"  # the digest's chart, uploaded into its thread, to `<channel>@<thread ts>`
    # Last week's "next I'll try", shown privately (an ephemeral) under a channel prompt, to
    # the person. Slack cannot look an ephemeral up afterwards, so one in doubt is never resent.
    NEXT_TRY = "next_try"


class SendStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


# A send in one of these states is settled: it is never claimed again.
SETTLED = frozenset({SendStatus.SENT, SendStatus.FAILED, SendStatus.SKIPPED})
# A send in one of these states is still to finish: its stage is not done.
UNFINISHED = frozenset({SendStatus.CLAIMED, SendStatus.RETRY})


@dataclass(frozen=True)
class Member:
    """One person of the week's audience, as looked up: where they are and what they chose."""

    user_id: str
    zone: ZoneInfo | None = None  # None: unknown, the ritual's zone is used
    dm_prompts: bool = True
    paused_until: date | None = None  # no prompts or reminders through this local day

    def paused_on(self, day: date) -> bool:
        return self.paused_until is not None and day <= self.paused_until


@dataclass(frozen=True)
class SendRecord:
    """What is known of one send already claimed or made."""

    status: SendStatus
    channel_id: str | None = None
    ts: str | None = None


@dataclass(frozen=True)
class WeekState:
    """One occurrence as stored, plus what was looked up about its people."""

    week: WeekId
    done: frozenset[Stage] = frozenset()
    audience: tuple[str, ...] | None = None  # who is asked; None: the week has not started
    # Looked-up members; None for someone not to be asked (deactivated, a bot). An id not in the
    # mapping was not looked up yet.
    members: Mapping[str, Member | None] = field(default_factory=dict)
    # People Slack could not tell about this run (a failed lookup): nothing is decided for them
    # now, not even a guessed zone; the next run asks again.
    unresolved: frozenset[str] = frozenset()
    answered: frozenset[str] = frozenset()
    skipped: frozenset[str] = frozenset()
    sends: Mapping[tuple[SendKind, str], SendRecord] = field(default_factory=dict)
    digest_parts: int | None = None  # how many parts the kept digest has, if it was laid out
    digest_quiet: bool | None = None  # whether the week is quiet; None: not looked at

    def send(self, kind: SendKind, recipient: str) -> SendRecord | None:
        return self.sends.get((kind, recipient))
