"""The command line: `python -m bot <command>` (also installed as `learning-out-loud`).

This is the only module that reads `os.environ`, and the only place that turns a
configuration error into exit code 2.

Each command imports what it needs when it runs, not here: `--help` loads no Slack client, web
server or database driver, `export` no Slack client, and only `demo` loads the emulator.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.arguments import build_parser
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.config import Config, StoreConfig

log = logging.getLogger("bot")

EXIT_CONFIG = 2
C = TypeVar("C", bound="StoreConfig")
SLACK_COMMANDS = frozenset({"run", "rituals", "prompt-now", "digest"})


def load_config(kind: type[C]) -> C:
    """Read the configuration from the process environment and `./.env`."""
    return kind.from_env(os.environ, env_file=Path(".env"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return the process exit code."""
    args = build_parser().parse_args(argv)
    import asyncio  # after parsing: `--help` and a mistyped option need none of it

    if args.command == "demo":
        from bot.demo import run_demo

        configure_logging("WARNING")
        return asyncio.run(run_demo(args.output))
    from bot.config import Config, ConfigError, StoreConfig

    try:
        if args.command in SLACK_COMMANDS:
            config = load_config(Config)
            configure_logging(config.log_level)
            if args.command == "run":
                return asyncio.run(serve(config))
            from bot.operator import run_digest, run_prompt_now, run_rituals

            if args.command == "rituals":
                return asyncio.run(run_rituals(config, args))
            if args.command == "digest":
                return asyncio.run(run_digest(config, args))
            if args.command == "prompt-now":
                return asyncio.run(run_prompt_now(config, args.ritual))
        store = load_config(StoreConfig)
        configure_logging(store.log_level)
        if args.command == "migrate":
            return asyncio.run(migrate_only(store))
        if args.command == "export":
            return asyncio.run(
                export(
                    store,
                    fmt=args.format,
                    since=args.since,
                    include_private=args.include_private,
                    include_anonymous_authors=args.include_anonymous_authors,
                )
            )
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    raise AssertionError(f"unhandled command {args.command!r}")


async def serve(config: Config) -> int:
    """Serve until SIGTERM or SIGINT, then shut down cleanly."""
    import asyncio
    import signal

    from bot.runtime import start_runtime

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = await start_runtime(config)
    try:
        await stop.wait()
        log.info("shutting down")
    finally:
        await runtime.stop()
    return 0


async def migrate_only(config: StoreConfig) -> int:
    """Apply pending migrations and report the version."""
    from services.deps import system_clock
    from storage.db import Database
    from storage.migrate import migrate

    db = Database.connect(config.database_url)
    try:
        version = await migrate(db, now=system_clock())
    finally:
        await db.close()
    print(f"database schema at version {version}")
    return 0


async def export(
    config: StoreConfig,
    *,
    fmt: str,
    since: date | None,
    include_private: bool,
    include_anonymous_authors: bool = False,
) -> int:
    """Print experiments for an operator; private ones, and anonymous authors, only when asked."""
    from datetime import UTC, datetime, time

    from services.deps import system_clock
    from services.export import render_export
    from storage.db import Database
    from storage.experiments import list_since
    from storage.migrate import migrate

    db = Database.connect(config.database_url)
    try:
        await migrate(db, now=system_clock())
        start = datetime.combine(since, time(0), tzinfo=UTC) if since else None
        async with db.read() as conn:
            found = await list_since(conn, start, include_private=include_private)
    finally:
        await db.close()
    sys.stdout.write(render_export(found, fmt, include_anonymous_authors=include_anonymous_authors))
    log.info(
        "exported %d experiments format=%s include_private=%s include_anonymous_authors=%s",
        len(found),
        fmt,
        include_private,
        include_anonymous_authors,
    )
    return 0
