"""The digest at real scale, end to end: 60 realistic entries from 40 people in five functions."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from datetime import timedelta

from slack_sdk.models.blocks import Block

from bot.runtime import Runtime
from core.digest import CELL_MIN, is_failure
from core.model import Experiment, Outcome, Source
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Message
from services.privacy import forget_person
from storage import replications
from storage.db import Database
from tests.digest_fixtures import add_people, people, realistic_week, store_entries
from tests.e2e.conftest import ADMIN, ALICE, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    all_text,
    digest_messages,
    install,
    leaders_ritual,
    tick,
)

WEEK = "2026-W48"


def _lines(message: Message) -> list[str]:
    """Every line of text a reader sees in a message, block by block."""
    lines: list[str] = []
    for block in message.blocks or []:
        texts = [block.get("text", {}).get("text", "")]
        texts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
        for text in texts:
            lines.extend(line for line in str(text).split("\n") if line.strip())
    return lines


async def _sixty(
    bot: Runtime, slack: FakeSlack, store: Database, clock: FakeClock
) -> list[Experiment]:
    ritual = await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    add_people(slack, people(40))
    week = realistic_week(week=WEEK, start=MONDAY_0800_UTC, ritual_id=ritual.id)
    await store_entries(store, week)
    return week


async def test_a_week_of_sixty_entries_reads_in_a_minute(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A short top post within Block Kit limits; every entry and every sharer in the thread."""
    week = await _sixty(bot, slack, store, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    top, *thread = digest_messages(slack)
    assert thread
    assert all(m.thread_ts == top.ts for m in thread)
    assert len(_lines(top)) <= 12
    assert "Three things to know" in all_text([top])
    assert "*60 experiments* from *40 people*" in all_text([top])
    assert top.text.startswith("Leaders digest for 2026-W48: 60 experiments from 40 people")
    for message in (top, *thread):
        assert message.blocks is not None
        assert len(message.blocks) <= 50
        for block in Block.parse_all(message.blocks):
            block.validate_json()
        assert sum(len(json.dumps(b)) for b in message.blocks) < 40_000
    text = all_text(thread)
    for exp in week:
        assert f"{exp.work}: " in text
        what = exp.failure or exp.summary
        assert what.replace("'", "\\u2019") in text or what in text
    # One entry per block with its menu: every entry is there once.
    menus = [
        b["accessory"]["options"][0]["value"]
        for m in thread
        for b in m.blocks or []
        if b.get("accessory", {}).get("type") == "overflow"
    ]
    assert sorted(v.split("|")[1] for v in menus) == sorted(e.id for e in week)
    # Every sharer is credited by name, none behind "…".
    everything = all_text([top, *thread])
    for person in people(40):
        assert person.name in everything
    assert "Failures rose" not in everything  # a first week has no history to rise against
    assert "…" not in json.dumps(
        [b for m in (top, *thread) for b in m.blocks or [] if "Thanks" in json.dumps(b)]
    )


async def test_the_function_table_shows_only_cells_with_enough_entries(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Each row of the tool x function table has at least the minimum, and its counts are right."""
    week = await _sixty(bot, slack, store, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    text = "\n".join(line for m in digest_messages(slack) for line in _lines(m))
    [table] = re.findall(r"```(.*?)```", text, re.DOTALL)
    rows = [re.split(r"\s{2,}", row.strip()) for row in table.strip().split("\n")[1:]]
    truth = Counter((e.tool, e.job_function.label, is_failure(e)) for e in week if e.job_function)
    assert rows
    for tool, function, worked, failed in rows:
        assert int(worked) + int(failed) >= CELL_MIN
        assert (int(worked), int(failed)) == (
            truth[(tool, function, False)],
            truth[(tool, function, True)],
        )
    small = {
        (tool, fn)
        for (tool, fn, _failed) in truth
        if truth[(tool, fn, False)] + truth[(tool, fn, True)] < CELL_MIN
    }
    shown = {(tool, fn) for tool, fn, _w, _f in rows}
    assert small
    assert not small & shown
    assert f"Only cells with at least {CELL_MIN} entries are shown" in text


def _history(weeks: int, *, ritual_id: str) -> list[Experiment]:
    """Earlier weeks in which Claude was used four times a week and failed once in all."""
    found = []
    for back in range(1, weeks + 1):
        at = MONDAY_0800_UTC - timedelta(weeks=back)
        week = f"2026-W{48 - back}"
        for n in range(4):
            found.append(
                Experiment(
                    id=f"h{back}n{n}",
                    team_id="T0LOL",
                    user_id="U0000PPL",
                    source=Source.THREAD,
                    summary="Used it for the RFP answers",
                    created_at=at,
                    updated_at=at,
                    week=week,
                    tool="Claude",
                    outcome=Outcome.FAILED if n == 0 and back == 1 else Outcome.WORKED,
                    ritual_id=ritual_id,
                )
            )
    return found


async def _rise(
    bot: Runtime, slack: FakeSlack, store: Database, clock: FakeClock, *, history_weeks: int
) -> tuple[list[Experiment], Message, str]:
    """The sixty entries after `history_weeks` weeks of Claude: the top post and all the text."""
    ritual = await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    add_people(slack, people(40))
    week = realistic_week(week=WEEK, start=MONDAY_0800_UTC, ritual_id=ritual.id)
    await store_entries(store, [*week, *_history(history_weeks, ritual_id=ritual.id)])
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    top, *_thread = digest_messages(slack)
    return week, top, all_text(digest_messages(slack))


async def test_no_rise_is_claimed_without_three_weeks_of_history(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Claude fails often this week, but two weeks of its history are too few to call it a rise."""
    _week, _top, text = await _rise(bot, slack, store, clock, history_weeks=2)
    assert "Failures rose" not in text
    assert "over its previous" not in text


async def test_a_rise_against_three_weeks_of_history_is_claimed_with_its_numbers(
    bot: Runtime, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Against 1 failure in 12 over three weeks, this week's Claude failures are a rise, with numbers."""
    week, top, text = await _rise(bot, slack, store, clock, history_weeks=3)
    claude = [e for e in week if e.tool == "Claude"]
    failed = sum(1 for e in claude if is_failure(e))
    assert failed >= 2
    claim = (
        f"Claude: {failed} failures in {len(claude)} entries this week, against 0.33 a week "
        "(1 of 12) over its previous 3 weeks of use"
    )
    assert f"Failures rose: {claim}" in all_text([top])  # the first of the three things
    assert text.count("over its previous") == 2  # in the top post and under "What changed"


def _menu_value(message: Message, experiment_id: str, answer: str) -> dict[str, object]:
    for block in message.blocks or []:
        for option in block.get("accessory", {}).get("options", []):
            if option["value"] == f"{answer}|{experiment_id}":
                return dict(option)
    raise LookupError(experiment_id)


async def test_readers_say_they_tried_it_too_and_the_counts_update(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """One changeable answer per reader; the thread message shows the counts; no self-votes."""
    week = await _sixty(bot, slack, store, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    digest = channel_id(slack, "ai-digest")
    _top, first, *_rest = digest_messages(slack)
    target = next(e for e in week if _has(first, e.id))
    readers = [p.user_id for p in people(40) if p.user_id != target.user_id][:3]

    async def choose(user: str, answer: str, *, wait: bool = True) -> None:
        message = next(m for m in digest_messages(slack) if m.ts == first.ts)
        await driver.block_action(
            user,
            "digest_replicate",
            channel_id=digest,
            message_ts=first.ts,
            block_id="entry",
            selected_option=_menu_value(message, target.id, answer),
            element_type="overflow",
        )
        if wait:
            await settle(bot)

    def shown() -> str:
        message = next(m for m in digest_messages(slack) if m.ts == first.ts)
        return next(
            str(b["text"]["text"])
            for b in message.blocks or []
            if b.get("accessory", {}).get("options", [{}])[0].get("value", "").endswith(target.id)
        )

    await choose(readers[0], "same")
    assert "tried too: 1 same, 0 could not reproduce" in shown()
    await choose(readers[1], "same")
    await choose(readers[2], "not")
    assert "tried too: 2 same, 1 could not reproduce" in shown()
    await choose(readers[0], "not")  # changes their answer: still one vote each
    assert "tried too: 1 same, 2 could not reproduce" in shown()
    await choose(readers[2], "clear")
    assert "tried too: 1 same, 1 could not reproduce" in shown()
    updates = [c for c in slack.calls("chat.update") if c.ok]
    assert len(updates) == 5
    await choose(target.user_id, "same")  # one's own entry: refused, privately
    assert "tried too: 1 same, 1 could not reproduce" in shown()
    assert len([c for c in slack.calls("chat.update") if c.ok]) == 5
    assert "your own entry" in json.dumps(slack.ephemerals(target.user_id)[-1].blocks)
    # An entry that is not in this message (a forged value) is refused, and nothing is stored.
    elsewhere = next(e for e in week if not _has(first, e.id))
    await driver.block_action(
        readers[1],
        "digest_replicate",
        channel_id=digest,
        message_ts=first.ts,
        block_id="entry",
        selected_option={
            "text": {"type": "plain_text", "text": "x"},
            "value": f"same|{elsewhere.id}",
        },
        element_type="overflow",
    )
    await settle(bot)
    assert "no longer shared" in json.dumps(slack.ephemerals(readers[1])[-1].blocks)
    async with store.read() as conn:
        assert await replications.tallies(conn, [elsewhere.id]) == {}
    # Answers given at the same moment: the message ends showing them all.
    others = [p.user_id for p in people(40) if p.user_id not in (target.user_id, *readers)][:4]
    await asyncio.gather(*(choose(user, "same", wait=False) for user in others))
    await settle(bot)
    assert "tried too: 5 same, 1 could not reproduce" in shown()
    # A reader who uses forget-me takes their answers with them.
    await forget_person(bot.deps, bot.client, team_id="T0LOL", user_id=readers[0])
    async with store.read() as conn:
        assert await replications.tallies(conn, [target.id]) == {target.id: (5, 0)}


async def test_an_update_overtaken_by_a_later_answer_is_rendered_again(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A's update is slow and lands after B's: A reads the counts again and shows both."""
    week = await _sixty(bot, slack, store, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    digest = channel_id(slack, "ai-digest")
    _top, first, *_rest = digest_messages(slack)
    target = next(e for e in week if _has(first, e.id))
    a, b = [p.user_id for p in people(40) if p.user_id != target.user_id][:2]
    option = _menu_value(first, target.id, "same")
    slack.slow_next("chat.update", seconds=0.5)  # the first update, A's, waits
    for user in (a, b):
        await driver.block_action(
            user,
            "digest_replicate",
            channel_id=digest,
            message_ts=first.ts,
            block_id="entry",
            selected_option=option,
            element_type="overflow",
        )
        await asyncio.sleep(0.2)  # A's update is on its way before B answers
    await settle(bot)
    message = next(m for m in digest_messages(slack) if m.ts == first.ts)
    assert "tried too: 2 same, 0 could not reproduce" in json.dumps(message.blocks)


async def test_an_admin_pins_an_entry_from_the_thread_and_it_leads_the_top_post(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """A non-admin is refused and nothing changes; an admin's pin updates the posted top post."""
    week = await _sixty(bot, slack, store, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    digest = channel_id(slack, "ai-digest")
    top, first, *_rest = digest_messages(slack)
    chosen = next(e for e in reversed(week) if _has(first, e.id) and not is_failure(e))

    async def pin(user: str) -> None:
        await driver.block_action(
            user,
            "digest_replicate",
            channel_id=digest,
            message_ts=first.ts,
            block_id="entry",
            selected_option=_menu_value(first, chosen.id, "pin"),
            element_type="overflow",
        )
        await settle(bot)

    def head() -> str:
        return all_text([m for m in digest_messages(slack) if m.ts == top.ts])

    before = head()
    await pin(ALICE)
    assert "Only admins can pin" in json.dumps(slack.ephemerals(ALICE)[-1].blocks)
    assert head() == before
    await pin(ADMIN)
    assert "now leads the digest's top post" in json.dumps(slack.ephemerals(ADMIN)[-1].blocks)
    text = head()
    assert f":pushpin: *{chosen.tool}* \\u00b7 {chosen.work}: " in text
    assert text.index(":pushpin:") < text.index("*60 experiments*")
    assert text.count("\\n\\u2022 ") == 3  # still three things, the pin first
    assert len(digest_messages(slack)) == 1 + len(_rest) + 1  # nothing new was posted


def _has(message: Message, experiment_id: str) -> bool:
    return f"|{experiment_id}" in json.dumps(message.blocks)
