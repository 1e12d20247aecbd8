"""The digest's rules: what counts as a surprise or a failure, grouping, rising failures, credit."""

from __future__ import annotations

from typing import Any

from core.digest import Digest, build_digest, find_rising, is_failure, is_surprise
from core.model import Experiment, FailureMode, JobFunction, Outcome
from tests.factories import experiment


def digest_of(experiments: list[Experiment], **kwargs: Any) -> Digest:
    """Build a digest for W48 with empty history unless given."""
    options: dict[str, Any] = {
        "week": "2026-W48",
        "ritual_name": "Leaders",
        "experiments": experiments,
        "previous_week": [],
        "trailing": {},
        "known_tools": frozenset(),
        "prior_sharers": frozenset(),
    } | kwargs
    return build_digest(**options)


def test_surprise_and_failure_rules() -> None:
    """A surprise has surprise text; a failure has a failed/mixed outcome, a mode, or failure text."""
    assert is_surprise(experiment(surprise="it knew our schema"))
    assert not is_surprise(experiment(surprise="  "))
    assert is_failure(experiment(outcome=Outcome.FAILED))
    assert is_failure(experiment(outcome=Outcome.MIXED))
    assert is_failure(experiment(failure_mode=FailureMode.CONFIDENT_WRONG))
    assert is_failure(experiment(failure="invented a flag"))
    assert not is_failure(experiment(outcome=Outcome.WORKED))


def test_failures_are_grouped_by_tool_largest_first() -> None:
    """Each tool's failures stay together; the tool with most failures comes first."""
    a = experiment(tool="Claude", outcome=Outcome.FAILED)
    b = experiment(tool="GitHub Copilot", failure="made up a CLI flag")
    c = experiment(tool="GitHub Copilot", failure_mode=FailureMode.BROKEN_SHAPE)
    d = digest_of([a, b, c, experiment(tool="ChatGPT", outcome=Outcome.WORKED)])
    assert [(g.tool, [e.id for e in g.items]) for g in d.failures] == [
        ("GitHub Copilot", [b.id, c.id]),
        ("Claude", [a.id]),
    ]


def test_private_entries_never_count() -> None:
    """A private experiment appears nowhere, not even in the totals."""
    d = digest_of([experiment(private=True, surprise="secret"), experiment(user_id="U2")])
    assert d.totals.experiments == 1
    assert d.surprises == ()
    assert d.sharers == ("U2",)


def test_rising_failures_rule_with_numbers() -> None:
    """Failures rise when this week has at least 2 and at least twice the trailing 4-week average."""
    now = [experiment(tool="Copilot", outcome=Outcome.FAILED) for _ in range(3)]
    trailing = {
        "2026-W44": [experiment(tool="Copilot", outcome=Outcome.FAILED, week="2026-W44")],
        "2026-W45": [],
        "2026-W46": [experiment(tool="Copilot", outcome=Outcome.FAILED, week="2026-W46")],
        "2026-W47": [],
    }
    [rising] = find_rising(now, trailing)
    assert (rising.tool, rising.this_week, rising.trailing_average) == ("Copilot", 3, 0.5)


def test_one_failure_is_not_a_trend() -> None:
    """A single failure never counts as rising, even from nothing."""
    assert find_rising([experiment(tool="Copilot", outcome=Outcome.FAILED)], {}) == ()


def test_steady_failures_are_not_rising() -> None:
    """Two failures a week, every week, are not a rise."""
    week = [experiment(tool="Copilot", outcome=Outcome.FAILED) for _ in range(2)]
    assert find_rising(week, {f"w{i}": week for i in range(4)}) == ()


def test_first_tried_tools_and_first_time_sharers() -> None:
    """New tools and new people are named; known ones are not."""
    d = digest_of(
        [experiment(tool="Cursor", user_id="U1"), experiment(tool="Claude", user_id="U2")],
        known_tools=frozenset({"Claude"}),
        prior_sharers=frozenset({"U2"}),
    )
    assert d.first_tried == ("Cursor",)
    assert d.first_time == ("U1",)


def test_participation_is_a_share_of_people_asked_without_guests() -> None:
    """Guests who share are credited but do not inflate the share of people asked."""
    d = digest_of(
        [experiment(user_id="U1"), experiment(user_id="GUEST")],
        audience=["U1", "U2", "U3", "U4"],
    )
    assert d.sharers == ("U1", "GUEST")
    assert (d.asked, d.asked_who_shared, d.participation) == (4, 1, 0.25)


def test_where_tools_fail_counts_modes_and_functions() -> None:
    """Tool x failure mode and tool x job function count only failures that carry them."""
    d = digest_of(
        [
            experiment(
                tool="Copilot",
                failure_mode=FailureMode.CONFIDENT_WRONG,
                job_function=JobFunction.SALES,
            ),
            experiment(
                tool="Copilot",
                failure_mode=FailureMode.CONFIDENT_WRONG,
                job_function=JobFunction.LEGAL,
            ),
            experiment(tool="Claude", outcome=Outcome.WORKED, job_function=JobFunction.SALES),
        ]
    )
    assert d.by_mode == {"Copilot": {FailureMode.CONFIDENT_WRONG: 2}}
    assert d.by_function == {"Copilot": {JobFunction.SALES: 1, JobFunction.LEGAL: 1}}


def test_quiet_week() -> None:
    """A week with nothing shared is quiet."""
    assert digest_of([]).quiet


def test_late_entries_are_listed_and_credited_but_counted_for_their_own_week() -> None:
    """A late failure joins its tool's group and the credit; totals and participation do not move."""
    mine = experiment(user_id="U1", tool="Claude", outcome=Outcome.FAILED)
    late = experiment(
        user_id="U2", tool="Claude", failure="dropped a step", week="2026-W47", surprise="fast"
    )
    d = digest_of([mine], late=[late], audience=["U1", "U2"])
    assert (d.totals.experiments, d.asked_who_shared, d.first_time) == (1, 1, ("U1",))
    assert [e.id for g in d.failures for e in g.items] == [mine.id, late.id]
    assert [e.id for e in d.surprises] == [late.id]
    assert d.sharers == ("U1", "U2")
    assert d.late == (late,)
    only_late = digest_of([], late=[late])
    assert not only_late.quiet
    assert only_late.totals.experiments == 0
