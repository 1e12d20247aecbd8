"""Work still running (listeners, scheduled runs), so that shutdown can let it finish.

Shutdown drains: `draining` turns on (sends claim nothing new, see `services.sending`), running
tasks get `grace` seconds to finish, and whatever is still running then is cancelled and
awaited, so its own clean-up (releasing a claim) runs before the database closes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


class InFlight:
    """A set of running tasks that can be awaited as a whole."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.draining = False  # shutting down: start no new sends

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

    async def drain(self, grace: float) -> bool:
        """Stop new work, let running tasks finish within `grace` s, then cancel the rest."""
        self.draining = True
        if await self.wait(grace):
            return True
        still = {task for task in self._tasks if task is not asyncio.current_task()}
        for task in still:
            task.cancel()
        if still:
            await asyncio.wait(still, timeout=5)
        return False
