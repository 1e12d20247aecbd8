"""Every test that takes `database_url` runs once per database: SQLite, PostgreSQL, or both.

Rules:
- `--db=both` (the default, and what CI runs), `--db=sqlite` (no PostgreSQL needed) or
  `--db=postgres`; the environment variable `TEST_DB` gives the default for the option.
- PostgreSQL is found at `TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`).
  When it was asked for and does not answer, the run stops at once and says so: a database that
  is silently skipped is a database that is not tested.
- Each PostgreSQL test gets a schema of its own, created before and dropped (with everything in
  it) after; the bot reaches it through the URL's `search_path` parameter, so processes the test
  starts use it too. A SQLite test gets a file in its own temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
CHOICES = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}


def postgres_url() -> str:
    """The server tests use, as a libpq URL (no driver suffix)."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=sorted(CHOICES),
        default=os.environ.get("TEST_DB", "both"),
        help="which databases tests run on: sqlite, postgres or both (default both; env TEST_DB)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if "postgres" not in CHOICES[config.getoption("--db")]:
        return
    try:
        asyncio.run(_execute(postgres_url(), "SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:
        raise pytest.UsageError(
            f"PostgreSQL is not reachable at {postgres_url()} ({exc}).\n"
            "Start PostgreSQL there (or set TEST_POSTGRES_URL), or run the SQLite half alone "
            "with --db=sqlite (TEST_DB=sqlite python3 dev.py check)."
        ) from exc


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_kind" in metafunc.fixturenames:
        kinds = CHOICES[metafunc.config.getoption("--db")]
        metafunc.parametrize("database_kind", kinds, indirect=True)


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    """The database this run of the test uses: `sqlite` or `postgres`."""
    return str(request.param)


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, empty, removed afterwards."""
    if database_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:16]
    server = postgres_url()
    asyncio.run(_execute(server, f'CREATE SCHEMA "{schema}"'))
    try:
        base = server.replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}{'&' if '?' in base else '?'}search_path={schema}"
    finally:
        asyncio.run(_execute(server, f'DROP SCHEMA "{schema}" CASCADE'))


async def _execute(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def table_names(conn: AsyncConnection) -> list[str]:
    """Every table of the bot's schema, on either database."""
    return await conn.run_sync(lambda sync: inspect(sync).get_table_names())


async def column_names(conn: AsyncConnection, table: str) -> list[str]:
    """The columns of one table, in order."""
    columns = await conn.run_sync(lambda sync: inspect(sync).get_columns(table))
    return [str(column["name"]) for column in columns]


async def break_inserts(conn: AsyncConnection, table: str, message: str) -> None:
    """Make every insert into `table` fail with `message`, as a full disk would."""
    if conn.dialect.name == "sqlite":
        await conn.execute(
            text(
                f"CREATE TRIGGER {table}_broken BEFORE INSERT ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        )
        return
    await conn.execute(
        text(
            f"CREATE FUNCTION {table}_broken() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
    )
    await conn.execute(
        text(
            f"CREATE TRIGGER {table}_broken BEFORE INSERT ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {table}_broken()"
        )
    )


async def mend_inserts(conn: AsyncConnection, table: str) -> None:
    """Undo `break_inserts`."""
    if conn.dialect.name == "sqlite":
        await conn.execute(text(f"DROP TRIGGER {table}_broken"))
        return
    await conn.execute(text(f"DROP TRIGGER {table}_broken ON {table}"))
    await conn.execute(text(f"DROP FUNCTION {table}_broken()"))
