"""Tool and model kept apart, end to end: capture, confirmation, form, export, digest, drift."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import timedelta

from blocks.digest import DigestMessage as RenderedMessage
from bot.runtime import Runtime
from core.model import Experiment, Outcome, Source
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from services.export import render_export
from storage import experiments as repo
from storage.db import Database, new_id
from tests.e2e.conftest import ALICE, BOB, CHEN, FakeClock, channel_id, settle
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    MONDAY_0800_UTC,
    all_text,
    digest_messages,
    form,
    install,
    leaders_ritual,
    tick,
)


async def stored(store: Database) -> list[Experiment]:
    async with store.transaction() as conn:
        return await repo.list_since(conn, None, include_private=True)


async def test_tried_and_a_reply_keep_product_and_model_through_export_and_digest(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """`/tried GPT-5: …` is ChatGPT with GPT-5; a reply naming Claude 3.7 Sonnet is Claude with it."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    clock.advance(hours=2)
    await driver.slash_command(ALICE, "GPT-5: drafted the board memo, it invented a revenue figure")
    await driver.post_message(
        BOB, leaders, "Claude 3.7 Sonnet hallucinated a table in the QBR deck", thread_ts=prompt
    )
    await driver.slash_command(CHEN, "ChatGPT: summarised the RFC, worked great")
    await settle(bot)

    by_user = {e.user_id: (e.tool, e.model) for e in await stored(store)}
    assert by_user == {
        ALICE: ("ChatGPT", "GPT-5"),
        BOB: ("Claude", "Claude 3.7 Sonnet"),
        CHEN: ("ChatGPT", None),
    }
    assert "ChatGPT (GPT-5)" in json.dumps(slack.ephemerals(ALICE)[-1].blocks)

    rows = list(csv.DictReader(io.StringIO(render_export(await stored(store), "csv"))))
    assert sorted((r["tool"], r["model"]) for r in rows) == [
        ("ChatGPT", ""),
        ("ChatGPT", "GPT-5"),
        ("Claude", "Claude 3.7 Sonnet"),
    ]

    await tick(bot, clock, FRIDAY_1600_BERLIN)
    text = all_text(digest_messages(slack))
    assert "with 2 tools;" in text  # GPT-5 does not count as a tool of its own
    assert "*ChatGPT* \\u00b7 2 entries, 1 failed" in text
    assert "*Claude* \\u00b7 1 entry" in text
    assert "*ChatGPT* (GPT-5) \\u00b7" in text
    assert "_(Confident wrong answer)_" in text
    assert "*GPT-5*" not in text
    assert "*Claude 3.7 Sonnet*" not in text


async def test_the_form_shows_and_edits_the_model(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """The form's optional model field is stored normalised, and shown again on Edit."""
    await driver.slash_command(ALICE, "")
    await settle(bot)
    view_id = driver.last_view(ALICE, "experiment_form")
    await driver.view_submission(
        ALICE, view_id, form(tool="claude", model="sonnet 4.5", summary="wrote the tests")
    )
    await settle(bot)
    [exp] = await stored(store)
    assert (exp.tool, exp.model) == ("Claude", "Claude Sonnet 4.5")

    await driver.block_action(ALICE, "experiment_edit", exp.id)
    await settle(bot)
    edit_id = driver.last_view(ALICE)
    [model_input] = [
        b for b in slack.ws.views[edit_id].view["blocks"] if b.get("block_id") == "model"
    ]
    assert model_input["element"]["initial_value"] == "Claude Sonnet 4.5"
    await driver.view_submission(
        ALICE, edit_id, form(tool="Claude", model="opus 4", summary="wrote the tests")
    )
    await settle(bot)
    [edited] = await stored(store)
    assert (edited.id, edited.tool, edited.model) == (exp.id, "Claude", "Claude Opus 4")


async def test_an_edited_reply_reads_its_model_again(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock, store: Database
) -> None:
    """Editing a captured reply to name another model updates the model, not the product."""
    await install(bot, leaders_ritual(slack))
    await tick(bot, clock, MONDAY_0800_UTC)
    leaders = channel_id(slack, "leaders")
    prompt = slack.messages(leaders)[0].ts
    reply, _ = await driver.post_message(
        ALICE, leaders, "ChatGPT drafted the memo", thread_ts=prompt
    )
    await settle(bot)
    await driver.edit_message(leaders, reply.ts, "Drafted the memo, it was on o3 this time")
    await settle(bot)
    [exp] = await stored(store)
    assert (exp.tool, exp.model) == ("ChatGPT", "o3")


async def weeks_of_entries(
    store: Database, counts: dict[str, tuple[int, int]], *, model_from: str
) -> None:
    """ChatGPT entries per week (entries, failures); from `model_from` on they name GPT-5."""
    async with store.transaction() as conn:
        for week, (entries, failures) in counts.items():
            monday = WeekId.parse(week).monday()
            for n in range(entries):
                failed = n < failures
                created = MONDAY_0800_UTC.replace(
                    year=monday.year, month=monday.month, day=monday.day
                ) + timedelta(hours=n)
                exp = Experiment(
                    id=new_id(),
                    team_id="T0LOL",
                    user_id=(ALICE, BOB, CHEN)[n % 3],
                    source=Source.COMMAND,
                    summary=f"entry {n} of {week}",
                    created_at=created,
                    updated_at=created,
                    week=week,
                    tool="ChatGPT",
                    model="GPT-5" if week >= model_from and n % 2 == 0 else "GPT-4o",
                    outcome=Outcome.FAILED if failed else Outcome.WORKED,
                    failure="it made up a number" if failed else "",
                    ritual_id="r-leaders",
                )
                await repo.insert_experiment(conn, exp, source_key=f"seed:{exp.id}")


async def test_drift_since_a_new_model_is_claimed_only_with_enough_entries(
    bot: Runtime, slack: FakeSlack, store: Database
) -> None:
    """GPT-5 first appears in W45: the W48 digest compares; with too few entries it says nothing."""
    ritual = leaders_ritual(slack)
    await weeks_of_entries(
        store,
        {
            "2026-W40": (4, 1),
            "2026-W42": (4, 0),
            "2026-W44": (4, 1),
            "2026-W45": (3, 2),
            "2026-W46": (4, 2),
            "2026-W48": (3, 2),
        },
        model_from="2026-W45",
    )
    digest, _ = await digests.gather(bot.deps, ritual, WeekId.parse("2026-W48"))
    [drift] = digest.drift
    assert (drift.tool, drift.model, drift.since) == ("ChatGPT", "GPT-5", "2026-W45")
    text = all_text_of(await digests.render(bot.deps, bot.client, ritual, WeekId.parse("2026-W48")))
    assert (
        "ChatGPT since GPT-5 first appeared (2026-W45): 6 of 10 failed (60%);"
        " in the 8 weeks before, 2 of 12 (17%)"
    ) in text

    # In W46 the "since" side holds W45 and W46, 7 entries: enough. In W45 it holds 3: too few.
    w46, _ = await digests.gather(bot.deps, ritual, WeekId.parse("2026-W46"))
    w45, _ = await digests.gather(bot.deps, ritual, WeekId.parse("2026-W45"))
    assert [(d.after.entries, d.before.entries) for d in w46.drift] == [(7, 12)]
    assert w45.drift == ()


def all_text_of(messages: Sequence[RenderedMessage]) -> str:
    return json.dumps([m.blocks for m in messages])
