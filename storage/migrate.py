"""Schema migrations: numbered `.sql` files in `storage/migrations/`, applied in order.

Rules:
- A file is named `NNNN_what_it_does.sql`; once released it is never edited, only followed.
  Files are numbered 1..N without gaps; every file not yet recorded in `schema_migrations` is
  applied, in number order.
- Each file runs in its own transaction together with its row in `schema_migrations`, so a
  failure leaves the database at the previous version.
- The version lives in a table, not in SQLite's `PRAGMA user_version`, so the same code serves
  PostgreSQL.
- A database whose version is newer than the newest file here refuses to start: old code must
  not write into a schema it does not understand.
- Statements are separated by a line ending in `;`; files hold no procedural SQL.
- Several replicas may start at once: each step is one transaction that first takes the
  migration lock (PostgreSQL: `pg_advisory_xact_lock` keyed by the schema; SQLite: the write
  lock of `BEGIN IMMEDIATE`), then reads the version afresh and applies the next file only if it
  is still missing. So every file runs exactly once, whoever gets there first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, to_db_time

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer release of the bot."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the file into statements, dropping comments and blank lines."""
        lines = [line for line in self.sql.splitlines() if not line.strip().startswith("--")]
        body = "\n".join(lines)
        return [part.strip() for part in re.split(r";\s*(?:\n|$)", body) if part.strip()]


def load_migrations() -> list[Migration]:
    """Read every migration shipped with the package, oldest first."""
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return found


async def _lock_and_read_applied(db: Database, conn: AsyncConnection) -> set[int]:
    """Take the migration lock for this transaction and return the versions applied."""
    if db.is_postgres:
        # CREATE TABLE IF NOT EXISTS itself races between sessions on PostgreSQL: lock first.
        await conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtext('learning-out-loud:migrate:' || current_schema()))"
            )
        )
    await conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL,"
            " applied_at VARCHAR(32) NOT NULL)"
        )
    )
    rows = (await conn.execute(text("SELECT version FROM schema_migrations"))).all()
    return {int(version) for (version,) in rows}


async def current_version(db: Database) -> int:
    """Return the schema version of the database (0 for a fresh one)."""
    async with db.transaction() as conn:
        return max(await _lock_and_read_applied(db, conn), default=0)


async def migrate(db: Database, *, now: datetime) -> int:
    """Bring the schema to the newest version and return it."""
    migrations = load_migrations()
    latest = migrations[-1].version if migrations else 0
    while True:
        async with db.transaction() as conn:
            applied = await _lock_and_read_applied(db, conn)
            version = max(applied, default=0)
            if version > latest:
                raise SchemaTooNewError(
                    f"database schema is at version {version}, this release knows up to "
                    f"{latest}: upgrade the bot or point DATABASE_URL at another database"
                )
            missing = [m for m in migrations if m.version not in applied]
            if not missing:
                return latest
            migration = missing[0]
            try:
                for statement in migration.statements():
                    await conn.execute(text(statement))
            except DBAPIError as exc:
                raise RuntimeError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc.orig}"
                ) from exc
            await conn.execute(
                text(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES (:version, :name, :at)"
                ),
                {"version": migration.version, "name": migration.name, "at": to_db_time(now)},
            )
