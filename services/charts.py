"""The digest's chart: eight weeks of entries and failures by tool, uploaded into its thread.

Rules:
- The chart is optional (`DIGEST_CHART=off`), and its absence never blocks the digest: every
  way it can fail (disabled, nothing to draw, matplotlib missing, the renderer raising, Slack
  refusing the upload) is one log line saying why, and the digest carries on.
- It is a claimed send like every other (`storage.sends`), keyed by the digest's thread
  (`chart:<ritual>:<week>:<channel>@<thread ts>`), so a restart or a second replica never
  uploads it twice into the same thread. A digest posted afresh (`digest --post --force`) is a
  new thread and gets its chart there.
- `files_upload_v2` is three calls: `files.getUploadURLExternal`, the bytes POSTed to the URL
  it returns, and `files.completeUploadExternal`, which shares the file into the thread. A
  refusal before the share (a 429, an API error, a failed byte upload, no connection) shared
  nothing: a rate-limited or failed byte upload is released for a later `digest --post`, an
  API error is recorded for good. When the share may have happened without the bot knowing
  (a 5xx or timeout after the request went out, a cancelled call, a claim taken over after a
  crash), the chart is recorded as failed and never uploaded again: a missing chart is better
  than a doubled one.
- The numbers are counted by the database (`storage.charts`) and drawn in a thread, so the
  event loop keeps serving Slack while matplotlib works.
"""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from core.chart_data import ChartSeries, build_series, chart_weeks, week_label
from core.occurrence import SETTLED, SendKind
from core.rituals import Ritual
from core.weeks import WeekId
from services.chart_render import ChartUnavailable, render_png
from services.deps import ChartRenderer, Deps
from storage import charts as store
from storage import sends
from storage.sends import Claim

log = logging.getLogger(__name__)

ALT_TEXT_LIMIT = 1000  # files.getUploadURLExternal: `alt_txt_too_large` beyond this


class ChartOutcome(StrEnum):
    UPLOADED = "uploaded"
    DISABLED = "disabled"
    NO_THREAD = "no_thread"
    ALREADY = "already_claimed"  # uploaded, failed for good, or being uploaded elsewhere
    NOTHING_TO_DRAW = "nothing_to_draw"
    UNAVAILABLE = "library_missing"
    RENDER_FAILED = "renderer_error"
    SHUTTING_DOWN = "shutting_down"
    UPLOAD_FAILED = "upload_error"
    IN_DOUBT = "in_doubt"
    ERROR = "error"  # anything else (the database unreachable, a bug): logged, never raised


def chart_recipient(channel: str, thread_ts: str) -> str:
    """The chart's recipient in its send key: the digest's thread."""
    return f"{channel}@{thread_ts}"


async def post_chart(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    channel: str,
    thread_ts: str | None,
) -> ChartOutcome:
    """Draw the ritual's eight-week chart and upload it into the digest's thread, once."""
    try:
        outcome = await _post_chart(deps, client, ritual, week, channel, thread_ts)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the digest is posted whatever happens to its chart
        log.warning(
            "digest chart skipped ritual=%s week=%s reason=%s error=%r",
            ritual.name,
            week,
            ChartOutcome.ERROR.value,
            exc,
        )
        return ChartOutcome.ERROR
    return outcome


async def _post_chart(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    channel: str,
    thread_ts: str | None,
) -> ChartOutcome:
    def skipped(outcome: ChartOutcome, detail: str = "") -> ChartOutcome:
        log.info(
            "digest chart skipped ritual=%s week=%s reason=%s%s",
            ritual.name,
            week,
            outcome.value,
            f" {detail}" if detail else "",
        )
        return outcome

    if not deps.chart.enabled:
        return skipped(ChartOutcome.DISABLED, "(DIGEST_CHART=off)")
    if thread_ts is None:
        return skipped(ChartOutcome.NO_THREAD)
    recipient = chart_recipient(channel, thread_ts)
    async with deps.db.read() as conn:
        before = await sends.get_send(
            conn, sends.send_key(SendKind.CHART, ritual.id, week, recipient)
        )
    if before is not None and before.status in SETTLED:
        return ChartOutcome.ALREADY  # a later run of a posted digest: nothing to say again
    series = await gather(deps, ritual, week)
    if series.total_entries == 0:
        return skipped(ChartOutcome.NOTHING_TO_DRAW)
    try:
        png = await asyncio.to_thread(_renderer(deps), series)
    except ChartUnavailable as exc:
        log.warning(
            "digest chart skipped ritual=%s week=%s reason=%s: %s",
            ritual.name,
            week,
            ChartOutcome.UNAVAILABLE.value,
            exc,
        )
        return ChartOutcome.UNAVAILABLE
    except Exception as exc:
        log.warning(
            "digest chart skipped ritual=%s week=%s reason=%s error=%r",
            ritual.name,
            week,
            ChartOutcome.RENDER_FAILED.value,
            exc,
        )
        return ChartOutcome.RENDER_FAILED
    if deps.inflight.draining:
        return skipped(ChartOutcome.SHUTTING_DOWN)
    async with deps.db.transaction() as conn:
        claim = await sends.claim_send(
            conn,
            kind=SendKind.CHART,
            ritual_id=ritual.id,
            week=week,
            recipient=recipient,
            now=deps.clock(),
            lease=deps.lease.length,
        )
    if claim is None:
        return skipped(ChartOutcome.ALREADY)
    if claim.maybe_posted:
        # An earlier attempt died or was cut off mid-upload: it may be in the thread already.
        await _failed(deps, claim, "in_doubt", retry=False, maybe_posted=True)
        return skipped(ChartOutcome.IN_DOUBT, "(an earlier upload may have been shared)")
    return await _upload(deps, client, ritual, week, channel, thread_ts, claim, series, png)


def _renderer(deps: Deps) -> ChartRenderer:
    return deps.chart.render if deps.chart.render is not None else render_png


async def gather(deps: Deps, ritual: Ritual, week: WeekId) -> ChartSeries:
    """Count the ritual's eight weeks in the database and arrange them for the chart."""
    weeks = chart_weeks(week)
    first, last = str(weeks[0]), str(weeks[-1])
    async with deps.db.read() as conn:
        counts = await store.weekly_counts(conn, ritual.team_id, ritual.id, first=first, last=last)
        asked = await store.audiences(conn, ritual.id, first=first, last=last)
    return build_series(ritual_name=ritual.name, weeks=weeks, counts=counts, audiences=asked)


def alt_text(series: ChartSeries) -> str:
    """Say in words what the chart shows, for screen readers."""
    this_week = sum(row[-1] for row in series.entries.values())
    failed = sum(row[-1] for row in series.failures.values())
    tools = ", ".join(
        f"{tool} {sum(series.entries[tool])} entries, {sum(series.failures[tool])} failures"
        for tool in series.tools
    )
    text = (
        f"Bar charts of entries shared and failures reported per week by tool, "
        f"{week_label(series.weeks[0])} to {week_label(series.weeks[-1])}. "
        f"This week: {this_week} entries, {failed} failures. Over the weeks: {tools}."
    )
    return text[:ALT_TEXT_LIMIT]


async def _upload(
    deps: Deps,
    client: AsyncWebClient,
    ritual: Ritual,
    week: WeekId,
    channel: str,
    thread_ts: str,
    claim: Claim,
    series: ChartSeries,
    png: bytes,
) -> ChartOutcome:
    try:
        response = await client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file=png,
            filename=f"digest-chart-{week}.png",
            title=f"{ritual.name}: the last {len(series.weeks)} weeks by tool",
            alt_txt=alt_text(series),
        )
    except asyncio.CancelledError:
        await asyncio.shield(_failed(deps, claim, "interrupted", retry=False, maybe_posted=True))
        raise
    except SlackApiError as exc:
        status = int(exc.response.status_code or 0)
        error = str(exc.response.get("error") or f"http_{status}")
        sharing = str(exc.response.api_url).endswith("files.completeUploadExternal")
        if status == 429 or error == "ratelimited":
            await _failed(deps, claim, "ratelimited", retry=True)
        elif status != 200 and sharing:  # a 5xx: Slack may have shared it before failing
            await _failed(deps, claim, error, retry=False, maybe_posted=True)
        else:
            await _failed(deps, claim, error, retry=False)
        return _upload_failed(ritual, week, error)
    except SlackRequestError as exc:  # the bytes were refused: nothing was shared
        await _failed(deps, claim, "upload_refused", retry=True)
        return _upload_failed(ritual, week, f"upload_refused {exc}")
    except aiohttp.ClientConnectorError as exc:  # no connection: nothing reached Slack
        await _failed(deps, claim, type(exc).__name__, retry=True)
        return _upload_failed(ritual, week, type(exc).__name__)
    except (aiohttp.ClientError, TimeoutError) as exc:  # which of the three calls? in doubt
        await _failed(deps, claim, type(exc).__name__, retry=False, maybe_posted=True)
        return _upload_failed(ritual, week, type(exc).__name__)
    files = response.get("files") or [{}]
    file_id = str(files[0].get("id") or "")
    async with deps.db.transaction() as conn:
        await sends.mark_sent(conn, claim.key, channel_id=channel, ts=file_id, now=deps.clock())
    log.info(
        "digest chart uploaded ritual=%s week=%s file=%s bytes=%d",
        ritual.name,
        week,
        file_id,
        len(png),
    )
    return ChartOutcome.UPLOADED


def _upload_failed(ritual: Ritual, week: WeekId, error: str) -> ChartOutcome:
    log.warning(
        "digest chart skipped ritual=%s week=%s reason=%s error=%s",
        ritual.name,
        week,
        ChartOutcome.UPLOAD_FAILED.value,
        error,
    )
    return ChartOutcome.UPLOAD_FAILED


async def _failed(
    deps: Deps, claim: Claim, error: str, *, retry: bool, maybe_posted: bool = False
) -> None:
    async with deps.db.transaction() as conn:
        await sends.mark_failed(
            conn, claim, error=error, now=deps.clock(), retry=retry, maybe_posted=maybe_posted
        )
