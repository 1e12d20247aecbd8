"""The connection pool per process: a ceiling on PostgreSQL by default, SQLAlchemy's on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage.db import POSTGRES_POOL_SIZE, Database


def limits(db: Database) -> tuple[int, int]:
    """The pool's size and overflow; no connection is opened to read them."""
    pool: Any = db.engine.pool
    return pool.size(), pool._max_overflow


async def test_postgres_holds_at_most_the_default_pool_and_never_overflows() -> None:
    """Replicas x this must fit PostgreSQL's max_connections, so it is a hard ceiling."""
    db = Database.connect("postgresql://bot@127.0.0.1:1/none?search_path=bot")
    try:
        assert limits(db) == (POSTGRES_POOL_SIZE, 0)
        assert POSTGRES_POOL_SIZE * 2 <= 100 // 2  # two replicas in half the default server
    finally:
        await db.close()


async def test_a_pool_size_given_is_the_ceiling_on_either_database(tmp_path: Path) -> None:
    """DATABASE_POOL_SIZE wins on PostgreSQL and on SQLite, with no overflow."""
    for url in ("postgresql://bot@127.0.0.1:1/none", f"sqlite:///{tmp_path / 'bot.db'}"):
        db = Database.connect(url, pool_size=3)
        try:
            assert limits(db) == (3, 0)
        finally:
            await db.close()


async def test_sqlite_keeps_sqlalchemys_default_pool(tmp_path: Path) -> None:
    """Writers take turns on the file's lock whatever the pool; readers never wait for them."""
    db = Database.connect(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        assert limits(db) == (5, 10)
    finally:
        await db.close()
