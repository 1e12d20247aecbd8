"""Work still running (listeners, scheduled runs), so that shutdown can let it finish; and one
answer per request.

Bolt acks first and runs each listener as a background task it does not expose; `tracked`
wraps a listener so its task is registered here while it runs.

A listener that fails after it has acked is handled here, not by Bolt: on an exception Bolt
resets the answer `ack()` recorded, so when the failure came before Bolt noticed the ack (within
its 10 ms polling), Bolt waited out its 3 seconds and answered a second time, after the error
handler had already told the person. Failures before the ack still go to Bolt, which answers
and calls the same error handler.

The wrapper takes Bolt's `args` and passes the listener exactly the arguments it names (Bolt's
own arguments by name, anything else from the context, such as `deps`).

Shutdown drains: `draining` turns on (sends claim nothing new, see `services.sending`), running
tasks get `grace` seconds to finish, and whatever is still running then is cancelled and
awaited, so its own clean-up (releasing a claim) runs before the database closes.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.kwargs_injection.async_args import AsyncArgs

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


Listener = Callable[..., Awaitable[Any]]


def _argument(args: AsyncArgs, name: str) -> Any:
    return getattr(args, name) if hasattr(args, name) else args.context.get(name)


def tracked(listener: Listener) -> Listener:
    """Register the listener's task with `deps.inflight` while it runs; handle late failures."""
    names = inspect.getfullargspec(listener).args

    async def wrapper(args: AsyncArgs) -> Any:
        task = asyncio.current_task()
        deps = args.context.get("deps")
        if task is not None and deps is not None:
            deps.inflight.add(task)
        try:
            return await listener(**{name: _argument(args, name) for name in names})
        except Exception as error:
            if args.ack.response is None:
                raise  # not answered yet: Bolt answers and calls the error handler
            # Imported here: `handlers` imports this module (through `bot.deps`) to wrap listeners.
            from handlers.errors import on_error

            await on_error(error, args.body, args.respond)
            return None

    wrapper.__name__ = listener.__name__
    wrapper.__qualname__ = listener.__qualname__
    wrapper.__doc__ = listener.__doc__
    return wrapper
