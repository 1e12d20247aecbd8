"""Listener work still running, so that shutdown can let it finish.

Bolt acks first and runs each listener as a background task it does not expose; `tracked`
wraps a listener so its task is registered here while it runs. Bolt reads a listener's argument
names through `inspect.unwrap`, so the wrapper keeps the listener's own signature visible.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


class InFlight:
    """A set of running tasks that can be awaited as a whole."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def add(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self, grace: float) -> bool:
        """Wait for every running task; return False if some were still running at the timeout."""
        pending = {task for task in self._tasks if task is not asyncio.current_task()}
        if not pending:
            return True
        _done, still = await asyncio.wait(pending, timeout=grace)
        if still:
            log.warning("%d listener task(s) unfinished after %.0fs", len(still), grace)
        return not still


Listener = Callable[..., Awaitable[Any]]


def tracked(listener: Listener) -> Listener:
    """Register the listener's task with `deps.inflight` while it runs."""

    @functools.wraps(listener)
    async def wrapper(**kwargs: Any) -> Any:
        task = asyncio.current_task()
        deps = kwargs.get("deps")
        if task is not None and deps is not None:
            deps.inflight.add(task)
        return await listener(**kwargs)

    return wrapper
