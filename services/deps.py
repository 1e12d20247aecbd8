"""What every listener, job and command needs, passed as one object.

A global middleware puts it in Bolt's context as `context["deps"]`, so each listener takes a
`deps` argument. Bolt fills listener arguments by name and silently passes None for a name it
does not know; `handlers.tracking` refuses to call a listener without a `Deps`, and
`tests/e2e/test_deps.py` checks that every listener taking it is so guarded and that a command,
an event, a button and a form each reach their listener with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.tools import DEFAULT_CATALOGUE, ToolCatalogue
from services.inflight import InFlight
from storage.sends import Lease

if TYPE_CHECKING:  # for annotations only: commands without Slack load no HTTP client
    from core.chart_data import ChartSeries
    from services.llm import LanguageModel
    from services.people import PeopleDirectory
    from storage.db import Database

Clock = Callable[[], datetime]
ChartRenderer = Callable[["ChartSeries"], bytes]


@dataclass(frozen=True)
class ChartOptions:
    """The digest's chart: on or off (`DIGEST_CHART`), and what draws it."""

    enabled: bool = True
    render: ChartRenderer | None = None  # None: `services.chart_render.render_png`


def system_clock() -> datetime:
    """Return the current instant: the only place the bot reads the wall clock."""
    return datetime.now(UTC)


def _people() -> PeopleDirectory:
    from services.people import PeopleDirectory  # loads slack_sdk: only where Deps is built

    return PeopleDirectory()


@dataclass(frozen=True)
class Deps:
    db: Database
    clock: Clock = system_clock
    catalogue: ToolCatalogue = DEFAULT_CATALOGUE
    admins: frozenset[str] = frozenset()
    inflight: InFlight = field(default_factory=InFlight)
    llm: LanguageModel | None = None  # the optional language model; None when not configured
    lease: Lease = field(
        default_factory=Lease
    )  # of send claims: see `storage.sends` and `services.sending`
    # People whose job-function question is settled, until when (`services.function_question`).
    function_settled: dict[str, datetime] = field(default_factory=dict)
    # Who people are (zone, name, admin), shared by commands, replies and the scheduler.
    people: PeopleDirectory = field(default_factory=_people)
    chart: ChartOptions = field(default_factory=ChartOptions)  # see `services.charts`
