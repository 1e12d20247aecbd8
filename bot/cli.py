"""The command line: `python -m bot <command>` (also installed as `learning-out-loud`).

This is the only module that reads `os.environ`, and the only place that turns a
configuration error into exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TypeVar

from bot.config import Config, ConfigError, StoreConfig
from bot.demo import run_demo
from bot.logs import configure_logging
from bot.operator import add_ritual_commands, run_digest, run_prompt_now, run_rituals
from bot.runtime import Runtime
from services.deps import system_clock
from services.privacy import render_export
from storage.db import Database
from storage.experiments import list_since
from storage.migrate import migrate

log = logging.getLogger("bot")

EXIT_CONFIG = 2
C = TypeVar("C", bound=StoreConfig)
SLACK_COMMANDS = frozenset({"run", "rituals", "prompt-now", "digest"})


def build_parser() -> argparse.ArgumentParser:
    """Describe every command and its options."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Learning Out Loud, a Slack bot."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run", help="serve Slack (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)"
    )
    commands.add_parser("migrate", help="bring the database schema to the newest version and exit")
    export = commands.add_parser(
        "export", help="write experiments to standard output as CSV or JSON"
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--since",
        type=_date_arg,
        help="only experiments created on or after this date (YYYY-MM-DD, UTC)",
    )
    export.add_argument(
        "--include-private", action="store_true", help="include entries their authors kept private"
    )
    add_ritual_commands(commands)
    demo = commands.add_parser(
        "demo", help="run a whole ritual week against the local Slack emulator"
    )
    demo.add_argument(
        "--output",
        type=Path,
        default=Path("demo-output"),
        help="where to write the digest JSON and HTML",
    )
    return parser


def load_config(kind: type[C]) -> C:
    """Read the configuration from the process environment and `./.env`."""
    return kind.from_env(os.environ, env_file=Path(".env"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return the process exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        configure_logging("WARNING")
        return asyncio.run(run_demo(args.output))
    try:
        if args.command in SLACK_COMMANDS:
            config = load_config(Config)
            configure_logging(config.log_level)
            if args.command == "rituals":
                return asyncio.run(run_rituals(config, args))
            if args.command == "digest":
                return asyncio.run(run_digest(config, args))
            if args.command == "prompt-now":
                return asyncio.run(run_prompt_now(config, args.ritual))
            return asyncio.run(serve(config))
        store = load_config(StoreConfig)
        configure_logging(store.log_level)
        if args.command == "migrate":
            return asyncio.run(migrate_only(store))
        if args.command == "export":
            return asyncio.run(
                export(
                    store, fmt=args.format, since=args.since, include_private=args.include_private
                )
            )
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    raise AssertionError(f"unhandled command {args.command!r}")


async def serve(config: Config) -> int:
    """Serve until SIGTERM or SIGINT, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime(config)
    try:
        await runtime.start()
        await stop.wait()
        log.info("shutting down")
    finally:
        await runtime.stop()
    return 0


async def migrate_only(config: StoreConfig) -> int:
    """Apply pending migrations and report the version."""
    db = Database.connect(config.database_url)
    try:
        version = await migrate(db, now=system_clock())
    finally:
        await db.close()
    print(f"database schema at version {version}")
    return 0


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


async def export(
    config: StoreConfig, *, fmt: str, since: date | None, include_private: bool
) -> int:
    """Print experiments for an operator; private ones only when asked."""
    db = Database.connect(config.database_url)
    try:
        await migrate(db, now=system_clock())
        start = datetime.combine(since, time(0), tzinfo=UTC) if since else None
        async with db.read() as conn:
            found = await list_since(conn, start, include_private=include_private)
    finally:
        await db.close()
    sys.stdout.write(render_export(found, fmt))
    log.info(
        "exported %d experiments format=%s include_private=%s", len(found), fmt, include_private
    )
    return 0
