"""The durable intake: what must not be lost is written down before Slack gets its answer.

Rules:
- Kept requests: Events API `message` events (new replies, edits, deletions) and `/tried` quick
  entries. Bolt verifies each request's signature first; then a global middleware writes the raw
  body to the `inbox` table, keyed by the request (`event:<event_id>`, `command:<trigger_id>`),
  and answers Slack itself: the listener is never started for these, the inbox workers do the
  work through the same handler functions.
- Nothing is acknowledged before it is stored. When the row cannot be written (the database is
  down), an event gets a 503, so Slack delivers it again, and a command's answer tells the
  person it was not saved. A redelivery of a stored request is answered 200 and not stored twice.
- A bounded pool of workers (`INTAKE_WORKERS`) takes rows with a lease; new rows wait in the
  table, never as unbounded tasks in memory. A failed row is tried again later, up to
  `MAX_ATTEMPTS` times; then it is marked failed and the person is told their entry was not saved.
- Rows are taken oldest first, and rows about one message (a reply, its edits, its deletion)
  are applied in that order within a process: an edit never overtakes the reply it changes.
- A row's effect is idempotent by its own key (`processed_events`, `experiments.source_key`), so
  a row done again after a crash between effect and `done` is stored once. On start-up every
  unfinished row is taken; a row leased by a process that died is taken when its lease ends.
- Rows are marked done in groups (one `UPDATE` for the rows finished together), after their
  effects are stored: a crash before the mark leaves a row to be taken again after its lease,
  and done again it is a no-op by its key.
- Finished rows are deleted after `INTAKE_RETENTION_HOURS`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from blocks.replies import unavailable_response
from core import capture as parse
from handlers import commands, events
from services.deps import Deps
from storage import inbox
from storage.inbox import InboxRow, InboxStatus

log = logging.getLogger(__name__)

EVENT, COMMAND = "event", "command"
MAX_ATTEMPTS = 5
# Writing the row must leave time for the answer inside Slack's 3 seconds.
WRITE_TIMEOUT_SECONDS = 2.0
WRITE_BATCH = 200
# How often idle workers look for rows whose retry time or lease has come (other replicas' too).
POLL_SECONDS = 5.0
PRUNE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class _Unwritten:
    key: str
    kind: str
    user_id: str | None
    body: str
    done: asyncio.Future[bool]


@dataclass(frozen=True)
class IntakeSettings:
    workers: int = 8
    lease: timedelta = timedelta(minutes=2)
    retention: timedelta = timedelta(days=3)
    max_attempts: int = MAX_ATTEMPTS


def kept(body: dict[str, Any], deps: Deps) -> tuple[str, str] | None:
    """The inbox kind and key of a request that must not be lost, or None."""
    if body.get("type") == "event_callback":
        event = body.get("event")
        if isinstance(event, dict) and event.get("type") == "message" and body.get("event_id"):
            return EVENT, f"event:{body['event_id']}"
        return None
    if body.get("command") == commands.COMMAND:
        parsed = parse.parse_command(str(body.get("text") or ""), deps.catalogue)
        if isinstance(parsed, parse.Entry | parse.Private | parse.Anonymous):
            trigger = str(body.get("trigger_id") or "")
            if not trigger:  # Slack always sends one; without it, the body itself names it
                trigger = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
            return COMMAND, f"command:{trigger}"
    return None


def _author(body: dict[str, Any]) -> str | None:
    """Who sent the request: a command's `user_id`, or the user of an event's message."""
    event = body.get("event")
    if isinstance(event, dict):
        inner = event.get("message") if event.get("subtype") == "message_changed" else event
        user = inner.get("user") if isinstance(inner, dict) else None
    else:
        user = body.get("user_id")
    return user if isinstance(user, str) and user else None


def install(app: AsyncApp, intake: Intake) -> None:
    """Add the middleware that writes kept requests to the inbox and answers them."""

    @app.middleware
    async def _write_down(req: AsyncBoltRequest, next: Callable[[], Awaitable[Any]]) -> Any:
        body = req.body
        found = kept(body, intake.deps) if isinstance(body, dict) else None
        if found is None:
            return await next()
        kind, key = found
        stored = await intake.accept(kind, key, body)
        if kind == EVENT:
            return BoltResponse(status=200 if stored else 503, body="")
        if not stored:
            return BoltResponse(
                status=200,
                body=json.dumps(unavailable_response()),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        return BoltResponse(status=200, body="")


class Intake:
    """The inbox's writer (for the middleware) and its bounded pool of workers."""

    def __init__(self, deps: Deps, client: AsyncWebClient, settings: IntakeSettings) -> None:
        self.deps = deps
        self.client = client
        self.settings = settings
        self._running: dict[str, asyncio.Task[None]] = {}
        self._unwritten: list[_Unwritten] = []
        self._subjects: weakref.WeakValueDictionary[str, asyncio.Task[None]] = (
            weakref.WeakValueDictionary()
        )
        self._writer: asyncio.Task[None] | None = None
        self._finished: list[str] = []
        self._marker: asyncio.Task[None] | None = None
        self._kicked = asyncio.Event()
        self._drain: asyncio.Task[None] | None = None
        self._timer: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_prune = 0.0

    async def accept(self, kind: str, key: str, body: dict[str, Any]) -> bool:
        """Write a request down; False (and a log line) when it could not be stored in time.

        Requests arriving together are written in one transaction and one statement (a group
        commit): under a burst, one writer holds SQLite's write lock briefly instead of a
        hundred queuing for it.
        A write that outlives the timeout may still land; the request's key makes Slack's
        redelivery of it (or the person's next try) the same row.
        """
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        # Slack's legacy verification token is no business of the inbox.
        kept_body = {name: value for name, value in body.items() if name != "token"}
        self._unwritten.append(_Unwritten(key, kind, _author(body), json.dumps(kept_body), done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_down())
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_SECONDS):
                new = await asyncio.shield(done)
        except Exception as exc:
            log.error("could not write down a request key=%s error=%r", key, exc)
            return False
        if new:
            self.kick()
        return True

    async def _write_down(self) -> None:
        while self._unwritten:
            batch, self._unwritten = self._unwritten[:WRITE_BATCH], self._unwritten[WRITE_BATCH:]
            try:
                # Urgent: every request in the batch waits on this write for its answer.
                async with self.deps.db.transaction(urgent=True) as conn:
                    new_keys = await inbox.put_many(
                        conn,
                        [(item.key, item.kind, item.body, item.user_id) for item in batch],
                        now=self.deps.clock(),
                    )
            except Exception as exc:
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)
                        item.done.exception()  # read here: a caller that timed out never will
                continue
            for item in batch:
                if not item.done.done():
                    item.done.set_result(item.key in new_keys)

    def start(self) -> None:
        """Begin working: unfinished rows from before are taken at once."""
        if self.settings.workers <= 0:
            log.info("intake workers=0: requests are written down for other replicas to work")
            return
        self._timer = asyncio.create_task(self._tick())
        self.kick()

    def kick(self) -> None:
        """Make sure rows are being worked; the drain is tracked, so shutdown waits for it."""
        if self._stopping or self.settings.workers <= 0:
            return
        self._kicked.set()
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._work_off())
            self.deps.inflight.add(self._drain)

    async def stop(self, grace: float) -> None:
        """Work off what is due for up to `grace` seconds, then hand back the rest at once."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        await self._mark_finished()
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
        if self._drain is not None and not self._drain.done():
            await asyncio.wait({self._drain}, timeout=grace)
        self._stopping = True
        self._kicked.set()
        left, running = list(self._running), list(self._running.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)
        await self._mark_finished()
        if left:
            try:
                async with self.deps.db.transaction() as conn:
                    await inbox.release(conn, left)
            except Exception:
                log.exception("could not hand back %d inbox row(s)", len(left))
            log.info("handed back %d unfinished inbox row(s)", len(left))

    async def _work_off(self) -> None:
        """Take rows while there are free workers and rows to take; end when there are none."""
        while not self._stopping:
            self._kicked.clear()
            free = self.settings.workers - len(self._running)
            rows: list[InboxRow] = []
            if free > 0:
                try:
                    async with self.deps.db.transaction() as conn:
                        rows = await inbox.take(
                            conn, free, now=self.deps.clock(), lease=self.settings.lease
                        )
                except Exception:
                    log.exception("could not take inbox rows; trying again at the next tick")
                    return
            for row in rows:
                task = asyncio.create_task(self._process(row))
                self._running[row.id] = task
                task.add_done_callback(functools.partial(self._forget, row.id))
            if not rows and not self._running and not self._kicked.is_set():
                return
            waiters: set[asyncio.Future[Any]] = set(self._running.values())
            kicked = asyncio.ensure_future(self._kicked.wait())
            waiters.add(kicked)
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            kicked.cancel()

    def _forget(self, row_id: str, _task: asyncio.Task[None]) -> None:
        self._running.pop(row_id, None)

    async def _process(self, row: InboxRow) -> None:
        try:
            body = json.loads(row.body)
            # Rows about one message (its reply, then edits, then its deletion) are taken oldest
            # first; a row waits for the one before it here, so an edit never overtakes the reply.
            subject = events.subject_of(body) if row.kind == EVENT else None
            before = self._subjects.get(subject) if subject else None
            current = asyncio.current_task()
            if subject and current is not None:
                self._subjects[subject] = current
            if before is not None:
                await asyncio.gather(before, return_exceptions=True)
            await self._dispatch(row.kind, body)
        except Exception as exc:
            await self._failed(row, exc)
            return
        self._finished.append(row.id)
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_finished())
            self.deps.inflight.add(self._marker)

    async def _mark_finished(self) -> None:
        """Mark the rows finished meanwhile done, in one transaction per group."""
        while self._finished:
            batch, self._finished = self._finished[:WRITE_BATCH], self._finished[WRITE_BATCH:]
            try:
                async with self.deps.db.transaction() as conn:
                    await inbox.finish_many(conn, batch, now=self.deps.clock())
            except Exception:
                # The effects are stored; done again after the lease, each is a no-op by its key.
                log.exception("could not mark %d inbox row(s) done", len(batch))

    async def _dispatch(self, kind: str, body: dict[str, Any]) -> None:
        if kind == EVENT:
            await events.process_message(body, self.client, self.deps)
        elif kind == COMMAND:
            await commands.process_quick_entry(body, self.client, self.deps)
        else:
            raise ValueError(f"unknown inbox kind {kind!r}")

    async def _failed(self, row: InboxRow, exc: Exception) -> None:
        now = self.deps.clock()
        error = f"{type(exc).__name__}: {exc}"
        final = row.attempts >= self.settings.max_attempts
        log.warning(
            "inbox row failed id=%s attempt=%d/%d%s error=%s",
            row.id,
            row.attempts,
            self.settings.max_attempts,
            " giving up" if final else "",
            error[:200],
            exc_info=exc,
        )
        try:
            async with self.deps.db.transaction() as conn:
                if final:
                    await inbox.finish(
                        conn, row.id, now=now, status=InboxStatus.FAILED, error=error
                    )
                else:
                    backoff = timedelta(seconds=min(2**row.attempts, 300))
                    await inbox.retry_at(conn, row.id, now + backoff, error=error)
        except Exception:
            log.exception("could not record the failure of inbox row id=%s", row.id)
            return
        if final:
            await self._tell(row)

    async def _tell(self, row: InboxRow) -> None:
        """Tell the person their entry was not saved."""
        try:
            body = json.loads(row.body)
            if row.kind == COMMAND:
                await commands.tell_not_saved(body)
            elif row.kind == EVENT:
                await events.tell_not_saved(body, self.client)
        except Exception:
            log.exception("could not tell the person about inbox row id=%s", row.id)

    async def _tick(self) -> None:
        """Wake the workers now and then for rows due again, and prune finished rows."""
        while not self._stopping:
            await asyncio.sleep(POLL_SECONDS)
            self.kick()
            if time.monotonic() - self._last_prune >= PRUNE_EVERY_SECONDS:
                self._last_prune = time.monotonic()
                await self.prune()

    async def prune(self) -> int:
        """Delete rows finished longer ago than the retention period."""
        try:
            async with self.deps.db.transaction() as conn:
                gone = await inbox.prune(conn, self.deps.clock() - self.settings.retention)
        except Exception:
            log.exception("pruning the inbox failed")
            return 0
        if gone:
            log.info("pruned %d finished inbox row(s)", gone)
        return gone
