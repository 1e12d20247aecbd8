"""Migrations: fresh and old databases end at the latest version; a newer one refuses."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.migrate import SchemaTooNewError, current_version, load_migrations, migrate
from tests.conftest import NOW


async def test_fresh_database_reaches_latest_version(database_url: str) -> None:
    """A new database is migrated; a SQLite file is in WAL mode with foreign keys on."""
    db = Database.connect(database_url)
    try:
        latest = await migrate(db, now=NOW)
        assert latest == load_migrations()[-1].version
        assert await current_version(db) == latest
        if db.is_postgres:
            return
        async with db.transaction() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await db.close()


async def test_migrating_twice_changes_nothing(database_url: str) -> None:
    """Running the migrations again is a no-op."""
    db = Database.connect(database_url)
    try:
        first = await migrate(db, now=NOW)
        assert await migrate(db, now=NOW) == first
        async with db.transaction() as conn:
            count = (await conn.execute(text("SELECT COUNT(*) FROM schema_migrations"))).scalar()
        assert count == len(load_migrations())
    finally:
        await db.close()


async def test_old_database_is_brought_forward(database_url: str) -> None:
    """A database left at version 1 gets every later migration applied."""
    db = Database.connect(database_url)
    try:
        await current_version(db)
        async with db.transaction() as conn:
            for statement in load_migrations()[0].statements():
                await conn.execute(text(statement))
            await conn.execute(
                text(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'initial', 'x')"
                )
            )
        assert await migrate(db, now=NOW) == load_migrations()[-1].version
    finally:
        await db.close()


async def test_newer_schema_refuses_to_start(database_url: str) -> None:
    """A database migrated by a newer release is not touched."""
    db = Database.connect(database_url)
    try:
        await migrate(db, now=NOW)
        async with db.transaction() as conn:
            await conn.execute(
                text(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')"
                )
            )
        with pytest.raises(SchemaTooNewError, match="version 999"):
            await migrate(db, now=NOW)
    finally:
        await db.close()


async def test_three_replicas_migrating_at_once_apply_each_file_once(database_url: str) -> None:
    """Three migrators started together on one fresh database all succeed, each file runs once."""
    replicas = [Database.connect(database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(db, now=NOW) for db in replicas))
        latest = load_migrations()[-1].version
        assert results == [latest, latest, latest]
        async with replicas[0].read() as conn:
            rows = (await conn.execute(text("SELECT version FROM schema_migrations"))).all()
        assert sorted(version for (version,) in rows) == [m.version for m in load_migrations()]
    finally:
        for db in replicas:
            await db.close()


async def test_reads_take_no_write_lock(database_url: str) -> None:
    """A read transaction runs while a writer holds its transaction open."""
    db = Database.connect(database_url)
    try:
        await migrate(db, now=NOW)
        async with db.transaction() as writer:
            await writer.execute(
                text("UPDATE schema_migrations SET applied_at = 'y' WHERE version = 1")
            )
            async with db.read() as reader:
                count = (
                    await reader.execute(text("SELECT COUNT(*) FROM schema_migrations"))
                ).scalar()
            assert count == len(load_migrations())
            assert await db.ping()
    finally:
        await db.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    """Every shipped migration has the next number."""
    versions = [m.version for m in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))
