"""compose.yaml and the Dockerfile say what the README promises, checked without Docker.

No Docker daemon is needed: compose.yaml is read as YAML (anchors resolved, as Compose does) and
the Dockerfile line by line. `tests/e2e/test_local_stack.py` runs the same topology as local
processes.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("bot1", "bot2")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    found = compose["services"]
    assert isinstance(found, dict)
    return found


def healthcheck_command(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    assert test[0] in {"CMD", "CMD-SHELL"}, test
    return " ".join(test[1:])


def test_compose_runs_postgres_two_replicas_and_a_proxy(services: dict[str, Any]) -> None:
    """PostgreSQL, two bot replicas built from this Dockerfile, and Caddy on the published port."""
    assert set(services) == {"db", *REPLICAS, "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in healthcheck_command(services["db"])
    for name in REPLICAS:
        assert services[name]["build"] == "."
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["proxy"]["ports"] == ["8080:80"]


def test_replicas_run_the_bot_as_non_root_on_postgres_with_asyncpg(
    services: dict[str, Any],
) -> None:
    """Each replica runs `python -m bot run` as the image's user, on one asyncpg URL, with a pool."""
    urls = set()
    for name in REPLICAS:
        bot = services[name]
        assert bot["command"] == ["python", "-m", "bot", "run"]
        assert bot["user"] not in {"root", "0", "0:0"}
        env = bot["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert int(env["DATABASE_POOL_SIZE"]) * len(REPLICAS) <= 100 // 2  # max_connections
        assert (env["HOST"], env["PORT"]) == ("0.0.0.0", "3000")
        urls.add(env["DATABASE_URL"])
        grace = int(str(bot["stop_grace_period"]).removesuffix("s"))
        assert grace > 20  # SHUTDOWN_GRACE_SECONDS: in-flight work finishes before SIGKILL
    assert len(urls) == 1  # one database for both


def test_start_order_waits_for_health_database_then_ready_replicas(
    services: dict[str, Any],
) -> None:
    """Replicas wait for a healthy database; the proxy for both replicas to be ready (/readyz)."""
    for name in REPLICAS:
        assert services[name]["depends_on"] == {"db": {"condition": "service_healthy"}}
        probe = healthcheck_command(services[name])
        assert "http://127.0.0.1:3000/readyz" in probe
    assert services["proxy"]["depends_on"] == {
        name: {"condition": "service_healthy"} for name in REPLICAS
    }


def test_caddy_balances_both_replicas_and_sends_only_to_ready_ones() -> None:
    """The Caddyfile names both replicas and checks /readyz actively."""
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"reverse_proxy\s+bot1:3000\s+bot2:3000", caddyfile)
    assert re.search(r"health_uri\s+/readyz", caddyfile)
    assert re.search(r"lb_try_duration\s+\d+s", caddyfile)


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each Dockerfile instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            found.append((instruction.upper(), rest.strip()))
    return found


def test_the_image_runs_the_bot_as_a_non_root_user_checked_on_healthz() -> None:
    """The last USER is not root, HEALTHCHECK asks /healthz, and CMD is `python -m bot run`."""
    steps = dockerfile()
    users = [args for instruction, args in steps if instruction == "USER"]
    assert users, "the image must switch to a user of its own"
    assert users[-1].split(":")[0] not in {"root", "0"}
    [check] = [args for instruction, args in steps if instruction == "HEALTHCHECK"]
    assert "/healthz" in check
    [cmd] = [args for instruction, args in steps if instruction == "CMD"]
    assert cmd == '["python", "-m", "bot", "run"]'
    user_at = max(i for i, (instruction, _) in enumerate(steps) if instruction == "USER")
    cmd_at = max(i for i, (instruction, _) in enumerate(steps) if instruction == "CMD")
    assert user_at < cmd_at


def test_the_image_copies_every_package_the_project_ships() -> None:
    """Each package `pip install .` needs (pyproject's list) is copied into the image."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {
        pattern.removesuffix("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {
        shlex.split(args)[0].rstrip("/")
        for instruction, args in dockerfile()
        if instruction == "COPY" and not args.startswith("--")
    }
    assert shipped <= copied
