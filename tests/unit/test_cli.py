"""The command line as an operator meets it: exit codes and one-line messages."""

from __future__ import annotations

from pathlib import Path

from tests.cli import invoke as run_cli


def test_run_without_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    """`python -m bot run` with no token stops at once with exit code 2."""
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_token_is_named_but_not_shown(tmp_path: Path) -> None:
    """A user token in the bot-token slot is refused without echoing it."""
    result = run_cli(
        "run", env={"SLACK_BOT_TOKEN": "xoxp-secret-123", "SLACK_SIGNING_SECRET": "x"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "secret-123" not in result.stderr + result.stdout


def test_migrate_needs_only_a_database(tmp_path: Path) -> None:
    """`python -m bot migrate` creates and migrates the SQLite file."""
    result = run_cli(
        "migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "schema at version" in result.stdout
    assert (tmp_path / "x.db").exists()
