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
own arguments by name, anything else from the context, such as `deps`). Bolt itself would pass
None for a name it cannot fill; here a name that neither Bolt nor the context provides, or a
`deps` that is not a `Deps`, fails the request loudly instead (tests/e2e/test_deps.py).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from slack_bolt.kwargs_injection.async_args import AsyncArgs

from handlers.errors import on_error
from services.deps import Deps

Listener = Callable[..., Awaitable[Any]]


class MissingArgument(TypeError):
    """A listener names an argument that neither Bolt nor the request's context provides."""


def listener_arguments(
    names: Sequence[str], bolt: object, context: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the listener's arguments by name: Bolt's own, else from the context; never a None `deps`."""
    found: dict[str, Any] = {}
    for name in names:
        if hasattr(bolt, name):
            found[name] = getattr(bolt, name)
        elif name in context:
            found[name] = context[name]
        else:
            raise MissingArgument(f"a listener takes {name!r}, which nothing provides")
    if "deps" in found and not isinstance(found["deps"], Deps):
        raise MissingArgument(f"a listener takes 'deps', but the context holds {found['deps']!r}")
    return found


def tracked(listener: Listener) -> Listener:
    """Register the listener's task with `deps.inflight` while it runs; handle late failures."""
    names = inspect.getfullargspec(listener).args

    async def wrapper(args: AsyncArgs) -> Any:
        task = asyncio.current_task()
        deps = args.context.get("deps")
        if task is not None and deps is not None:
            deps.inflight.add(task)
        arguments = listener_arguments(names, args, args.context)
        try:
            return await listener(**arguments)
        except Exception as error:
            if args.ack.response is None:
                raise  # not answered yet: Bolt answers and calls the error handler
            await on_error(error, args.body, args.respond)
            return None

    # Not `functools.wraps`: Bolt unwraps `__wrapped__` to read the names to pass, and this
    # wrapper takes Bolt's `args`, not the listener's names.
    wrapper.__name__ = listener.__name__
    wrapper.__qualname__ = listener.__qualname__
    wrapper.__doc__ = listener.__doc__
    wrapper.tracked_listener = listener  # type: ignore[attr-defined]
    return wrapper
