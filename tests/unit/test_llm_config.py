"""The optional language model's configuration: off by default, all three or a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError
from tests.cli import invoke as run_cli

VALID = {"SLACK_BOT_TOKEN": "xoxb-1-secret", "SLACK_SIGNING_SECRET": "shh-signing"}
LLM = {
    "LLM_API_URL": "https://llm.example.com/v1/",
    "LLM_API_KEY": "sk-very-secret-key",
    "LLM_MODEL": "small-model",
}


def test_off_by_default() -> None:
    """Without the variables there is no language model."""
    config = Config.from_env(VALID)
    assert not config.llm_enabled
    assert (config.llm_api_url, config.llm_api_key, config.llm_model) == (None, None, None)


def test_all_three_turn_it_on_with_a_short_timeout() -> None:
    """URL (trailing slash trimmed), key as a secret, model, and a 4-second default timeout."""
    config = Config.from_env(VALID | LLM)
    assert config.llm_enabled
    assert config.llm_api_url == "https://llm.example.com/v1"
    assert config.llm_api_key is not None
    assert config.llm_api_key.get_secret_value() == "sk-very-secret-key"
    assert (config.llm_model, config.llm_timeout_seconds) == ("small-model", 4.0)
    assert "sk-very-secret-key" not in repr(config)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        pytest.param(("LLM_API_URL",), "LLM_API_KEY and LLM_MODEL are required", id="url-only"),
        pytest.param(("LLM_API_KEY",), "LLM_API_URL and LLM_MODEL are required", id="key-only"),
        pytest.param(("LLM_API_URL", "LLM_MODEL"), "LLM_API_KEY is required", id="no-key"),
        pytest.param(("LLM_API_URL", "LLM_API_KEY"), "LLM_MODEL is required", id="no-model"),
    ],
)
def test_one_or_two_of_three_names_what_is_missing(given: tuple[str, ...], missing: str) -> None:
    """Half a configuration is refused in one line naming the missing variable, no key shown."""
    with pytest.raises(ConfigError) as caught:
        Config.from_env(VALID | {name: LLM[name] for name in given})
    message = str(caught.value)
    assert message.startswith(missing)
    assert "\n" not in message
    assert "very-secret" not in message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param({"LLM_API_URL": "llm.example.com"}, "LLM_API_URL must be an http(s) URL"),
        pytest.param({"LLM_TIMEOUT_SECONDS": "0"}, "LLM_TIMEOUT_SECONDS "),
        pytest.param({"LLM_TIMEOUT_SECONDS": "60"}, "LLM_TIMEOUT_SECONDS "),
        pytest.param({"LLM_TIMEOUT_SECONDS": "soon"}, "LLM_TIMEOUT_SECONDS "),
    ],
)
def test_malformed_values_name_the_variable(extra: dict[str, str], message: str) -> None:
    """A URL without a scheme, or a timeout outside (0, 10] seconds, is refused."""
    with pytest.raises(ConfigError) as caught:
        Config.from_env(VALID | LLM | extra)
    assert str(caught.value).startswith(message)


def test_half_configured_run_exits_2(tmp_path: Path) -> None:
    """`python -m bot run` with only LLM_API_URL stops with exit code 2 and one line."""
    result = run_cli("run", env=VALID | {"LLM_API_URL": LLM["LLM_API_URL"]}, cwd=tmp_path)
    assert result.returncode == 2
    assert "LLM_API_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
