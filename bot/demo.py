"""`python -m bot demo`: a whole ritual week against the local Slack emulator, in seconds.

It starts the emulator and the real bot (HTTP, signed requests, the same code as production),
creates a ritual for six leaders in four time zones, and then moves a controlled clock through
the week: Monday's prompts, replies in the thread (surprises and failures, one edited), `/tried`
entries, a skip, Wednesday's reminder, Friday's digest with its chart. On Thursday a busy
company's worth of entries arrives (48 more from 40 people in five job functions,
`bot.sample_week`), so the digest shows what it does at scale: three things to know on top,
every entry by tool in its thread, the tool x function table. After the digest, a reader says
they tried an entry too and its count updates. It prints the digest and writes its Block Kit
JSON, its chart (PNG) and an HTML page of the digest channel to
`./demo-output/`.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from blocks.terminal import messages_to_text
from bot.channel_html import channel_page
from bot.config import Config
from bot.runtime import Runtime, start_runtime
from bot.sample_week import people, realistic_week
from core.model import Experiment, FailureMode, Outcome, Source
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday, resolve_local
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from fakeslack.state import Message
from services.deps import system_clock
from services.ritual_runs import run_due
from services.ritual_setup import create_ritual
from storage import experiments as repo
from storage.db import new_id

SECRET = "demo-signing-secret"
BERLIN = ZoneInfo("Europe/Berlin")
PEOPLE = [
    # id, handle, name, zone, job function
    ("U0MAYA", "maya", "Maya Okafor", "Europe/Berlin", "engineering"),
    ("U0LIAM", "liam", "Liam Chen", "America/New_York", "product"),
    ("U0SOFIA", "sofia", "Sofia Rossi", "Europe/Rome", "legal"),
    ("U0ARJUN", "arjun", "Arjun Mehta", "Asia/Kolkata", "sales"),
    ("U0ELLA", "ella", "Ella Novak", "Europe/Berlin", "ops"),
    ("U0TOM", "tom", "Tom Fischer", "Europe/Berlin", "finance"),
    ("U0NINA", "nina", "Nina Park", "Asia/Tokyo", "people"),
]


@dataclass
class DemoClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


def say(text: str) -> None:
    print(text, flush=True)


async def run_demo(output: Path) -> int:
    """Run the week and write the outputs; return the exit code."""
    logging.getLogger().setLevel(logging.WARNING)
    week = WeekId.of(system_clock(), BERLIN)
    monday_9 = resolve_local(week.date_of(Weekday.MON), time(9), BERLIN)
    clock = DemoClock(monday_9 - timedelta(days=1))  # set up on Sunday, before the week starts
    slack = FakeSlack(clock=clock.epoch, rate_scale=50)
    for user_id, handle, name, tz, _job in PEOPLE:
        slack.add_user(user_id, handle, real_name=name, tz=tz)
    slack.add_user("U0ADMIN", "admin", real_name="Dana Admin", tz="Europe/Berlin", is_admin=True)
    ids = [p[0] for p in PEOPLE]
    leadership = slack.add_channel("leadership", members=[*ids, "U0ADMIN"])
    digest_channel = slack.add_channel("ai-digest", members=[*ids, "U0ADMIN"])
    with tempfile.TemporaryDirectory() as workdir:
        async with slack:
            config = Config.from_env(
                {
                    "SLACK_BOT_TOKEN": slack.token,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": slack.api_url,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{Path(workdir) / 'demo.db'}",
                    "HOST": "127.0.0.1",
                    "PORT": "0",
                    "LOG_LEVEL": "WARNING",
                    "SLACK_RATE_SCALE": "50",  # the emulator runs at 50 times Slack's rates
                }
            )
            runtime = await start_runtime(config, clock=clock, scheduling=False)
            try:
                async with SlackDriver(
                    f"http://127.0.0.1:{runtime.port}/slack/events", SECRET, slack
                ) as driver:
                    await _week(
                        runtime, driver, slack, clock, week, leadership.id, digest_channel.id
                    )
            finally:
                await runtime.stop()
            _write_outputs(slack, output, digest_channel.id, leadership.id)
    return 0


async def _settle(runtime: Runtime) -> None:
    await runtime.deps.inflight.wait(10)


async def _tick(runtime: Runtime, clock: DemoClock, at: datetime) -> None:
    clock.now = at
    await run_due(runtime.deps, runtime.client, now=at, grace=timedelta(hours=6))


async def _week(
    runtime: Runtime,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: DemoClock,
    week: WeekId,
    leadership: str,
    digest: str,
) -> None:
    ids = [p[0] for p in PEOPLE]
    ritual = Ritual(
        id="leadership",
        team_id=slack.ws.team_id,
        name="Leadership AI week",
        audience_kind=AudienceKind.USERS,
        audience=tuple(ids),
        weekday=Weekday.MON,
        at=time(9, 0),
        tz="Europe/Berlin",
        prompt_channel_id=leadership,
        dm=False,
        reminder_weekday=Weekday.WED,
        reminder_at=time(14, 0),
        digest_channel_id=digest,
        digest_weekday=Weekday.FRI,
        digest_at=time(16, 0),
        created_by="U0ADMIN",
    )
    problems = await create_ritual(runtime.deps, runtime.client, ritual)
    if problems:
        raise RuntimeError(f"demo ritual refused: {problems}")
    say(
        f"Ritual '{ritual.name}': Mondays 09:00 Europe/Berlin in #leadership, reminder Wed 14:00, digest Fri 16:00."
    )
    await _seed_history(runtime, ritual, week)
    for user_id, *_rest, job in PEOPLE:
        await driver.slash_command(user_id, "profile")
        await _settle(runtime)
        values: dict[str, dict[str, Any]] = {
            "job_function": {
                "job_function": {"type": "static_select", "selected_option": {"value": job}}
            },
            # Slack sends the box as shown: DM prompts start checked.
            "dm_prompts": {
                "dm_prompts": {"type": "checkboxes", "selected_options": [{"value": "on"}]}
            },
        }
        await driver.view_submission(user_id, driver.last_view(user_id, "profile_form"), values)
    await _settle(runtime)

    monday = resolve_local(week.date_of(Weekday.MON), time(9), BERLIN)
    await _tick(runtime, clock, monday)
    prompt = next(m for m in slack.messages(leadership) if m.bot_id)
    say(
        f"\nMon 09:00  the prompt is posted in #leadership; its thread collects the week's replies ({week})."
    )

    replies = [
        (
            "U0MAYA",
            1,
            "Tool: Copilot\nWork: the billing migration plan\nWhat happened: drafted the plan in 20 minutes\nFailed: it invented a --dry-run flag our CLI never had. Confidently.\nCaught: in review\nNext: give it the CLI's --help output first",
        ),
        (
            "U0SOFIA",
            2,
            "Used Claude to compare two NDAs clause by clause. Surprised it caught a changed governing-law clause I had missed, but it made up a clause number.",
        ),
        (
            "U0LIAM",
            5,
            "Tool: ChatGPT\nWhat happened: summarised 40 customer interviews\nFailed: after about 25 transcripts it lost track and mixed up two customers. Quality drops as the chat grows.",
        ),
        (
            "U0ARJUN",
            6,
            "Gemini turned my call notes into a proposal outline. Worked, saved me an hour. Turns out it also drafts decent objection handling.",
        ),
    ]
    captured: dict[str, Message] = {}
    for user_id, hours, text in replies:
        clock.now = monday + timedelta(hours=hours)
        message, _ = await driver.post_message(user_id, leadership, text, thread_ts=prompt.ts)
        captured[user_id] = message
        await _settle(runtime)
        say(
            f"Mon {clock.now.astimezone(BERLIN):%H:%M}  {_name(slack, user_id)} replies in the thread; the bot reacts :memo:"
        )
    clock.now = monday + timedelta(hours=7)
    await driver.edit_message(
        leadership,
        captured["U0MAYA"].ts,
        replies[0][2] + "\nSurprised: the tests it wrote were better than mine.",
    )
    await _settle(runtime)
    say("Mon 16:00  Maya edits her reply to add a surprise; the stored experiment follows the edit")

    clock.now = monday + timedelta(days=1, hours=2)
    await driver.slash_command(
        "U0ELLA",
        "Copilot: built the vendor-spend spreadsheet formulas, it silently skipped the last 200 rows",
    )
    await _settle(runtime)
    say("Tue 11:00  Ella: /tried Copilot: … (saved at once, and posted into the week's thread)")
    await driver.slash_command("U0MAYA", "private Claude: drafted a performance review note")
    await _settle(runtime)
    say("Tue 11:00  Maya: /tried private … (kept out of the digest and every channel)")

    wednesday = resolve_local(week.date_of(Weekday.WED), time(14), BERLIN)
    clock.now = wednesday - timedelta(hours=3)
    await driver.block_action(
        "U0TOM",
        "ritual_skip_week",
        f"{ritual.id}|{week}",
        channel_id=leadership,
        message_ts=prompt.ts,
    )
    await _settle(runtime)
    say("Wed 11:00  Tom presses 'Skip this week'")
    await _tick(runtime, clock, wednesday)
    reminded = [name for user_id, _handle, name, *_ in PEOPLE if _bot_wrote_to(slack, user_id)]
    say(
        f"Wed 14:00  one reminder by DM to who neither answered nor skipped: {', '.join(reminded) or 'nobody'}"
    )

    thursday = resolve_local(week.date_of(Weekday.THU), time(10), BERLIN)
    clock.now = thursday
    crowd = people(40)
    for person in crowd:
        slack.add_user(person.user_id, person.user_id.lower(), real_name=person.name, tz="UTC")
    busy = realistic_week(
        week=str(week), start=thursday, entries=48, sharers=40, ritual_id=ritual.id
    )
    async with runtime.deps.db.transaction() as conn:
        for exp in busy:
            await repo.insert_experiment(
                conn, replace(exp, team_id=ritual.team_id), source_key=f"sample:{exp.id}"
            )
    say(
        f"Thu 10:00  the rest of the company joins in: {len(busy)} more entries from {len(crowd)} people in five job functions"
    )

    friday = resolve_local(week.date_of(Weekday.FRI), time(16), BERLIN)
    await _tick(runtime, clock, friday)
    parts = [m for m in slack.messages(digest) if m.bot_id and not m.files]
    charts = [m for m in slack.messages(digest) if m.bot_id and m.files]
    say(
        f"Fri 16:00  the digest is posted in #ai-digest: a short top post and {len(parts) - 1} thread message{'s' if len(parts) != 2 else ''}"
        f"{', and its chart in the thread' if charts else ''}\n"
    )
    maya = next(m for m in parts[1:] if "invented a --dry-run" in json.dumps(m.blocks))
    value = next(
        o
        for b in maya.blocks or []
        for o in (b.get("accessory") or {}).get("options", [])
        if "invented a --dry-run" in json.dumps(b) and o["value"].startswith("same|")
    )
    for reader in ("U0LIAM", "U0ELLA"):
        clock.now = friday + timedelta(minutes=20)
        await driver.block_action(
            reader,
            "digest_replicate",
            channel_id=digest,
            message_ts=maya.ts,
            block_id="entry",
            selected_option=value,
            element_type="overflow",
        )
        await _settle(runtime)
    say(
        "Fri 16:20  Liam and Ella say they tried Maya's entry too: its count updates in the thread\n"
    )
    parts = [m for m in slack.messages(digest) if m.bot_id and not m.files]
    say(messages_to_text([{"blocks": m.blocks or [], "text": m.text} for m in parts]))


def _bot_wrote_to(slack: FakeSlack, user_id: str) -> bool:
    dm = slack.dm_channel(user_id)
    return dm is not None and any(m.bot_id for m in dm.messages)


def _name(slack: FakeSlack, user_id: str) -> str:
    user = slack.ws.users.get(user_id)
    return user.real_name if user else user_id


async def _seed_history(runtime: Runtime, ritual: Ritual, week: WeekId) -> None:
    """Four earlier weeks of sharing, so "what changed" has something to compare with."""
    history = [
        (4, "U0MAYA", "GitHub Copilot", Outcome.WORKED, None),
        (3, "U0LIAM", "ChatGPT", Outcome.FAILED, FailureMode.CONTEXT_DECAY),
        (3, "U0SOFIA", "Claude", Outcome.WORKED, None),
        (2, "U0MAYA", "GitHub Copilot", Outcome.WORKED, None),
        (1, "U0ELLA", "ChatGPT", Outcome.WORKED, None),
        (1, "U0LIAM", "Claude", Outcome.MIXED, FailureMode.CONFIDENT_WRONG),
        (3, "U0ELLA", "Claude", Outcome.WORKED, None),
        (2, "U0SOFIA", "Claude", Outcome.WORKED, None),
        (4, "U0LIAM", "ChatGPT", Outcome.WORKED, None),
        (2, "U0TOM", "ChatGPT", Outcome.WORKED, None),
        (2, "U0ARJUN", "Gemini", Outcome.WORKED, None),
    ]
    async with runtime.deps.db.transaction() as conn:
        for back, user, tool, outcome, mode in history:
            earlier = week.shift(-back)
            at = resolve_local(earlier.date_of(Weekday.TUE), time(10), BERLIN)
            exp = Experiment(
                id=new_id(),
                team_id="T0LOL",
                user_id=user,
                source=Source.THREAD,
                summary=f"an earlier experiment with {tool}",
                created_at=at,
                updated_at=at,
                week=str(earlier),
                tool=tool,
                outcome=outcome,
                failure_mode=mode,
                failure="it went wrong" if mode else "",
                ritual_id=ritual.id,
            )
            await repo.insert_experiment(conn, exp, source_key=f"history:{exp.id}")


CHART_FILE = "digest-chart.png"


def _write_outputs(slack: FakeSlack, output: Path, digest: str, leadership: str) -> None:
    output.mkdir(parents=True, exist_ok=True)
    parts = [m for m in slack.messages(digest) if m.bot_id and not m.files]
    written = [output / "digest.json", output / "channel.html", output / "thread.html"]
    charts = [f.data for f in slack.files_in(digest) if f.data is not None]
    if charts:
        (output / CHART_FILE).write_bytes(charts[-1])
        written.insert(1, output / CHART_FILE)
    (output / "digest.json").write_text(
        json.dumps(
            [
                {"text": m.text, "blocks": m.blocks, "ts": m.ts, "thread_ts": m.thread_ts}
                for m in parts
            ],
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    (output / "channel.html").write_text(
        channel_page("#ai-digest", _rows(slack, [m for m in slack.messages(digest) if m.bot_id])),
        encoding="utf-8",
    )
    (output / "thread.html").write_text(
        channel_page("#leadership", _rows(slack, slack.messages(leadership))), encoding="utf-8"
    )
    say(f"Wrote {', '.join(str(p) for p in written[:-1])} and {written[-1]}.")


def _rows(slack: FakeSlack, messages: list[Message]) -> list[dict[str, Any]]:
    rows = []
    for message in messages:
        who = "Learning Out Loud (app)" if message.bot_id else _name(slack, message.user or "")
        when = (
            datetime.fromtimestamp(float(message.ts), UTC).astimezone(BERLIN).strftime("%a %H:%M")
        )
        rows.append(
            {
                "who": who,
                "when": when,
                "blocks": message.blocks,
                "text": message.text,
                "is_reply": bool(message.thread_ts and message.thread_ts != message.ts),
                "reactions": list(message.reactions),
                # The demo writes the one chart it shows next to the page (`CHART_FILE`).
                "images": [(CHART_FILE, str(f.get("alt_txt", ""))) for f in message.files],
            }
        )
    return rows
