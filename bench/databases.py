"""A database of a benchmark's own: a SQLite file in a folder, or a fresh PostgreSQL schema.

`server` is None for SQLite, or a PostgreSQL URL (`postgresql://user@host:5432/db`); the schema
is created before and dropped (with everything in it) after, unless kept.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg


@asynccontextmanager
async def bench_database(
    server: str | None, folder: Path, *, keep: bool = False
) -> AsyncIterator[str]:
    """Yield the bot's DATABASE_URL for a new, empty database."""
    if server is None:
        yield f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await execute(server, f'CREATE SCHEMA "{schema}"')
    rest = server.split("://", 1)[1]
    try:
        yield f"postgresql+asyncpg://{rest}{'&' if '?' in rest else '?'}search_path={schema}"
    finally:
        if not keep:
            await execute(server, f'DROP SCHEMA "{schema}" CASCADE')


async def execute(server: str, statement: str) -> None:
    """Run one statement on the PostgreSQL server, outside any schema of ours."""
    conn = await asyncpg.connect("postgresql://" + server.split("://", 1)[1], timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()
