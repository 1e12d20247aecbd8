"""Listener tasks registered while they run, and one answer per request.

Bolt acks first and runs each listener as a background task it does not expose; `tracked`
wraps a listener so its task is registered with `deps.inflight` (`services.inflight`) while it
runs, so that shutdown can let it finish.

A listener that fails after it has acked is handled here, not by Bolt: on an exception Bolt
resets the answer `ack()` recorded, so when the failure came before Bolt noticed the ack (within
its 10 ms polling), Bolt waited out its 3 seconds and answered a second time, after the error
handler had already told the person. Failures before the ack still go to Bolt, which answers
and calls the same error handler.

The wrapper takes Bolt's `args` and passes the listener exactly the arguments it names (Bolt's
own arguments by name, anything else from the context, such as `deps`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.kwargs_injection.async_args import AsyncArgs

from handlers.errors import on_error

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
            await on_error(error, args.body, args.respond)
            return None

    wrapper.__name__ = listener.__name__
    wrapper.__qualname__ = listener.__qualname__
    wrapper.__doc__ = listener.__doc__
    return wrapper
