"""The failure drill of `bench.drill` in small, as real processes, on each database."""

from __future__ import annotations

import pytest

from bench.drill import drill
from tests.databases import postgres_url

pytestmark = pytest.mark.drill  # real processes killed mid-work: run after the fast suite


async def test_two_processes_one_killed_mid_fan_out_and_mid_digest_nothing_twice_nothing_lost(
    database_kind: str,
) -> None:
    """Two `python -m bot run` share a database while Slack misbehaves. The leading one is
    killed with SIGKILL a third of the way through 30 DMs and restarted: everyone has exactly
    one prompt, and every send ends recorded as sent. Then 60 replies are sent to either
    replica's endpoint, the digest is made due, and the process posting it is killed while a
    part is on its way (Slack holds each post there for half a second): every reply is stored, and
    every part of the digest is in the channel exactly once."""
    result = await drill(
        30,
        seed=7,
        rate_scale=5.0,  # Slack's rates, five times faster: the fan-out lasts a few seconds
        deadline=180.0,
        chaos_seconds=3.0,
        keep=None,
        database_url=postgres_url() if database_kind == "postgres" else None,
        lease_seconds=4.0,  # a killed leader's claims and lease run out within seconds
        replies_per_person=2,
        digest_slow=0.5,  # each digest post held half a second: long enough to kill mid-post
        restart_after=0.5,  # the killed process is back at once; its claims wait out the lease
    )
    assert (result.recipients, result.duplicates, result.missing) == (30, 0, 0), result.line()
    assert result.settled, result.line()
    digest = result.digest
    assert digest is not None
    said = digest.line()
    assert (digest.replies_sent, digest.replies_acked, digest.replies_stored) == (60, 60, 60), said
    assert digest.parts >= 3, said  # a main post and a thread: the kill lands between parts
    assert 1 <= digest.killed_after_parts < digest.parts, said
    assert (digest.posted, digest.duplicates, digest.missing) == (digest.parts, 0, 0), said
    assert digest.settled, said
