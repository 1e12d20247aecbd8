"""Each command loads only what it needs: `--help` neither Slack, a web server nor a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLACK_AND_SERVING = {"slack_bolt", "slack_sdk", "aiohttp", "fakeslack", "bot.runtime", "bot.demo"}


def modules_loaded(*args: str, cwd: Path, env: dict[str, str] | None = None) -> set[str]:
    """Run `python -X importtime -m bot …` and return every module it imported."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)} | (env or {}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (line for line in result.stderr.splitlines() if line.startswith("import time:"))
    return {line.rsplit("|", 1)[1].strip() for line in lines}


def loaded_of(modules: set[str], names: set[str]) -> set[str]:
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


def test_help_loads_no_slack_server_or_database(tmp_path: Path) -> None:
    """`python -m bot --help` answers from the command line's grammar alone."""
    modules = modules_loaded("--help", cwd=tmp_path)
    assert "bot.arguments" in modules
    assert loaded_of(modules, SLACK_AND_SERVING | {"sqlalchemy", "pydantic", "asyncio"}) == set()


def test_export_loads_the_database_but_no_slack_client(tmp_path: Path) -> None:
    """`python -m bot export` reads the database and prints; it never talks to Slack."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'export.db'}"
    modules = modules_loaded("export", cwd=tmp_path, env={"DATABASE_URL": url})
    assert {"storage.experiments", "services.export"} <= modules
    assert loaded_of(modules, SLACK_AND_SERVING) == set()


def test_the_plotting_library_is_loaded_only_to_draw_a_chart(tmp_path: Path) -> None:
    """matplotlib (half a second to import) is loaded by no command start-up and no module import."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'export.db'}"
    for args, env in ((("--help",), None), (("export",), {"DATABASE_URL": url})):
        assert loaded_of(modules_loaded(*args, cwd=tmp_path, env=env), {"matplotlib"}) == set()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import bot.runtime, bot.demo, services.charts"],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "|" in line
    }
    assert "services.charts" in imported
    assert loaded_of(imported, {"matplotlib", "numpy", "PIL"}) == set()
