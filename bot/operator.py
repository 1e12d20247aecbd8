"""Operator commands that talk to Slack: `rituals …` and `prompt-now`.

They share the service layer with the listeners and the scheduler, so a ritual made here is
validated exactly as one made with `/tried setup`, and a prompt sent here is claimed like any
scheduled one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from blocks.digest import digest_as_json
from blocks.terminal import messages_to_text
from bot.config import Config
from bot.slack_client import build_client, build_session
from core.rituals import DEFAULT_PROMPT, AudienceKind, Ritual, describe_schedule
from core.schedule import Weekday
from core.weeks import WeekId
from services import digests
from services.deps import Deps, system_clock
from services.ritual_runs import prompt_now
from services.ritual_setup import create_ritual
from storage import rituals as repo
from storage.db import Database, new_id
from storage.migrate import migrate
from storage.sends import SendKind


@dataclass(frozen=True)
class Session:
    deps: Deps
    client: AsyncWebClient
    team_id: str


@asynccontextmanager
async def session(config: Config) -> AsyncIterator[Session]:
    """Open the database and a Web API client for one operator command."""
    db = Database.connect(config.database_url)
    timeout = config.slack_timeout_seconds
    http = build_session(timeout)
    try:
        await migrate(db, now=system_clock())
        client = build_client(
            config.slack_bot_token.get_secret_value(), config.slack_api_url, http, timeout=timeout
        )
        team_id = str((await client.auth_test())["team_id"])
        yield Session(
            Deps(db=db, admins=frozenset(config.bot_admins), lease=config.send_lease),
            client,
            team_id,
        )
    finally:
        await http.close()
        await db.close()


def add_ritual_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


async def run_digest(config: Config, args: argparse.Namespace) -> int:
    """Preview or post one ritual's digest."""
    async with session(config) as s:
        async with s.deps.db.read() as conn:
            ritual = await repo.find_ritual(conn, args.ritual)
        if ritual is None:
            print(f"no ritual named or with id {args.ritual!r}", file=sys.stderr)
            return 1
        week = args.week or WeekId.of(s.deps.clock(), ZoneInfo(ritual.tz))
        if args.preview:
            messages = await digests.render(s.deps, s.client, ritual, week)
            print(messages_to_text(digest_as_json(messages)), end="")
            return 0
        result = await digests.post_digest(s.deps, s.client, ritual, week, force=args.force)
    if result.failed:
        print(
            f"not posted: {result.failed} ({result.posted} of {result.total} parts posted now)",
            file=sys.stderr,
        )
        return 1
    print(
        f"{ritual.name} {week}: {result.posted} of {result.total} parts posted now (the rest were already posted)"
    )
    return 0


async def run_rituals(config: Config, args: argparse.Namespace) -> int:
    """Carry out one `rituals` verb; exit 1 with a message when it cannot."""
    async with session(config) as s:
        if args.verb == "add":
            return await _add(s, args)
        async with s.deps.db.transaction() as conn:
            if args.verb == "list":
                for each in await repo.list_rituals(conn, s.team_id):
                    state = "paused" if each.paused else "active"
                    print(f"{each.name}\t{state}\t{describe_schedule(each)}\t{each.id}")
                return 0
            ritual = await repo.find_ritual(conn, args.ritual)
            if ritual is None:
                print(f"no ritual named or with id {args.ritual!r}", file=sys.stderr)
                return 1
            if args.verb == "show":
                print(describe(ritual))
            elif args.verb in ("pause", "resume"):
                await repo.set_paused(conn, ritual.id, args.verb == "pause", now=s.deps.clock())
                print(f"{ritual.name}: {'paused' if args.verb == 'pause' else 'active'}")
            elif args.verb == "remove":
                await repo.delete_ritual(conn, ritual.id)
                print(f"{ritual.name}: removed")
    return 0


async def _add(s: Session, args: argparse.Namespace) -> int:
    if args.users:
        kind, audience = (
            AudienceKind.USERS,
            tuple(u.strip() for u in args.users.split(",") if u.strip()),
        )
    elif args.channel_members:
        kind, audience = AudienceKind.CHANNEL, (args.channel_members,)
    else:
        kind, audience = AudienceKind.USERGROUP, (args.usergroup,)
    ritual = Ritual(
        id=new_id(),
        team_id=s.team_id,
        name=args.name.strip(),
        audience_kind=kind,
        audience=audience,
        weekday=args.when[0],
        at=args.when[1],
        tz=args.tz,
        prompt_channel_id=args.ask_in,
        dm=args.dm,
        per_person_tz=args.per_person_tz,
        prompt_text=args.prompt_text,
        reminder_weekday=args.reminder[0] if args.reminder else None,
        reminder_at=args.reminder[1] if args.reminder else None,
        digest_channel_id=args.digest_channel,
        digest_weekday=args.digest[0],
        digest_at=args.digest[1],
        quiet_week_post=not args.no_quiet_week_post,
        created_by="cli",
    )
    problems = await create_ritual(s.deps, s.client, ritual)
    if problems:
        for problem in problems:
            print(f"not saved: {problem}", file=sys.stderr)
        return 1
    print(f"created {ritual.name} ({ritual.id}): {describe_schedule(ritual)}")
    return 0


async def run_prompt_now(config: Config, ref: str) -> int:
    """Send the current week's prompt of one ritual now."""
    async with session(config) as s:
        async with s.deps.db.read() as conn:
            ritual = await repo.find_ritual(conn, ref)
        if ritual is None:
            print(f"no ritual named or with id {ref!r}", file=sys.stderr)
            return 1
        report = await prompt_now(s.deps, s.client, ritual, now=s.deps.clock())
    sent = report.sent[SendKind.PROMPT]
    print(f"{ritual.name}: {sent} prompt(s) sent now (a prompt already sent is never sent again)")
    return 0


def describe(ritual: Ritual) -> str:
    """Show a ritual's settings, one per line."""
    reminder = (
        f"{ritual.reminder_weekday.name.capitalize()} {ritual.reminder_at:%H:%M}"
        if ritual.reminder_weekday is not None and ritual.reminder_at is not None
        else "none"
    )
    lines = [
        f"name: {ritual.name}",
        f"id: {ritual.id}",
        f"status: {'paused' if ritual.paused else 'active'}",
        f"audience: {ritual.audience_kind.value} {', '.join(ritual.audience)}",
        f"asks in: {ritual.prompt_channel_id or '-'}{' and by DM' if ritual.dm else ''}",
        f"prompt: {describe_schedule(ritual)}",
        f"reminder: {reminder}",
        f"digest: {ritual.digest_channel_id or '-'} {ritual.digest_weekday.name.capitalize()} {ritual.digest_at:%H:%M}",
    ]
    return "\n".join(lines)
