"""The command line's grammar: every command, option and argument type of `python -m bot`.

It imports the standard library and the pure `core` only, so `--help` and a mistyped option are
answered without loading Slack, the database or the web server.
"""

from __future__ import annotations

import argparse
from datetime import date, time
from pathlib import Path

from core.rituals import DEFAULT_PROMPT
from core.schedule import Weekday
from core.weeks import WeekId


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
    export.add_argument(
        "--include-anonymous-authors",
        action="store_true",
        help="name the authors of entries shared without their name (left out by default)",
    )
    _add_ritual_commands(commands)
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


def _add_ritual_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe `rituals add|list|show|pause|resume|remove` and `prompt-now`."""
    rituals = commands.add_parser("rituals", help="set up and manage rituals")
    verbs = rituals.add_subparsers(dest="verb", required=True, metavar="VERB")
    add = verbs.add_parser("add", help="create a ritual")
    add.add_argument("--name", required=True)
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--users", help="comma-separated user IDs")
    who.add_argument(
        "--channel-members", metavar="CHANNEL", help="ask the members of this channel (ID)"
    )
    who.add_argument("--usergroup", help="ask the members of this user group (ID)")
    add.add_argument("--ask-in", metavar="CHANNEL", help="post the prompt in this channel (ID)")
    add.add_argument("--dm", action="store_true", help="also ask each person by DM")
    add.add_argument(
        "--when", required=True, type=_when, help='prompt day and time, e.g. "mon 09:00"'
    )
    add.add_argument("--tz", required=True, help="IANA time zone, e.g. Europe/Berlin")
    add.add_argument("--per-person-tz", action="store_true", help="use each person's own time zone")
    add.add_argument(
        "--reminder", type=_when, help='e.g. "wed 14:00" (once, to those who have not answered)'
    )
    add.add_argument("--digest-channel", help="post the weekly digest in this channel (ID)")
    add.add_argument(
        "--digest", type=_when, default=(Weekday.FRI, time(16, 0)), help='default "fri 16:00"'
    )
    add.add_argument("--prompt-text", default=DEFAULT_PROMPT)
    add.add_argument(
        "--no-quiet-week-post", action="store_true", help="post nothing in a week with no entries"
    )
    verbs.add_parser("list", help="list rituals")
    for verb in ("show", "pause", "resume", "remove"):
        verbs.add_parser(verb, help=f"{verb} a ritual").add_argument("ritual", help="name or id")
    digest = commands.add_parser("digest", help="preview or post a ritual's weekly digest")
    digest.add_argument("ritual", help="name or id")
    digest.add_argument(
        "--week", type=_week, help="ISO week, e.g. 2026-W48 (default: the current week)"
    )
    action = digest.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--preview", action="store_true", help="print the digest here without posting it"
    )
    action.add_argument("--post", action="store_true", help="post it (exactly once unless --force)")
    action.add_argument(
        "--pin",
        metavar="ENTRY",
        help="lead the week's digest with this entry (its id, shown by --preview), before it is posted",
    )
    digest.add_argument(
        "--force", action="store_true", help="with --post: post again even if already posted"
    )
    now = commands.add_parser(
        "prompt-now", help="send the current week's prompt of a ritual at once"
    )
    now.add_argument("ritual", help="name or id")


def _when(value: str) -> tuple[Weekday, time]:
    day, _, clock = value.strip().partition(" ")
    try:
        return Weekday.parse(day), time.fromisoformat(clock.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'expected a day and a time like "mon 09:00", got {value!r}'
        ) from None


def _week(value: str) -> WeekId:
    try:
        return WeekId.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None
