"""The running bot: database, Web API client, Bolt app, HTTP server or socket, and scheduler.

`start_runtime` returns a `Runtime` whose every part is set, or raises having closed what it
opened; nothing outside it holds a half-started bot. Start-up order: database and migrations first (a bot that cannot store must not accept
requests), then the client, the app and the server. Shutdown runs the other way: stop taking
requests and pause the timer, drain in-flight work (listeners and a scheduled fan-out finish
what they started, claim nothing new, and are cancelled after `SHUTDOWN_GRACE_SECONDS`), stop
the scheduler, close the HTTP session and the database.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_app
from bot.config import Config
from bot.intake import Intake, IntakeSettings
from bot.pacing import Pacer
from bot.scheduler import Scheduler
from bot.server import build_web_app
from bot.slack_client import build_client, build_session
from core.tools import DEFAULT_CATALOGUE, ToolCatalogue, load_catalogue
from services.deps import ChartOptions, Clock, Deps, system_clock
from services.llm import LanguageModel
from services.people import PeopleDirectory
from storage.db import Database
from storage.migrate import migrate

log = logging.getLogger(__name__)


@dataclass
class Readiness:
    """What `/readyz` answers: why this process takes no traffic yet (or any more), or None."""

    reason: str | None = "starting"


@dataclass(frozen=True, kw_only=True)
class Runtime:
    """A running bot, every part set: made by `start_runtime`, ended by `stop`."""

    config: Config
    clock: Clock
    db: Database
    client: AsyncWebClient
    deps: Deps
    intake: Intake
    app: AsyncApp
    _session: aiohttp.ClientSession
    _scheduler: Scheduler
    _server: web.AppRunner | AsyncSocketModeHandler
    _port: int | None  # None in Socket Mode, which serves no port
    readiness: Readiness

    @property
    def port(self) -> int:
        """The HTTP port Slack's requests come in on (the bound one, when the config asked for 0)."""
        if self._port is None:
            raise RuntimeError("the bot runs in Socket Mode and serves no HTTP port")
        return self._port

    async def stop(self) -> None:
        """Stop taking requests, finish in-flight work, and close everything."""
        self.readiness.reason = "draining"
        self.deps.inflight.draining = True
        self._scheduler.pause()
        if isinstance(self._server, AsyncSocketModeHandler):
            await self._server.close_async()  # type: ignore[no-untyped-call]
        else:
            await self._server.cleanup()
        # Inbox workers and other in-flight work (listeners, a fan-out) share one grace period.
        grace = self.config.shutdown_grace_seconds
        await asyncio.gather(self.intake.stop(grace), self.deps.inflight.drain(grace))
        self._scheduler.shutdown()
        await self._scheduler.release()  # another replica leads from its next tick
        await self._session.close()
        if self.deps.llm is not None:
            await self.deps.llm.close()
        await self.db.close()
        log.info("stopped")


async def start_runtime(
    config: Config, *, clock: Clock = system_clock, scheduling: bool = True
) -> Runtime:
    """Open the database, migrate it, and begin serving Slack; return the running bot.

    `scheduling=False` leaves the timer off: tests and the demo call `run_due` themselves with a
    controlled clock. When a step fails, what the earlier steps opened is closed again.
    """
    async with AsyncExitStack() as opened:
        db = Database.connect(config.database_url, pool_size=config.database_pool_size)
        opened.push_async_callback(db.close)
        version = await migrate(db, now=clock())
        log.info("database ready schema_version=%s", version)
        timeout = config.slack_timeout_seconds
        session = build_session(timeout)
        opened.push_async_callback(session.close)
        client = build_client(
            config.slack_bot_token.get_secret_value(),
            config.slack_api_url,
            session,
            timeout=timeout,
            retry_backoff=config.slack_retry_backoff_seconds,
            pacer=Pacer(scale=config.slack_rate_scale),  # one per process: Slack counts per app
        )
        llm = _language_model(config)
        if llm is not None:
            opened.push_async_callback(llm.close)
        deps = Deps(
            db=db,
            clock=clock,
            catalogue=_catalogue(config),
            admins=frozenset(config.bot_admins),
            llm=llm,
            lease=config.send_lease,
            people=PeopleDirectory(clock=clock, ttl=timedelta(hours=config.people_cache_hours)),
            chart=ChartOptions(enabled=config.digest_chart),
        )
        intake = Intake(
            deps,
            client,
            IntakeSettings(
                workers=config.intake_workers,
                lease=timedelta(seconds=config.intake_lease_seconds),
                retention=timedelta(hours=config.intake_retention_hours),
            ),
        )
        secret = config.slack_signing_secret
        signing_secret = None if config.socket_mode or secret is None else secret.get_secret_value()
        app = build_app(client=client, deps=deps, signing_secret=signing_secret, intake=intake)
        intake.start()
        opened.push_async_callback(intake.stop, 0)
        scheduler = Scheduler(
            deps,
            client,
            grace=config.missed_send_grace,
            lease=timedelta(seconds=config.scheduler_lease_seconds),
            tick=timedelta(seconds=config.scheduler_tick_seconds),
        )
        readiness = Readiness()
        server: web.AppRunner | AsyncSocketModeHandler
        port: int | None = None
        if config.slack_app_token is not None:
            server = AsyncSocketModeHandler(app, config.slack_app_token.get_secret_value())
            await server.connect_async()  # type: ignore[no-untyped-call]
            opened.push_async_callback(server.close_async)
            log.info("connected to Slack in Socket Mode")
        else:
            server = web.AppRunner(
                build_web_app(
                    app, db, signing_secret=signing_secret, ready=lambda: readiness.reason
                ),
                handle_signals=False,
            )
            await server.setup()
            opened.push_async_callback(server.cleanup)
            await web.TCPSite(server, config.host, config.port).start()
            port = _bound_port(server)
            log.info("listening host=%s port=%s path=/slack/events", config.host, port)
        if scheduling:
            scheduler.start()
        readiness.reason = None
        opened.pop_all()  # running: from here on `Runtime.stop` closes everything, in its order
        return Runtime(
            config=config,
            clock=clock,
            db=db,
            client=client,
            deps=deps,
            intake=intake,
            app=app,
            _session=session,
            _scheduler=scheduler,
            _server=server,
            _port=port,
            readiness=readiness,
        )
    raise AssertionError("unreachable")  # pragma: no cover: the block returns or raises


def _catalogue(config: Config) -> ToolCatalogue:
    path = config.tool_catalogue_file
    return DEFAULT_CATALOGUE if path is None else load_catalogue(path.read_text(encoding="utf-8"))


def _language_model(config: Config) -> LanguageModel | None:
    if config.llm_api_url is None or config.llm_api_key is None or config.llm_model is None:
        return None  # off by default; the config refuses one or two of the three
    log.info("language model on model=%s", config.llm_model)
    return LanguageModel(
        base_url=config.llm_api_url,
        api_key=config.llm_api_key.get_secret_value(),
        model=config.llm_model,
        timeout=config.llm_timeout_seconds,
    )


def _bound_port(runner: web.AppRunner) -> int:
    for site_address in runner.addresses:
        if isinstance(site_address, tuple):
            return int(site_address[1])
    raise RuntimeError("the HTTP server has no bound address")
