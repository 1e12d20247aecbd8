"""Configuration: read from a mapping, one-line errors naming the variable, no secret shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, StoreConfig
from bot.slack_client import IdempotentServerErrorRetry, SafeConnectionErrorRetry, retry_handlers

VALID = {"SLACK_BOT_TOKEN": "xoxb-1-secret", "SLACK_SIGNING_SECRET": "shh-signing"}


def test_reads_required_values_and_defaults() -> None:
    """A bot token and a signing secret are enough; the rest has defaults."""
    config = Config.from_env(VALID)
    assert config.slack_bot_token.get_secret_value() == "xoxb-1-secret"
    assert config.slack_api_url == "https://slack.com/api/"
    assert config.database_url.startswith("sqlite+aiosqlite:///")
    assert (config.host, config.port, config.log_level) == ("0.0.0.0", 3000, "INFO")
    assert not config.socket_mode


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        pytest.param({}, "SLACK_BOT_TOKEN is required but not set", id="no-token"),
        pytest.param(
            {**VALID, "SLACK_BOT_TOKEN": "xoxp-user"},
            "SLACK_BOT_TOKEN must be a bot token",
            id="user-token",
        ),
        pytest.param({**VALID, "PORT": "eighty"}, "PORT ", id="bad-port"),
        pytest.param({**VALID, "LOG_LEVEL": "loud"}, "LOG_LEVEL ", id="bad-level"),
        pytest.param(
            {**VALID, "SLACK_APP_TOKEN": "xoxb-wrong"},
            "SLACK_APP_TOKEN must be an app-level token",
            id="bad-app-token",
        ),
        pytest.param(
            {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is required", id="no-secret"
        ),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], message: str) -> None:
    """A missing or malformed value is one line that names the variable."""
    with pytest.raises(ConfigError) as caught:
        Config.from_env(environ)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_errors_never_show_secrets() -> None:
    """Neither the error nor the config's repr contains a token."""
    with pytest.raises(ConfigError) as caught:
        Config.from_env(
            {"SLACK_BOT_TOKEN": "xoxp-very-secret-value", "SLACK_SIGNING_SECRET": "s3cr3t"}
        )
    assert "very-secret" not in str(caught.value)
    config = Config.from_env(VALID)
    assert "xoxb-1-secret" not in repr(config)
    assert "shh-signing" not in repr(config)


def test_socket_mode_needs_no_signing_secret() -> None:
    """With an app-level token the bot runs in Socket Mode and signs nothing."""
    config = Config.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert config.socket_mode


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    """Values in `.env` fill gaps; the real environment overrides them."""
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=file\nPORT=4000\n")
    config = Config.from_env({"PORT": "5000"}, env_file=env_file)
    assert config.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert config.port == 5000


def test_lists_and_urls_are_normalised() -> None:
    """BOT_ADMINS is split on commas and SLACK_API_URL gains its trailing slash."""
    config = Config.from_env(
        {**VALID, "BOT_ADMINS": "U1, U2,,", "SLACK_API_URL": "http://127.0.0.1:9/api"}
    )
    assert config.bot_admins == ("U1", "U2")
    assert config.slack_api_url == "http://127.0.0.1:9/api/"


def test_store_commands_need_no_slack_settings() -> None:
    """`migrate` and `export` run with only a database URL."""
    assert StoreConfig.from_env({"DATABASE_URL": "sqlite:///x.db"}).database_url == "sqlite:///x.db"


def test_a_broken_tool_catalogue_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    """A family that is not a regular expression is reported at start-up, with its line."""
    good = tmp_path / "good.txt"
    good.write_text("Acme: acme\nAcme [models]: Acme 2\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("Acme: acme\nAcme [family]: acme(\n", encoding="utf-8")
    assert Config.from_env({**VALID, "TOOL_CATALOGUE_FILE": str(good)}).tool_catalogue_file == good
    with pytest.raises(ConfigError) as caught:
        Config.from_env({**VALID, "TOOL_CATALOGUE_FILE": str(bad)})
    assert str(caught.value).startswith("TOOL_CATALOGUE_FILE")
    assert "line 2" in str(caught.value)


def test_sending_and_shutdown_settings() -> None:
    """Slack's timeout, the send lease and its renewal, and the shutdown grace are settings;
    a renewal that would not fit twice in a lease is refused."""
    config = Config.from_env(VALID)
    assert (config.slack_timeout_seconds, config.shutdown_grace_seconds) == (15.0, 20.0)
    assert config.send_lease.length.total_seconds() == 180
    assert config.send_lease.renew_every == 30
    with pytest.raises(ConfigError, match="SEND_HEARTBEAT_SECONDS must be at most half"):
        Config.from_env({**VALID, "SEND_LEASE_SECONDS": "40", "SEND_HEARTBEAT_SECONDS": "30"})
    with pytest.raises(ConfigError, match="SLACK_TIMEOUT_SECONDS"):
        Config.from_env({**VALID, "SLACK_TIMEOUT_SECONDS": "0"})


def test_retry_backoff_is_a_setting_and_zero_retries_at_once() -> None:
    """SLACK_RETRY_BACKOFF_SECONDS is 0.5 s unless set; 0 gives handlers that wait nothing
    before retrying a 5xx or a lost connection; a negative value is refused."""
    assert Config.from_env(VALID).slack_retry_backoff_seconds == 0.5
    assert (
        Config.from_env({**VALID, "SLACK_RETRY_BACKOFF_SECONDS": "0"}).slack_retry_backoff_seconds
        == 0
    )
    with pytest.raises(ConfigError, match="SLACK_RETRY_BACKOFF_SECONDS"):
        Config.from_env({**VALID, "SLACK_RETRY_BACKOFF_SECONDS": "-1"})
    for handler in retry_handlers(0):
        if isinstance(handler, IdempotentServerErrorRetry | SafeConnectionErrorRetry):
            assert [handler.interval_calculator.calculate_sleep_duration(n) for n in range(3)] == [
                0,
                0,
                0,
            ]
    waits = [
        handler.interval_calculator.calculate_sleep_duration(0)
        for handler in retry_handlers(0.5)
        if isinstance(handler, IdempotentServerErrorRetry)
    ]
    assert len(waits) == 1
    assert 0.5 <= waits[0] < 1.5  # the backoff plus slack_sdk's jitter
