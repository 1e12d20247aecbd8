"""Who an entry is credited to, and what of its author the digest may see (core/credit.py)."""

from __future__ import annotations

from core.credit import anonymised, byline, credit_key, function_cells
from core.digest import build_digest
from core.model import JobFunction, Outcome, Source
from tests.factories import experiment

LEGAL3 = {JobFunction.LEGAL: 3}
LEGAL2 = {JobFunction.LEGAL: 2}


def test_named_entries_are_credited_by_name_and_left_as_they_are() -> None:
    exp = experiment(user_id="U7", job_function=JobFunction.LEGAL)
    assert credit_key(exp) == "U7"
    assert byline(exp, "Alice", LEGAL3) == "Alice"
    assert anonymised(exp, {}) is exp


def test_an_anonymous_byline_names_a_function_only_in_a_large_enough_cell() -> None:
    exp = experiment(anonymous=True, job_function=JobFunction.LEGAL)
    assert byline(exp, "Alice", LEGAL3) == "someone in Legal"
    assert byline(exp, "Alice", LEGAL2) == "someone"
    assert byline(experiment(anonymous=True), "Alice", LEGAL3) == "someone"


def test_anonymised_takes_the_author_out() -> None:
    """No user id, no link to a thread reply (it shows its author), no function in a small cell."""
    reply = experiment(
        anonymous=True,
        user_id="U7",
        source=Source.THREAD,
        permalink="https://x/p1",
        channel_id="C1",
        message_ts="1.2",
        job_function=JobFunction.LEGAL,
    )
    seen = anonymised(reply, LEGAL2)
    assert (seen.user_id, seen.permalink, seen.channel_id, seen.message_ts, seen.job_function) == (
        f"anonymous:{reply.id}",
        None,
        None,
        None,
        None,
    )
    assert anonymised(reply, LEGAL3).job_function is JobFunction.LEGAL
    copy = experiment(
        anonymous=True, source=Source.COMMAND, permalink="https://x/bot-copy", echo_channel_id="C1"
    )
    assert anonymised(copy, {}).permalink == "https://x/bot-copy"  # the bot's copy in a channel
    in_dm = experiment(
        anonymous=True, source=Source.COMMAND, permalink="https://x/D1/p1", echo_channel_id="D1"
    )
    assert anonymised(in_dm, {}).permalink is None  # the DM's id is in the author's other links


def test_function_cells_count_people_per_function() -> None:
    assert function_cells({"U1": JobFunction.LEGAL, "U2": JobFunction.LEGAL, "U3": None}) == {
        JobFunction.LEGAL: 2
    }


def test_anonymous_entries_count_for_no_one_in_the_digest() -> None:
    """Experiments and tallies count them; credits, welcomes, people and participation do not."""
    named = experiment(user_id="U1", outcome=Outcome.FAILED, tool="Copilot")
    hidden = anonymised(
        experiment(user_id="U2", outcome=Outcome.FAILED, tool="Copilot", anonymous=True), {}
    )
    digest = build_digest(
        week="2026-W48",
        ritual_name="Leaders",
        experiments=[named, hidden],
        previous_week=[],
        trailing={},
        known_tools=frozenset(),
        prior_sharers=frozenset(),
        audience=["U1", "U2"],
    )
    assert (digest.totals.experiments, digest.totals.people) == (2, 1)
    assert digest.sharers == ("U1",)
    assert digest.first_time == ("U1",)
    assert digest.asked_who_shared == 1
    assert digest.groups[0].failures == 2
