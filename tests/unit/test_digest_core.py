"""The digest's rules: what counts as a surprise or a failure, grouping, rising failures, credit."""

from __future__ import annotations

from typing import Any

from core.digest import Digest, Replication, build_digest, find_rising, is_failure, is_surprise
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


def test_every_entry_is_grouped_by_tool_largest_first_failures_first() -> None:
    """Each tool's entries stay together, most entries first; a tool's failures lead it."""
    a = experiment(tool="Claude", outcome=Outcome.FAILED)
    w = experiment(tool="GitHub Copilot", outcome=Outcome.WORKED)
    b = experiment(tool="GitHub Copilot", failure="made up a CLI flag")
    c = experiment(tool="GitHub Copilot", failure_mode=FailureMode.BROKEN_SHAPE)
    d = digest_of([a, w, b, c])
    assert [(g.tool, [e.id for e in g.items], g.failures) for g in d.groups] == [
        ("GitHub Copilot", [b.id, c.id, w.id], 2),
        ("Claude", [a.id], 1),
    ]


def test_private_entries_never_count() -> None:
    """A private experiment appears nowhere, not even in the totals."""
    d = digest_of([experiment(private=True, surprise="secret"), experiment(user_id="U2")])
    assert d.totals.experiments == 1
    assert [e.user_id for e in d.entries] == ["U2"]
    assert d.sharers == ("U2",)


def _used(week: str, *, failed: bool = False) -> Experiment:
    return experiment(
        tool="Copilot", week=week, outcome=Outcome.FAILED if failed else Outcome.WORKED
    )


def test_rising_failures_are_claimed_against_three_weeks_of_history_with_numbers() -> None:
    """With three weeks of the tool's own use before, 3 failures of 4 against 1 of 6 is a rise."""
    now = [experiment(tool="Copilot", outcome=Outcome.FAILED) for _ in range(3)]
    now.append(experiment(tool="Copilot", outcome=Outcome.WORKED))
    trailing = {
        "2026-W44": [_used("2026-W44", failed=True), _used("2026-W44")],
        "2026-W45": [],
        "2026-W46": [_used("2026-W46"), _used("2026-W46")],
        "2026-W47": [_used("2026-W47"), _used("2026-W47")],
    }
    [rising] = find_rising(now, trailing)
    assert (
        rising.tool,
        rising.this_week,
        rising.entries,
        rising.history_weeks,
        rising.before_failures,
        rising.before_entries,
    ) == ("Copilot", 3, 4, 3, 1, 6)
    assert abs(rising.trailing_average - 1 / 3) < 1e-9


def test_no_rise_is_claimed_without_three_weeks_of_history() -> None:
    """The first week (2 vs nothing) and two weeks of history are too little to call a rise."""
    now = [experiment(tool="Copilot", outcome=Outcome.FAILED) for _ in range(5)]
    assert find_rising(now, {}) == ()
    two = {"2026-W46": [_used("2026-W46")], "2026-W47": [_used("2026-W47")]}
    assert find_rising(now, two) == ()


def test_one_failure_is_not_a_trend() -> None:
    """A single failure never counts as rising, even against a quiet history."""
    history = {w: [_used(w)] for w in ("2026-W45", "2026-W46", "2026-W47")}
    assert find_rising([experiment(tool="Copilot", outcome=Outcome.FAILED)], history) == ()


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


def test_the_function_table_shows_only_cells_with_enough_entries() -> None:
    """Worked vs failed per tool and function; a cell under the minimum is counted, not shown."""

    def entry(fn: JobFunction, failed: bool) -> Experiment:
        return experiment(
            tool="Copilot",
            job_function=fn,
            outcome=Outcome.FAILED if failed else Outcome.WORKED,
        )

    d = digest_of(
        [
            *(entry(JobFunction.ENGINEERING, n < 1) for n in range(5)),
            *(entry(JobFunction.LEGAL, n < 3) for n in range(4)),
            *(entry(JobFunction.SALES, True) for _ in range(2)),
            experiment(tool="Copilot"),
        ]
    )
    assert [(c.function, c.worked, c.failed) for c in d.table.cells] == [
        (JobFunction.ENGINEERING, 4, 1),
        (JobFunction.LEGAL, 1, 3),
    ]
    assert (d.table.hidden_entries, d.table.without_function) == (2, 1)
    [gap] = [t for t in d.things if t.kind == "function"]
    assert [c.function for c in gap.cells] == [JobFunction.LEGAL, JobFunction.ENGINEERING]


def test_quiet_week() -> None:
    """A week with nothing shared is quiet."""
    assert digest_of([]).quiet


def test_three_things_pinned_first_then_one_of_each_kind() -> None:
    """An admin's pin leads; then a shared failure mode, a reproduced entry, the most failures."""
    modes = [
        experiment(tool="ChatGPT", user_id=f"U{n}", failure_mode=FailureMode.CONFIDENT_WRONG)
        for n in range(3)
    ]
    pinned = experiment(tool="Cursor", outcome=Outcome.WORKED, user_id="U9")
    copied = experiment(tool="Claude", outcome=Outcome.WORKED, user_id="U8")
    d = digest_of(
        [*modes, pinned, copied],
        pinned=pinned.id,
        replications={copied.id: Replication(reproduced=2, not_reproduced=1)},
    )
    assert [t.kind for t in d.things] == ["pinned", "mode", "replicated"]
    assert d.things[0].entry == pinned
    assert (d.things[1].people, d.things[1].tools) == (3, (("ChatGPT", 3),))


def test_no_thing_is_made_of_too_little() -> None:
    """Two people with one failure mode, one reader's reproduction, one failure: nothing to claim."""
    a = experiment(tool="ChatGPT", user_id="U1", failure_mode=FailureMode.CONFIDENT_WRONG)
    b = experiment(tool="Claude", user_id="U2", failure_mode=FailureMode.CONFIDENT_WRONG)
    d = digest_of([a, b], replications={a.id: Replication(reproduced=1)})
    assert d.things == ()


def test_credit_goes_through_one_function_and_welcomes_only_a_few_by_name() -> None:
    """Every sharer is credited once; six first-timers are welcomed as a number, five by name."""
    six = [experiment(user_id=f"U{n}") for n in range(6)]
    d = digest_of([*six, experiment(user_id="U0")], prior_sharers=frozenset({"OLD"}))
    assert d.sharers == tuple(f"U{n}" for n in range(6))
    assert not d.welcome_by_name
    assert digest_of(six[:5]).welcome_by_name


def test_late_entries_are_listed_and_credited_but_counted_for_their_own_week() -> None:
    """A late entry is carried and credited; numbers, groups and participation do not move."""
    mine = experiment(user_id="U1", tool="Claude", outcome=Outcome.FAILED)
    late = experiment(
        user_id="U2", tool="Claude", failure="dropped a step", week="2026-W47", surprise="fast"
    )
    d = digest_of([mine], shared_late=[late], audience=["U1", "U2"])
    assert (d.totals.experiments, d.asked_who_shared, d.first_time) == (1, 1, ("U1",))
    assert [e.id for g in d.groups for e in g.items] == [mine.id]
    assert d.sharers == ("U1", "U2")
    assert d.shared_late == (late,)
    only_late = digest_of([], shared_late=[late])
    assert not only_late.quiet
    assert only_late.totals.experiments == 0


def test_the_most_reacted_entry_needs_three_people_and_is_not_the_reproduced_one() -> None:
    """Three people besides the author make a thing to know; two do not; never twice."""
    a = experiment(tool="Claude", outcome=Outcome.WORKED, user_id="U1")
    b = experiment(tool="Cursor", outcome=Outcome.WORKED, user_id="U2")
    assert digest_of([a, b], reactions={a.id: 2}).things == ()
    d = digest_of([a, b], reactions={a.id: 3, b.id: 4})
    assert [(t.kind, t.entry, t.people) for t in d.things] == [("reacted", b, 4)]
    d = digest_of(
        [a, b],
        reactions={a.id: 3, b.id: 4},
        replications={b.id: Replication(reproduced=2)},
    )
    assert [(t.kind, t.entry) for t in d.things] == [("replicated", b), ("reacted", a)]
