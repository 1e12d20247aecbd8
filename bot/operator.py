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
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from blocks.digest import digest_as_json
from blocks.terminal import messages_to_text
from bot.config import Config
from bot.pacing import Pacer
from bot.slack_client import build_client, build_session
from core.rituals import AudienceKind, Ritual, describe_schedule
from core.weeks import WeekId
from services import digests
from services.deps import ChartOptions, Deps, system_clock
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
            config.slack_bot_token.get_secret_value(),
            config.slack_api_url,
            http,
            timeout=timeout,
            retry_backoff=config.slack_retry_backoff_seconds,
            pacer=Pacer(scale=config.slack_rate_scale),
        )
        team_id = str((await client.auth_test())["team_id"])
        yield Session(
            Deps(
                db=db,
                admins=frozenset(config.bot_admins),
                lease=config.send_lease,
                chart=ChartOptions(enabled=config.digest_chart),
            ),
            client,
            team_id,
        )
    finally:
        await http.close()
        await db.close()


async def run_digest(config: Config, args: argparse.Namespace) -> int:
    """Preview or post one ritual's digest."""
    async with session(config) as s:
        async with s.deps.db.read() as conn:
            ritual = await repo.find_ritual(conn, args.ritual)
        if ritual is None:
            print(f"no ritual named or with id {args.ritual!r}", file=sys.stderr)
            return 1
        week = args.week or WeekId.of(s.deps.clock(), ZoneInfo(ritual.tz))
        if args.pin:
            problem = await digests.pin(s.deps, ritual, week, args.pin, pinned_by="operator")
            if problem:
                print(problem, file=sys.stderr)
                return 1
            print(f"{ritual.name} {week}: entry {args.pin} leads the digest")
            return 0
        if args.preview:
            messages = await digests.render(s.deps, s.client, ritual, week)
            print(messages_to_text(digest_as_json(messages)), end="")
            digest, _sharers = await digests.gather(s.deps, ritual, week)
            for exp in digest.entries:
                print(f"entry {exp.id}\t{exp.tool or '-'}\t{(exp.work or exp.summary)[:60]}")
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
