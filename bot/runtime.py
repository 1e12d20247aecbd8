"""The running bot: database, Web API client, Bolt app, HTTP server or socket, and scheduler.

Start-up order: database and migrations first (a bot that cannot store must not accept
requests), then the client, the app and the server. Shutdown runs the other way: stop taking
requests and pause the timer, drain in-flight work (listeners and a scheduled fan-out finish
what they started, claim nothing new, and are cancelled after `SHUTDOWN_GRACE_SECONDS`), stop
the scheduler, close the HTTP session and the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
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
from bot.scheduler import Scheduler
from bot.server import build_web_app
from bot.slack_client import build_client, build_session
from core.tools import DEFAULT_CATALOGUE, ToolCatalogue, load_catalogue
from services.deps import Clock, Deps, system_clock
from services.llm import LanguageModel
from storage.db import Database
from storage.migrate import migrate

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    config: Config
    clock: Clock = system_clock
    db: Database | None = None
    client: AsyncWebClient | None = None
    app: AsyncApp | None = None
    deps: Deps | None = None
    port: int | None = None
    _session: aiohttp.ClientSession | None = None
    _runner: web.AppRunner | None = None
    _socket: AsyncSocketModeHandler | None = None
    _scheduler: Scheduler | None = None
    intake: Intake | None = None
    scheduling: bool = True  # tests drive `run_due` themselves with a controlled clock
    # What `/readyz` answers: why this process takes no traffic yet (or any more), or None.
    not_ready: str | None = "starting"

    async def start(self) -> None:
        """Open the database, migrate it, and begin serving Slack."""
        self.db = Database.connect(
            self.config.database_url, pool_size=self.config.database_pool_size
        )
        version = await migrate(self.db, now=self.clock())
        log.info("database ready schema_version=%s", version)
        timeout = self.config.slack_timeout_seconds
        self._session = build_session(timeout)
        self.client = build_client(
            self.config.slack_bot_token.get_secret_value(),
            self.config.slack_api_url,
            self._session,
            timeout=timeout,
        )
        self.deps = Deps(
            db=self.db,
            clock=self.clock,
            catalogue=self._catalogue(),
            admins=frozenset(self.config.bot_admins),
            llm=self._language_model(),
            lease=self.config.send_lease,
        )
        self.intake = Intake(
            self.deps,
            self.client,
            IntakeSettings(
                workers=self.config.intake_workers,
                lease=timedelta(seconds=self.config.intake_lease_seconds),
                retention=timedelta(hours=self.config.intake_retention_hours),
            ),
        )
        secret = self.config.slack_signing_secret
        signing_secret = (
            None if self.config.socket_mode or secret is None else secret.get_secret_value()
        )
        self.app = build_app(
            client=self.client, deps=self.deps, signing_secret=signing_secret, intake=self.intake
        )
        self.intake.start()
        self._scheduler = Scheduler(
            self.deps,
            self.client,
            grace=self.config.missed_send_grace,
            lease=timedelta(seconds=self.config.scheduler_lease_seconds),
            tick=timedelta(seconds=self.config.scheduler_tick_seconds),
        )
        if self.config.slack_app_token is not None:
            self._socket = AsyncSocketModeHandler(
                self.app, self.config.slack_app_token.get_secret_value()
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack in Socket Mode")
        else:
            self._runner = web.AppRunner(
                build_web_app(
                    self.app,
                    self.db,
                    signing_secret=signing_secret,
                    ready=lambda: self.not_ready,
                ),
                handle_signals=False,
            )
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.config.host, self.config.port)
            await site.start()
            self.port = _bound_port(self._runner)
            log.info("listening host=%s port=%s path=/slack/events", self.config.host, self.port)
        if self.scheduling:
            self._scheduler.start()
        self.not_ready = None

    async def stop(self) -> None:
        """Stop taking requests, finish in-flight work, and close everything."""
        self.not_ready = "draining"
        if self.deps is not None:
            self.deps.inflight.draining = True
        if self._scheduler is not None:
            self._scheduler.pause()
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()
        # Inbox workers and other in-flight work (listeners, a fan-out) share one grace period.
        grace = self.config.shutdown_grace_seconds
        draining: list[Awaitable[object]] = []
        if self.intake is not None:
            draining.append(self.intake.stop(grace))
        if self.deps is not None:
            draining.append(self.deps.inflight.drain(grace))
        await asyncio.gather(*draining)
        if self._scheduler is not None:
            self._scheduler.shutdown()
            await self._scheduler.release()
        if self._session is not None:
            await self._session.close()
        if self.deps is not None and self.deps.llm is not None:
            await self.deps.llm.close()
        if self.db is not None:
            await self.db.close()
        log.info("stopped")

    def _catalogue(self) -> ToolCatalogue:
        path = self.config.tool_catalogue_file
        return (
            DEFAULT_CATALOGUE if path is None else load_catalogue(path.read_text(encoding="utf-8"))
        )

    def _language_model(self) -> LanguageModel | None:
        config = self.config
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
