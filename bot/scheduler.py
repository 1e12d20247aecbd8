"""Waking the bot: APScheduler calls `run_due` every `TICK_SECONDS` and once at start-up.

APScheduler keeps no state of ours (its in-memory job store is rebuilt at each start); the
database decides what is due and what was already sent, so a doubled wake-up, a restart or a
second replica changes nothing. Every instant comes from `deps.clock`, never from APScheduler.

Shutdown: APScheduler's executor cancels a running job when the scheduler shuts down, which
would cut a fan-out off between claiming and posting. So the timer is paused first, the run
under way is drained with the listeners' work (`deps.inflight`: it finishes the sends it has
claimed and claims no new ones), and only then is APScheduler shut down.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from services.deps import Deps, system_clock
from services.ritual_runs import run_due
from storage.events import forget_events_before
from storage.message_changes import forget_changes_before

log = logging.getLogger(__name__)

TICK_SECONDS = 30
EVENT_CLAIMS_KEPT = timedelta(days=1)
# Tombstones and edit times outlive any redelivery of the message they guard by far.
MESSAGE_CHANGES_KEPT = timedelta(days=30)


class Scheduler:
    """Calls the scheduled run on a timer; start it inside the running event loop."""

    def __init__(self, deps: Deps, client: AsyncWebClient, *, grace: timedelta) -> None:
        self._deps = deps
        self._client = client
        self._grace = grace
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick(self) -> None:
        """Run everything due now; a failure is logged and the next tick tries again."""
        if self._deps.inflight.draining:
            return
        task = asyncio.current_task()
        if task is not None:
            self._deps.inflight.add(task)  # so shutdown lets a run under way finish
        try:
            report = await run_due(
                self._deps, self._client, now=self._deps.clock(), grace=self._grace
            )
        except Exception:
            log.exception("scheduled run failed; retrying at the next tick")
            return
        await self._prune()
        if any(report.sent.values()) or report.skipped_late:
            log.info(
                "scheduled run sent=%s skipped_late=%d", dict(report.sent), report.skipped_late
            )

    async def _prune(self) -> None:
        """Drop event claims older than Slack's retry window (about five minutes; a day is kept)."""
        try:
            async with self._deps.db.transaction() as conn:
                await forget_events_before(conn, self._deps.clock() - EVENT_CLAIMS_KEPT)
                await forget_changes_before(conn, self._deps.clock() - MESSAGE_CHANGES_KEPT)
        except Exception:
            log.exception("pruning event claims failed")

    def start(self) -> None:
        """Begin ticking, with a first run at once (catch-up after downtime)."""
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=TICK_SECONDS,
            id="run_due",
            max_instances=1,  # a slow run is never overlapped by the next tick
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=system_clock(),  # APScheduler's own timer runs on the wall clock
        )
        self._scheduler.start()

    def pause(self) -> None:
        """Stop waking; a run already under way goes on (drain it with `deps.inflight`)."""
        if self._scheduler.running:
            self._scheduler.pause()

    def shutdown(self) -> None:
        """Stop APScheduler; call after draining, since it cancels a job still running."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
