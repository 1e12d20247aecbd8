"""Waking the bot: APScheduler calls `run_due` every tick (`SCHEDULER_TICK_SECONDS`, 30) and
once at start-up.

APScheduler keeps no state of ours (its in-memory job store is rebuilt at each start); the
database decides what is due and what was already sent, so a doubled wake-up, a restart or a
second replica changes nothing. Every instant comes from `deps.clock`, never from APScheduler.

Replicas: each tick, a replica first takes or renews the `scheduler` lease in the database
(`storage/leases.py`) and only the holder runs the due work and the pruning, so N replicas do
not multiply Slack lookups. The holder renews the lease every third of its length while a long
run is under way. A holder that dies is replaced by another replica's first tick after the
lease (`SCHEDULER_LEASE_SECONDS`, 90) has passed: handover takes at most the lease plus one
tick. One that stops cleanly releases it, so another takes over at its next tick. The lease
saves work, it does not guard correctness: the send claims still make every send exactly-once
if two replicas ever overlap.

Shutdown: APScheduler's executor cancels a running job when the scheduler shuts down, which
would cut a fan-out off between claiming and posting. So the timer is paused first, the run
under way is drained with the listeners' work (`deps.inflight`: it finishes the sends it has
claimed and claims no new ones), and only then is APScheduler shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from services.deps import Deps, system_clock
from services.ritual_runs import run_due
from storage.events import forget_events_before
from storage.leases import release_lease, take_lease
from storage.message_changes import forget_changes_before

log = logging.getLogger(__name__)

TICK_SECONDS = 30
EVENT_CLAIMS_KEPT = timedelta(days=1)
# Tombstones and edit times outlive any redelivery of the message they guard by far.
MESSAGE_CHANGES_KEPT = timedelta(days=30)
LEASE_NAME = "scheduler"
LEASE_LENGTH = timedelta(seconds=90)  # three ticks: a missed renewal or two is not a handover


class Scheduler:
    """Calls the scheduled run on a timer; start it inside the running event loop."""

    def __init__(
        self,
        deps: Deps,
        client: AsyncWebClient,
        *,
        grace: timedelta,
        lease: timedelta = LEASE_LENGTH,
        tick: timedelta = timedelta(seconds=TICK_SECONDS),
    ) -> None:
        self._deps = deps
        self._lease = lease
        self._tick = tick
        self._client = client
        self._grace = grace
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        # Unique per process, readable in the table: which host and process leads.
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading = False

    async def tick(self) -> bool:
        """Run everything due now if this replica leads; tell whether it did.

        A failure is logged and the next tick tries again.
        """
        if self._deps.inflight.draining:
            return False
        if not await self._lead():
            return False
        task = asyncio.current_task()
        if task is not None:
            self._deps.inflight.add(task)  # so shutdown lets a run under way finish
        renewing = asyncio.create_task(self._keep_lease())
        try:
            report = await run_due(
                self._deps, self._client, now=self._deps.clock(), grace=self._grace
            )
        except Exception:
            log.exception("scheduled run failed; retrying at the next tick")
            return True
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        await self._prune()
        if any(report.sent.values()) or report.skipped_late:
            log.info(
                "scheduled run sent=%s skipped_late=%d", dict(report.sent), report.skipped_late
            )
        return True

    async def _lead(self) -> bool:
        """Take or renew the scheduler lease; log when leadership changes hands."""
        try:
            async with self._deps.db.transaction() as conn:
                leading = await take_lease(
                    conn, LEASE_NAME, self.holder, now=self._deps.clock(), length=self._lease
                )
        except Exception:
            log.exception("could not reach the scheduler lease; skipping this tick")
            leading = False
        if leading != self.leading:
            log.info("scheduler lease %s holder=%s", "taken" if leading else "lost", self.holder)
        self.leading = leading
        return leading

    async def _keep_lease(self) -> None:
        """Renew the lease while a long run is under way."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            await self._lead()

    async def release(self) -> None:
        """Give the lease up, so another replica leads from its next tick."""
        if not self.leading:
            return
        try:
            async with self._deps.db.transaction() as conn:
                await release_lease(conn, LEASE_NAME, self.holder)
        except Exception:
            log.exception("could not release the scheduler lease; it runs out by itself")
        self.leading = False

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
            seconds=self._tick.total_seconds(),
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
