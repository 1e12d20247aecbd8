"""The digest's chart end to end: uploaded into the digest's thread once, or skipped cleanly.

Skipped (off, nothing to draw, no matplotlib, a renderer or upload error) means: the digest is
posted all the same, one log line says why, and nothing is ever uploaded twice.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.runtime import Runtime, start_runtime
from core.chart_data import ChartSeries
from core.occurrence import SendKind, SendStatus
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import UPLOAD, FakeSlack
from fakeslack.state import PNG_SIGNATURE
from services import charts, digests
from services.charts import ChartOutcome, chart_recipient
from services.deps import ChartOptions, Deps
from services.ritual_runs import run_due
from storage import sends
from storage.db import Database
from tests.e2e.conftest import FakeClock, bot_config, channel_id
from tests.e2e.helpers import (
    FRIDAY_1600_BERLIN,
    GRACE,
    a_week_of_sharing,
    chart_messages,
    digest_messages,
    leaders_ritual,
    tick,
)

WEEK = WeekId.parse("2026-W48")


def uploads(slack: FakeSlack) -> int:
    """How many uploads the bot began (files.getUploadURLExternal calls that succeeded)."""
    return sum(1 for c in slack.calls("files.getUploadURLExternal") if c.ok)


async def post_again(bot: Runtime, slack: FakeSlack, deps: Deps | None = None) -> None:
    """Post the W48 digest again, as `digest --post` (or another replica) would."""
    assert bot.client is not None
    await digests.post_digest(deps or bot.deps, bot.client, leaders_ritual(slack), WEEK)


async def chart_send(bot: Runtime, slack: FakeSlack) -> sends.Send | None:
    """The chart's claimed send for the W48 digest, if any."""
    main, *_thread = digest_messages(slack)
    key = sends.send_key(
        SendKind.CHART,
        "r-leaders",
        WEEK,
        chart_recipient(channel_id(slack, "ai-digest"), main.ts),
    )
    async with bot.db.transaction() as conn:
        return await sends.get_send(conn, key)


async def test_chart_is_uploaded_into_the_digest_thread(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """files_upload_v2's three calls share one PNG as a reply in the digest's thread."""
    caplog.set_level(logging.INFO, logger="services.charts")
    await a_week_of_sharing(bot, driver, slack, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    main, *_thread = digest_messages(slack)
    digest = channel_id(slack, "ai-digest")
    [chart] = slack.files_in(digest, main.ts)
    assert chart.data is not None
    assert chart.data.startswith(PNG_SIGNATURE)
    assert chart.mimetype == "image/png"
    assert chart.title == "Leaders: the last 8 weeks by tool"
    assert "This week: 4 entries, 2 failures" in chart.alt_txt
    assert [channel for channel, _ in chart.shares] == [digest]
    [share] = chart_messages(slack)
    assert share.thread_ts == main.ts
    assert (main.reply_count, main.latest_reply) == (2, share.ts)  # after the thread part
    assert [c.method for c in slack.ws.calls if "upload" in c.method.lower()] == [
        "files.getUploadURLExternal",
        UPLOAD,
        "files.completeUploadExternal",
    ]
    [complete] = slack.calls("files.completeUploadExternal")
    assert (complete.args["channel_id"], complete.args["thread_ts"]) == (digest, main.ts)
    record = await chart_send(bot, slack)
    assert record is not None
    assert (record.status, record.ts) == (SendStatus.SENT, chart.id)
    assert f"digest chart uploaded ritual=Leaders week=2026-W48 file={chart.id}" in caplog.text


async def test_chart_is_uploaded_once_by_two_replicas_and_after_a_restart(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    database_url: str,
) -> None:
    """Two processes posting the digest at once, then a third run: one digest, one chart."""
    await a_week_of_sharing(bot, driver, slack, clock)
    other = Database.connect(database_url)
    try:
        await asyncio.gather(
            post_again(bot, slack), post_again(bot, slack, replace(bot.deps, db=other))
        )
        restarted = Database.connect(database_url)
        try:
            await post_again(bot, slack, replace(bot.deps, db=restarted))
            await tick(bot, clock, FRIDAY_1600_BERLIN + timedelta(hours=1))
        finally:
            await restarted.close()
    finally:
        await other.close()
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert len(chart_messages(slack)) == 1
    assert uploads(slack) == 1


async def test_two_processes_drawing_the_chart_at_once_upload_it_once(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    database_url: str,
) -> None:
    """Both draw it; the claim in the database lets one of them upload it."""
    await a_week_of_sharing(bot, driver, slack, clock)
    await tick_with(bot, clock, without_chart(bot), FRIDAY_1600_BERLIN)
    main, *_thread = digest_messages(slack)
    assert bot.client is not None
    ritual, digest = leaders_ritual(slack), channel_id(slack, "ai-digest")
    other = Database.connect(database_url)
    try:
        outcomes = await asyncio.gather(
            charts.post_chart(bot.deps, bot.client, ritual, WEEK, digest, main.ts),
            charts.post_chart(
                replace(bot.deps, db=other), bot.client, ritual, WEEK, digest, main.ts
            ),
        )
    finally:
        await other.close()
    assert sorted(outcomes) == sorted([ChartOutcome.UPLOADED, ChartOutcome.ALREADY])
    assert uploads(slack) == 1
    assert len(chart_messages(slack)) == 1


async def test_a_chart_cut_off_mid_upload_is_not_uploaded_again(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """A claim whose owner died mid-upload may have been shared: later runs never upload it."""
    await a_week_of_sharing(bot, driver, slack, clock)
    await tick_with(bot, clock, without_chart(bot), FRIDAY_1600_BERLIN)
    main, *_thread = digest_messages(slack)
    async with bot.db.transaction() as conn:  # a process claimed the chart, then died
        assert await sends.claim_send(
            conn,
            kind=SendKind.CHART,
            ritual_id="r-leaders",
            week=WEEK,
            recipient=chart_recipient(channel_id(slack, "ai-digest"), main.ts),
            now=clock(),
            lease=bot.deps.lease.length,
        )
    clock.advance(seconds=bot.deps.lease.length.total_seconds() + 1)
    await post_again(bot, slack)
    await post_again(bot, slack)
    assert uploads(slack) == 0
    record = await chart_send(bot, slack)
    assert record is not None
    assert (record.status, record.error) == (SendStatus.FAILED, "in_doubt")


def without_chart(bot: Runtime) -> Deps:
    return replace(bot.deps, chart=ChartOptions(enabled=False))


async def tick_with(bot: Runtime, clock: FakeClock, deps: Deps, at: datetime) -> None:
    """One scheduled run at `at` with other dependencies (a chart renderer, the chart off)."""
    assert bot.client is not None
    clock.set(at)
    await run_due(deps, bot.client, now=clock(), grace=GRACE)


async def test_chart_off_posts_the_digest_without_it(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """DIGEST_CHART=off: the digest is posted, nothing is uploaded, the log says so."""
    caplog.set_level(logging.INFO, logger="services.charts")
    await a_week_of_sharing(bot, driver, slack, clock)
    off = await start_runtime(
        bot_config(slack, database_url, DIGEST_CHART="off"), clock=clock, scheduling=False
    )
    try:
        assert off.deps.chart.enabled is False
        await tick_with(off, clock, off.deps, FRIDAY_1600_BERLIN)
    finally:
        await off.stop()
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert chart_messages(slack) == []
    assert uploads(slack) == 0
    assert "digest chart skipped ritual=Leaders week=2026-W48 reason=disabled" in caplog.text


def broken_renderer(series: ChartSeries) -> bytes:
    raise ValueError(f"cannot draw {len(series.tools)} tools")


async def test_a_failing_renderer_leaves_the_digest_posted(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The renderer raises: the digest is posted, nothing is claimed or uploaded, one log line."""
    caplog.set_level(logging.INFO, logger="services.charts")
    await a_week_of_sharing(bot, driver, slack, clock)
    broken = replace(bot.deps, chart=ChartOptions(render=broken_renderer))
    await tick_with(bot, clock, broken, FRIDAY_1600_BERLIN)
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert uploads(slack) == 0
    assert await chart_send(bot, slack) is None
    assert (
        "digest chart skipped ritual=Leaders week=2026-W48 reason=renderer_error"
        " error=ValueError('cannot draw 3 tools')" in caplog.text
    )


async def test_without_matplotlib_the_digest_is_posted_without_a_chart(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The chart extra not installed: the digest is posted and the log says how to install it."""
    caplog.set_level(logging.INFO, logger="services.charts")
    for name in ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, name, None)  # `import` now raises ImportError
    await a_week_of_sharing(bot, driver, slack, clock)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert uploads(slack) == 0
    assert "reason=library_missing: matplotlib is not installed" in caplog.text


async def test_a_refused_share_is_logged_and_not_tried_again(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """completeUploadExternal answers not_in_channel: digest posted, chart failed for good."""
    caplog.set_level(logging.INFO, logger="services.charts")
    await a_week_of_sharing(bot, driver, slack, clock)
    slack.fail_next("files.completeUploadExternal", error="not_in_channel")
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert chart_messages(slack) == []
    assert "reason=upload_error error=not_in_channel" in caplog.text
    await post_again(bot, slack)
    assert uploads(slack) == 1  # the refused one only
    record = await chart_send(bot, slack)
    assert record is not None
    assert record.status is SendStatus.FAILED


async def test_a_failed_byte_upload_is_tried_again_by_the_next_post(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """The upload URL answers 500: nothing was shared, so `digest --post` uploads it, once."""
    await a_week_of_sharing(bot, driver, slack, clock)
    slack.fail_next(UPLOAD, status=500)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert chart_messages(slack) == []
    record = await chart_send(bot, slack)
    assert record is not None
    assert record.status is SendStatus.RETRY
    await post_again(bot, slack)
    await post_again(bot, slack)
    assert len(chart_messages(slack)) == 1
    assert uploads(slack) == 2


async def test_a_share_answered_500_is_never_repeated(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, clock: FakeClock
) -> None:
    """Slack shared the chart, then answered 500: the bot cannot know, so it never uploads again."""
    await a_week_of_sharing(bot, driver, slack, clock)
    slack.fail_next("files.completeUploadExternal", status=500, accepted=True)
    await tick(bot, clock, FRIDAY_1600_BERLIN)
    await post_again(bot, slack)
    assert len(digest_messages(slack)) == 2  # the top post and its thread
    assert len(chart_messages(slack)) == 1
    assert uploads(slack) == 1
    record = await chart_send(bot, slack)
    assert record is not None
    assert record.status is SendStatus.FAILED
