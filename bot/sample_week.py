"""Realistic weeks of shared experiments, for the demo and the digest's tests: varied, deterministic.

`realistic_week` gives the same entries for the same arguments: people in five job functions
try seven tools on real work, with what happened, what failed and how, how it was caught, and
sometimes a surprise or a "next I'll try". Nothing here touches a database or Slack.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.model import Caught, Experiment, FailureMode, JobFunction, Outcome, Source

FUNCTIONS = (
    JobFunction.ENGINEERING,
    JobFunction.LEGAL,
    JobFunction.SALES,
    JobFunction.SUPPORT,
    JobFunction.FINANCE,
)
TOOLS = (
    "GitHub Copilot",
    "ChatGPT",
    "Claude",
    "Cursor",
    "Gemini",
    "Notion AI",
    "Microsoft Copilot",
)
# Tools each function reaches for, most used first.
_FAVOURITES: dict[JobFunction, tuple[str, ...]] = {
    JobFunction.ENGINEERING: ("GitHub Copilot", "Cursor", "Claude", "ChatGPT"),
    JobFunction.LEGAL: ("GitHub Copilot", "Claude", "ChatGPT", "Microsoft Copilot"),
    JobFunction.SALES: ("ChatGPT", "Gemini", "Notion AI", "Microsoft Copilot"),
    JobFunction.SUPPORT: ("ChatGPT", "Claude", "Notion AI", "Gemini"),
    JobFunction.FINANCE: ("Microsoft Copilot", "ChatGPT", "Gemini", "Claude"),
}
_WORK: dict[JobFunction, tuple[str, ...]] = {
    JobFunction.ENGINEERING: (
        "billing migration",
        "flaky test triage",
        "API client refactor",
        "incident postmortem",
        "Terraform module upgrade",
        "log parser rewrite",
    ),
    JobFunction.LEGAL: (
        "NDA redline",
        "vendor contract review",
        "GDPR data map",
        "policy summary for the board",
    ),
    JobFunction.SALES: (
        "account research for Acme",
        "renewal email drafts",
        "RFP answers",
        "call notes summary",
    ),
    JobFunction.SUPPORT: (
        "macro rewrite",
        "ticket triage",
        "refund policy answers",
        "knowledge base cleanup",
    ),
    JobFunction.FINANCE: (
        "Q3 variance commentary",
        "expense policy FAQ",
        "forecast spreadsheet formulas",
        "invoice matching",
    ),
}
_FAILURES: dict[JobFunction, tuple[tuple[FailureMode, str], ...]] = {
    JobFunction.ENGINEERING: (
        (FailureMode.CONFIDENT_WRONG, "invented --dry-run"),
        (FailureMode.CONFIDENT_WRONG, "called a retry option the SDK does not have"),
        (FailureMode.SILENTLY_PARTIAL, "only converted half of the files, silently"),
        (FailureMode.CONTEXT_DECAY, "lost track of the schema halfway through"),
        (FailureMode.BROKEN_SHAPE, "the YAML it wrote failed the linter"),
    ),
    JobFunction.LEGAL: (
        (FailureMode.CONFIDENT_WRONG, "cited a clause that is not in the contract"),
        (FailureMode.CONFIDENT_WRONG, "quoted the 2016 version of the regulation"),
        (FailureMode.SILENTLY_PARTIAL, "reviewed 12 of the 20 pages and called it complete"),
        (FailureMode.REFUSED, "refused to summarise an HR-adjacent memo"),
        (FailureMode.DATA_CONCERN, "the draft carried another client's name"),
    ),
    JobFunction.SALES: (
        (FailureMode.CONFIDENT_WRONG, "quoted a discount we never offered"),
        (FailureMode.SILENTLY_PARTIAL, "summarised 3 of the 5 calls and said it was done"),
        (FailureMode.BROKEN_SHAPE, "the table pasted into the CRM as one long line"),
        (FailureMode.CONTEXT_DECAY, "mixed up two accounts by the third email"),
    ),
    JobFunction.SUPPORT: (
        (FailureMode.CONFIDENT_WRONG, "gave a 60-day refund window; ours is 30"),
        (FailureMode.CONTEXT_DECAY, "forgot the house style after the fourth macro"),
        (FailureMode.SILENTLY_PARTIAL, "tagged 80 tickets and skipped the rest without a word"),
        (FailureMode.REFUSED, "would not answer a plain question about cancellations"),
    ),
    JobFunction.FINANCE: (
        (FailureMode.CONFIDENT_WRONG, "made up a VLOOKUP argument that does not exist"),
        (FailureMode.SILENTLY_PARTIAL, "skipped the last sheet without a word"),
        (FailureMode.BROKEN_SHAPE, "dates came back as text and the import broke"),
        (FailureMode.CONTEXT_DECAY, "lost the quarter's numbers halfway through the commentary"),
    ),
}
_WORKED = (
    "saved an hour on the first draft",
    "caught two bugs I had missed",
    "good first pass, light edits only",
    "turned a messy thread into a clear summary",
    "wrote the boilerplate so I could focus on the hard part",
    "found the pattern in 400 tickets in minutes",
)
_SURPRISES = (
    "it asked a clarifying question first",
    "it knew our naming convention without being told",
    "the second try was much worse than the first",
    "it was better at the tone than at the facts",
)
_NEXT = (
    "giving it the schema first",
    "asking for sources with every claim",
    "a smaller chunk at a time",
    "the same task in Claude to compare",
)
_FIRST = ("Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun")
_LAST = ("Park", "Quinn", "Rossi", "Sato")


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    function: JobFunction


def people(count: int = 40) -> list[Person]:
    """`count` people with distinct names, spread over the five functions."""
    return [
        Person(
            user_id=f"U{n:04d}PPL",
            name=f"{_FIRST[n % len(_FIRST)]} {_LAST[n // len(_FIRST) % len(_LAST)]}",
            function=FUNCTIONS[n % len(FUNCTIONS)],
        )
        for n in range(count)
    ]


def realistic_week(
    *,
    week: str,
    start: datetime,
    entries: int = 60,
    sharers: int = 40,
    seed: int = 48,
    team_id: str = "T0LOL",
    ritual_id: str | None = None,
) -> list[Experiment]:
    """`entries` experiments from `sharers` people (everyone at least once), deterministic."""
    rng = random.Random(f"{seed}:{week}")
    crowd = people(sharers)
    authors = [*crowd, *(rng.choice(crowd) for _ in range(max(0, entries - sharers)))][:entries]
    found = []
    for n, person in enumerate(authors):
        fn = person.function
        tool = rng.choice(_FAVOURITES[fn][:2] if rng.random() < 0.7 else _FAVOURITES[fn])
        work = rng.choice(_WORK[fn])
        # Legal fares worse with Copilot than Engineering does: a difference by function.
        fails = rng.random() < (0.8 if (fn, tool) == (JobFunction.LEGAL, "GitHub Copilot") else 0.4)
        mode, failure = rng.choice(_FAILURES[fn]) if fails else (None, "")
        at = start + timedelta(hours=3 * n)
        found.append(
            Experiment(
                id=f"x{week.replace('-', '')}n{n:03d}",
                team_id=team_id,
                user_id=person.user_id,
                source=Source.THREAD,
                summary=f"Used it for the {work}",
                created_at=at,
                updated_at=at,
                week=week,
                tool=tool,
                work=work,
                failure=failure,
                outcome=(rng.choice((Outcome.FAILED, Outcome.MIXED)) if fails else Outcome.WORKED),
                failure_mode=mode,
                job_function=fn,
                surprise=rng.choice(_SURPRISES) if rng.random() < 0.2 else "",
                caught=rng.choice(list(Caught)) if fails and rng.random() < 0.6 else None,
                next_try=rng.choice(_NEXT) if rng.random() < 0.2 else "",
                ritual_id=ritual_id,
                permalink=f"https://learning-out-loud.slack.com/archives/C0LEADERS/p{1795428000 + n}000000",
            )
        )
    # A success says what happened, in the sharer's words.
    return [exp if exp.failure else replace(exp, summary=rng.choice(_WORKED)) for exp in found]
