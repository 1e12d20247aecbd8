"""SQLite writers of one process take turns; a request waiting for its answer goes first."""

from __future__ import annotations

import asyncio

from storage.db import WriteTurns


async def test_urgent_writers_are_served_before_the_others() -> None:
    turns = WriteTurns()
    await turns.acquire(urgent=False)
    order: list[str] = []

    async def writer(name: str, *, urgent: bool) -> None:
        await turns.acquire(urgent=urgent)
        order.append(name)
        await asyncio.sleep(0)
        turns.release()

    tasks = [
        asyncio.create_task(writer("worker-1", urgent=False)),
        asyncio.create_task(writer("worker-2", urgent=False)),
        asyncio.create_task(writer("ack", urgent=True)),
    ]
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(*tasks)
    assert order == ["ack", "worker-1", "worker-2"]


async def test_a_cancelled_waiter_passes_its_turn_on() -> None:
    turns = WriteTurns()
    await turns.acquire(urgent=False)
    gone = asyncio.create_task(turns.acquire(urgent=True))
    after = asyncio.create_task(turns.acquire(urgent=False))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    turns.release()
    await asyncio.wait_for(after, timeout=1)
    turns.release()
    await turns.acquire(urgent=False)  # free again: taken at once
