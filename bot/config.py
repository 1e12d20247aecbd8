"""Configuration, read from an injected environment mapping (and optionally a `.env` file).

Rules:
- `Config.from_env(environ)` is the only way in; `os.environ` is read in `bot.cli` alone, so tests
  pass a plain dict.
- Values in the real environment win over the `.env` file.
- A missing or malformed required value raises `ConfigError` with one line naming the variable.
  Secrets are `SecretStr`, so neither `repr(config)` nor an error message ever shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Self

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.tools import CatalogueError, load_catalogue
from storage.sends import Lease

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/learning-out-loud.db"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


class StoreConfig(BaseSettings):
    """What commands that only touch the database need (`migrate`, `export`)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int | None = Field(default=None, ge=1)  # None: SQLAlchemy's default
    log_level: LogLevel = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what `from_env` passes in: the process environment is never read behind our back.
        return (init_settings,)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, env_file: Path | None = None) -> Self:
        """Build the config from an environment mapping, with `.env` values underneath."""
        merged: dict[str, str | None] = {}
        if env_file is not None and env_file.is_file():
            merged.update(dotenv_values(env_file))
        merged.update(environ)
        known = set(cls.model_fields)
        values: dict[str, Any] = {
            k.lower(): v for k, v in merged.items() if v and k.lower() in known
        }
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None


class Config(StoreConfig):
    """Everything the bot needs to serve Slack, validated once at start-up."""

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_API_URL
    host: str = "0.0.0.0"  # a server in a container listens on all interfaces
    port: int = Field(default=3000, ge=0, le=65535)
    bot_admins: tuple[str, ...] = ()
    tool_catalogue_file: Path | None = None
    missed_send_grace_hours: float = Field(default=6.0, ge=0)
    # The optional language model: off unless all three are set (see `_llm_all_or_none`).
    llm_api_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    # Capture waits for the model after the ack, so a few seconds at most.
    llm_timeout_seconds: float = Field(default=4.0, gt=0, le=10)
    # The inbox (bot.intake): workers at once (0: only write requests down, for other replicas),
    # how long a taken row is held before another worker may take it, how long done rows stay.
    intake_workers: int = Field(default=8, ge=0, le=64)
    intake_lease_seconds: float = Field(default=120.0, gt=0)
    intake_retention_hours: float = Field(default=72.0, gt=0)
    slack_timeout_seconds: float = Field(default=15.0, gt=0)  # each Web API attempt
    # The first wait before retrying a 5xx or a lost connection (doubling; 0: at once).
    slack_retry_backoff_seconds: float = Field(default=0.5, ge=0, le=30)
    # Client-side pacing runs at Slack's documented limits times this (only for an emulator
    # that allows more than Slack does; see docs/slack-limits.md).
    slack_rate_scale: float = Field(default=1.0, gt=0, le=1000)
    # How long a person looked up (time zone, name, admin) is trusted before asking Slack again.
    people_cache_hours: float = Field(default=6.0, gt=0, le=168)
    send_lease_seconds: float = Field(default=180.0, gt=0)  # a send claim without renewal
    send_heartbeat_seconds: float = Field(default=30.0, gt=0)  # lease renewal while sending
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)  # in-flight work on SIGTERM
    # One replica leads each tick's scheduled work; a dead leader is replaced after this long.
    scheduler_lease_seconds: float = Field(default=90.0, ge=2)
    scheduler_tick_seconds: float = Field(default=30.0, ge=1)  # how often the bot wakes
    digest_chart: bool = True  # the eight-week chart in the digest's thread (on/off)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("llm_api_url")
    @classmethod
    def _llm_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, the base before /chat/completions")
        return value.rstrip("/") if value is not None else None

    @field_validator("tool_catalogue_file")
    @classmethod
    def _catalogue_readable(cls, value: Path | None) -> Path | None:
        # Read once here so a bad line stops start-up naming the variable, not mid-request.
        if value is not None:
            try:
                load_catalogue(value.read_text(encoding="utf-8"))
            except OSError as exc:
                raise ValueError(f"cannot read {value}: {exc.strerror}") from None
            except CatalogueError as exc:
                raise ValueError(f"{value}: {exc}") from None
        return value

    @field_validator("bot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _signing_secret_for_http(self) -> Config:
        # Socket Mode authenticates the socket instead of signing each request.
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ValueError("SLACK_SIGNING_SECRET is required unless SLACK_APP_TOKEN is set")
        return self

    @model_validator(mode="after")
    def _llm_all_or_none(self) -> Config:
        # Half a configuration is a typo, not a choice: say which variable is missing.
        given = {
            "LLM_API_URL": self.llm_api_url,
            "LLM_API_KEY": self.llm_api_key,
            "LLM_MODEL": self.llm_model,
        }
        missing = [name for name, value in given.items() if value is None]
        if 0 < len(missing) < len(given):
            named = [name for name, value in given.items() if value is not None]
            verb = "is" if len(missing) == 1 else "are"
            raise ValueError(
                f"{' and '.join(missing)} {verb} required when {' and '.join(named)} "
                f"{'is' if len(named) == 1 else 'are'} set (the language model needs all three)"
            )
        return self

    @property
    def llm_enabled(self) -> bool:
        return self.llm_api_url is not None

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> Config:
        # Two renewals fit in a lease, so one late renewal never lets a live claim go stale.
        if self.send_heartbeat_seconds * 2 > self.send_lease_seconds:
            raise ValueError("SEND_HEARTBEAT_SECONDS must be at most half of SEND_LEASE_SECONDS")
        # A leader renews at every tick (and every third of the lease while a run is long).
        if self.scheduler_tick_seconds * 2 > self.scheduler_lease_seconds:
            raise ValueError(
                "SCHEDULER_TICK_SECONDS must be at most half of SCHEDULER_LEASE_SECONDS"
            )
        return self

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def send_lease(self) -> Lease:
        return Lease(
            length=timedelta(seconds=self.send_lease_seconds),
            renew_every=self.send_heartbeat_seconds,
        )

    @property
    def missed_send_grace(self) -> timedelta:
        return timedelta(hours=self.missed_send_grace_hours)


def _describe(exc: ValidationError) -> str:
    """Turn pydantic's report into one line naming the variable, never echoing its value."""
    error = exc.errors(include_input=False, include_url=False)[0]
    location = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "missing":
        message = "is required but not set"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if not location:
        return message
    return f"{location[0].upper()} {message}"
