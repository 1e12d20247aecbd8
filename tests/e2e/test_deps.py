"""`deps` reaches every listener: Bolt fills a listener's arguments by name, and would pass None.

Bolt hands a listener any name it does not know as None, with only a log line. The middleware
in `bot.app` puts `deps` in each request's context and `handlers.tracking.tracked` hands it on,
refusing to call a listener without it. These tests check that every listener that takes `deps`
goes through `tracked`, that `tracked` refuses a context without it, and that one real request
of each kind (a command, an event, a button, a form) reaches its listener with it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

import handlers
from bot.runtime import Runtime
from core.model import JobFunction
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from handlers.tracking import MissingArgument, listener_arguments
from services.deps import Deps
from services.profiles import own_profile
from tests.e2e.conftest import ALICE, settle


class ListenerRecorder:
    """Stands where `register_all` expects the app, and keeps every listener registered."""

    def __init__(self) -> None:
        self.listeners: list[tuple[str, Callable[..., Any]]] = []

    def __getattr__(self, kind: str) -> Callable[..., Callable[[Callable[..., Any]], None]]:
        def matcher(*_args: Any, **_kwargs: Any) -> Callable[[Callable[..., Any]], None]:
            return lambda listener: self.listeners.append((kind, listener))

        return matcher


def test_every_listener_that_takes_deps_is_tracked() -> None:
    """Each registered listener naming `deps` is wrapped by `tracked`, which checks that it came."""
    recorder = ListenerRecorder()
    handlers.register_all(recorder)  # type: ignore[arg-type]
    kinds = {kind for kind, _ in recorder.listeners}
    assert {"command", "event", "action", "view"} <= kinds
    untracked = [
        listener.__qualname__
        for _, listener in recorder.listeners
        if "deps" in inspect.signature(listener).parameters
    ]
    taking_deps = [
        listener
        for _, listener in recorder.listeners
        if "deps" in inspect.signature(getattr(listener, "tracked_listener", listener)).parameters
    ]
    assert untracked == []
    assert len(taking_deps) >= 10


def test_a_listener_is_not_called_without_deps() -> None:
    """A context without `deps` (or with None in it) is refused with a clear error, not passed on as None."""
    bolt = SimpleNamespace(ack="ack", body={})
    deps = Deps(db=None)  # type: ignore[arg-type]
    assert listener_arguments(["ack", "deps"], bolt, {"deps": deps}) == {"ack": "ack", "deps": deps}
    with pytest.raises(MissingArgument, match="deps"):
        listener_arguments(["ack", "deps"], bolt, {})
    with pytest.raises(MissingArgument, match="deps"):
        listener_arguments(["ack", "deps"], bolt, {"deps": None})
    with pytest.raises(MissingArgument, match="dep"):
        listener_arguments(["ack", "dep"], bolt, {"deps": deps})  # a misspelt name


async def test_one_request_of_each_kind_reaches_its_listener_with_deps(
    bot: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A command, an event, a button and a form submission each do work that needs `deps`, with no error."""
    caplog.set_level(logging.WARNING)
    await driver.slash_command(ALICE, "profile")  # reads the profile through deps.db
    await settle(bot)
    await driver.app_home_opened(ALICE)  # reads entries and rituals through deps.db
    await driver.block_action(ALICE, "profile_open")  # reads the profile through deps.db
    await settle(bot)
    values = {
        "job_function": {
            "job_function": {"type": "static_select", "selected_option": {"value": "legal"}}
        }
    }
    await driver.view_submission(ALICE, driver.last_view(ALICE, "profile_form"), values)
    await settle(bot)
    assert [call.args["view"]["callback_id"] for call in slack.calls("views.open")] == [
        "profile_form",
        "profile_form",
    ]
    assert len(slack.calls("views.publish")) == 2  # on opening Home, and after saving
    assert (await own_profile(bot.deps, "T0LOL", ALICE)).job_function is JobFunction.LEGAL
    problems = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR or "is not a valid argument" in r.getMessage()
    ]
    assert problems == []
