""" "Skip this week" trusts nobody's button value: only a ritual that asks the person is skipped."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text

from bot.runtime import Runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database
from tests.e2e.conftest import ALICE, DANA, FakeClock, settle
from tests.e2e.helpers import MONDAY_0800_UTC, install, leaders_ritual, tick

WEEK = "2026-W48"


async def skips(store: Database) -> list[tuple[str, str, str]]:
    async with store.transaction() as conn:
        rows = await conn.execute(text("SELECT ritual_id, week, user_id FROM skips ORDER BY 1, 3"))
        return [(row[0], row[1], row[2]) for row in rows]


async def test_a_person_skips_a_week_of_a_ritual_that_asks_them(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Alice, asked by the ritual, skips the week, and is told so; a second press changes nothing."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    await driver.block_action(ALICE, "ritual_skip_week", f"r-leaders|{WEEK}")
    await driver.block_action(ALICE, "ritual_skip_week", f"r-leaders|{WEEK}")
    await settle(bot)
    assert await skips(store) == [("r-leaders", WEEK, ALICE)]
    assert [e.text for e in slack.ephemerals(ALICE)][-1].startswith("Skipped for this week")


async def test_a_forged_ritual_id_is_refused(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A button value naming another team's ritual, one that does not ask the person, or none at all stores no skip."""
    await install(bot, leaders_ritual(slack))  # asks Alice, Bob and Chen: not Dana
    await install(bot, replace(leaders_ritual(slack), id="r-other-team", team_id="T0OTHER"))
    await tick(bot, clock, MONDAY_0800_UTC)
    await driver.block_action(DANA, "ritual_skip_week", f"r-leaders|{WEEK}")
    await driver.block_action(ALICE, "ritual_skip_week", f"r-other-team|{WEEK}")
    await driver.block_action(ALICE, "ritual_skip_week", f"r-nowhere|{WEEK}")
    await driver.block_action(ALICE, "ritual_skip_week", "r-leaders|not-a-week")
    await settle(bot)
    assert await skips(store) == []
    refusals = [e.text for e in slack.ephemerals(ALICE)] + [e.text for e in slack.ephemerals(DANA)]
    assert refusals == ["That ritual does not ask you, so there is nothing to skip."] * 4
