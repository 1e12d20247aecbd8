"""The people directory against the emulator: asked once, kept for a while, failures not kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from fakeslack.server import FakeSlack
from services.people import PeopleDirectory, SlackUser
from tests.conftest import NOW
from tests.e2e.conftest import FakeClock


@pytest.fixture
async def workspace() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(rate_limits=False)
    for n in range(450):
        fake.add_user(f"U{n:04d}", f"user{n}", tz="Asia/Tokyo" if n % 2 else "Europe/Berlin")
    fake.add_user("UDEAD", "gone", deleted=True)
    async with fake:
        yield fake


def web(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=slack.token, base_url=slack.api_url)


async def everyone(
    directory: PeopleDirectory, client: AsyncWebClient, ids: list[str]
) -> list[SlackUser]:
    return [user async for batch in directory.find(client, ids) for user in batch]


async def test_people_asked_at_once_are_asked_of_slack_once(workspace: FakeSlack) -> None:
    """Ten callers wanting one person at the same moment make one users.info call."""
    directory = PeopleDirectory(clock=FakeClock(NOW))
    found = await asyncio.gather(*(directory.get(web(workspace), "U0001") for _ in range(10)))
    assert {user.tz for user in found if user is not None} == {"Asia/Tokyo"}
    assert len(workspace.calls("users.info")) == 1


async def test_a_person_is_asked_again_only_after_the_expiry(workspace: FakeSlack) -> None:
    """Within the expiry the directory answers; after it, Slack is asked again."""
    clock = FakeClock(NOW)
    directory = PeopleDirectory(clock=clock, ttl=timedelta(hours=6))
    await directory.get(web(workspace), "U0001")
    clock.advance(hours=5, minutes=59)
    await directory.get(web(workspace), "U0001")
    assert len(workspace.calls("users.info")) == 1
    clock.advance(minutes=1)
    await directory.get(web(workspace), "U0001")
    assert len(workspace.calls("users.info")) == 2


async def test_a_failed_lookup_is_not_kept(workspace: FakeSlack) -> None:
    """A lookup Slack fails is None, and the next ask goes to Slack again; user_not_found is an answer."""
    directory = PeopleDirectory(clock=FakeClock(NOW))
    workspace.fail_next("users.info", error="fatal_error")
    assert await directory.get(web(workspace), "U0001") is None
    again = await directory.get(web(workspace), "U0001")
    assert again is not None
    assert again.tz == "Asia/Tokyo"
    missing = await directory.get(web(workspace), "UNOBODY")
    assert missing is not None
    assert missing.deleted


async def test_many_people_are_read_in_pages_and_only_as_far_as_needed(
    workspace: FakeSlack,
) -> None:
    """120 unknown people among 451: users.list pages until all are found, no users.info."""
    directory = PeopleDirectory(clock=FakeClock(NOW))
    wanted = [f"U{n:04d}" for n in range(120)]
    found = await everyone(directory, web(workspace), wanted)
    assert sorted(user.user_id for user in found) == wanted
    assert workspace.calls("users.info") == []
    assert len(workspace.calls("users.list")) == 1  # all in the first page of 200
    assert [c.args.get("limit") for c in workspace.calls("users.list")] == ["200"]
    again = await everyone(directory, web(workspace), [*wanted, "U0300"])
    assert len(again) == 121  # U0300 was on no page read: asked alone, the rest known
    assert len(workspace.calls("users.info")) == 1
