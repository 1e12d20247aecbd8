"""compose.yaml's topology as local processes (`bench.local_stack`), small, on each database."""

from __future__ import annotations

import pytest

from bench.local_stack import local_stack
from tests.databases import postgres_url

pytestmark = pytest.mark.drill  # real processes, one killed: run after the fast suite


async def test_a_proxy_spreads_signed_requests_over_two_replicas_and_survives_one_killed(
    database_kind: str,
) -> None:
    """Two `python -m bot run` behind a round-robin proxy that checks /readyz: both are ready,
    signed `/tried` commands and `app_home_opened` events through the proxy are answered and
    take effect on both replicas; after SIGKILL of one, every command is still answered and
    stored, and the other is still ready."""
    report = await local_stack(postgres_url() if database_kind == "postgres" else None, requests=6)
    assert report.ready
    assert (report.sent, report.answered, report.stored, report.homes) == (12, 12, 6, 6)
    assert set(report.served) == {"a", "b"}
    assert min(report.served.values()) >= 3
    assert (report.after_kill_sent, report.after_kill_answered, report.after_kill_stored) == (
        6,
        6,
        6,
    )
    assert report.survivor_ready
    assert report.ok
