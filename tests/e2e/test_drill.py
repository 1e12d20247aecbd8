"""The failure drill of `bench.drill` in small, as real processes, on each database."""

from __future__ import annotations

from bench.drill import drill
from tests.databases import postgres_url


async def test_two_processes_one_killed_mid_fan_out_everyone_prompted_once(
    database_kind: str,
) -> None:
    """Two `python -m bot run` share a database while Slack misbehaves; the leading one is
    killed with SIGKILL a third of the way through 30 DMs and restarted. Everyone has exactly
    one prompt, and every send ends recorded as sent, within the (generous) deadline."""
    result = await drill(
        30,
        seed=7,
        rate_scale=5.0,  # Slack's rates, five times faster: the fan-out lasts a few seconds
        deadline=120.0,
        chaos_seconds=3.0,
        keep=None,
        database_url=postgres_url() if database_kind == "postgres" else None,
        lease_seconds=4.0,  # a killed leader's claims and lease run out within seconds
    )
    assert (result.recipients, result.duplicates, result.missing) == (30, 0, 0)
    assert result.settled
