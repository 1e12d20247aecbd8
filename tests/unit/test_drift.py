"""Drift after a model update: claimed only with enough entries on both sides, with numbers."""

from __future__ import annotations

from core.drift import MIN_ENTRIES, Drift, Tally, find_drift
from core.tools import DEFAULT_CATALOGUE
from core.weeks import WeekId

WEEK = WeekId.parse("2026-W48")


def tallies(tool: str, per_week: dict[str, tuple[int, int]]) -> dict[tuple[str, str], Tally]:
    return {(tool, week): Tally(*counts) for week, counts in per_week.items()}


def test_a_new_model_with_enough_entries_on_both_sides_is_compared() -> None:
    """GPT-5 first appeared in W45: W45-W48 against the eight weeks before."""
    counts = tallies(
        "ChatGPT",
        {
            "2026-W36": (5, 5),  # more than eight weeks before W45: not counted
            "2026-W38": (6, 1),
            "2026-W42": (6, 1),
            "2026-W45": (4, 3),
            "2026-W47": (6, 3),
        },
    )
    found = find_drift(
        week=WEEK,
        first_seen=[("ChatGPT", "GPT-4o", "2026-W30"), ("ChatGPT", "GPT-5", "2026-W45")],
        tallies=counts,
    )
    assert found == (
        Drift("ChatGPT", "GPT-5", "2026-W45", after=Tally(10, 6), before=Tally(12, 2)),
    )


def test_too_few_entries_on_either_side_claims_nothing() -> None:
    """Four entries since the update, or four before it, are not enough to say anything."""
    first_seen = [("ChatGPT", "GPT-5", "2026-W45")]
    few_after = tallies("ChatGPT", {"2026-W40": (10, 1), "2026-W46": (MIN_ENTRIES - 1, 4)})
    few_before = tallies("ChatGPT", {"2026-W40": (MIN_ENTRIES - 1, 0), "2026-W46": (10, 9)})
    assert find_drift(week=WEEK, first_seen=first_seen, tallies=few_after) == ()
    assert find_drift(week=WEEK, first_seen=first_seen, tallies=few_before) == ()


def test_an_update_older_than_the_window_is_not_news() -> None:
    """A model is compared for eight digests from its first week; after that it is the norm."""
    first_seen = [("ChatGPT", "GPT-5", "2026-W41")]
    counts = tallies("ChatGPT", {"2026-W40": (9, 1), "2026-W41": (9, 8)})
    eighth = find_drift(week=WEEK, first_seen=first_seen, tallies=counts)
    ninth = find_drift(week=WEEK.next(), first_seen=first_seen, tallies=counts)
    assert [(d.since, d.after, d.before) for d in eighth] == [
        ("2026-W41", Tally(9, 8), Tally(9, 1))
    ]
    assert ninth == ()


def test_the_newest_update_with_enough_entries_is_shown() -> None:
    """GPT-6 appeared this week with one entry: the comparison since GPT-5 is still shown."""
    counts = tallies("ChatGPT", {"2026-W40": (6, 0), "2026-W45": (6, 3), "2026-W48": (1, 1)})
    found = find_drift(
        week=WEEK,
        first_seen=[("ChatGPT", "GPT-5", "2026-W45"), ("ChatGPT", "GPT-6", "2026-W48")],
        tallies=counts,
    )
    assert [(d.model, d.after, d.before) for d in found] == [("GPT-5", Tally(7, 4), Tally(6, 0))]


def test_two_spellings_of_one_model_first_appear_once() -> None:
    """ "Opus 4" in W41 and "Claude Opus 4" in W46 are one model, first seen in W41."""
    counts = tallies("Claude", {"2026-W38": (5, 1), "2026-W41": (5, 2), "2026-W46": (5, 2)})
    found = find_drift(
        week=WEEK,
        first_seen=[("Claude", "Claude Opus 4", "2026-W46"), ("Claude", "Opus 4", "2026-W41")],
        tallies=counts,
        same_model=DEFAULT_CATALOGUE.model_key,
    )
    assert [(d.model, d.since) for d in found] == [("Opus 4", "2026-W41")]
