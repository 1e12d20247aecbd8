"""Fixtures shared by every test: a clean environment and a fresh database."""

from __future__ import annotations

import gc
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from storage.db import Database
from storage.migrate import migrate
from tests.databases import (  # noqa: F401  (hooks and fixtures: SQLite and PostgreSQL)
    database_kind,
    database_url,
    pytest_addoption,
    pytest_configure,
    pytest_generate_tests,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, ISO week 2026-W48


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's Slack settings and proxies out of every test."""
    import os

    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith("SLACK_") or upper in {
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
        }:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:  # noqa: F811  (the imported fixture)
    """A migrated database, closed after the test."""
    database = Database.connect(database_url)
    await migrate(database, now=NOW)
    yield database
    await database.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Collect what a simulated process death left behind before pytest checks for leaks.

    `test_killed_mid_fan_out_and_restarted_prompts_everyone_once` kills a run by cancelling its
    task, sometimes inside a database call; the driver's connection is then released only by the
    garbage collector (a real process's would die with it). Collected here, at the very end, its
    ResourceWarning cannot fail whichever test happens to be last. A leak inside any test still
    fails the test in which the collector finds it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
