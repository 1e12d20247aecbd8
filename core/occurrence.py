"""The parts of one ritual week: its stages, and the kinds and states of the sends it makes.

Rules:
- An occurrence (one ritual, one ISO week) goes through three stages: its prompts, its
  reminders, its digest. The first two are recorded as done when nothing of them is left to
  send; the digest's progress is the state of its parts' sends.
- Every scheduled message is a send of one kind. Digest parts go to `<channel>#<n>`; a notice
  (the DM telling admins a digest could not be posted) is a kind of its own, so counting the
  parts in Slack never counts a notice.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    PROMPTS = "prompts"
    REMINDERS = "reminders"
    DIGEST = "digest"


class SendKind(StrEnum):
    PROMPT = "prompt"
    REMINDER = "reminder"
    DIGEST = "digest"  # one part of a digest, to `<channel>#<n>`
    NOTICE = "notice"  # a DM to an admin about a digest that could not be posted


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
