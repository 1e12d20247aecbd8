"""The emulator behaves like Slack where the bot depends on it, seen through the real slack_sdk client."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from fakeslack.blockkit import check_message_blocks, check_view
from fakeslack.driver import sign
from fakeslack.server import FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(clock=lambda: 1_795_420_800.0)
    fake.add_user("U1", "alice", tz="Europe/Berlin")
    fake.add_user("U2", "bob", tz="America/New_York", deleted=True)
    fake.add_channel("general", members=["U1"])
    fake.add_channel("elsewhere", members=["U1"], bot_member=False)
    async with fake:
        yield fake


def client(slack: FakeSlack, token: str | None = None, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=token or slack.token, base_url=slack.api_url, **kwargs)


def cid(slack: FakeSlack, name: str) -> str:
    return next(c.id for c in slack.ws.channels.values() if c.name == name)


async def error_of(call: Awaitable[object]) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_tokens_are_checked(slack: FakeSlack) -> None:
    """No token is not_authed, a wrong one invalid_auth, the bot's works and names the bot."""
    async with aiohttp.ClientSession() as http, http.post(slack.api_url + "auth.test") as response:
        assert (await response.json())["error"] == "not_authed"
    assert await error_of(client(slack, "xoxb-wrong").auth_test()) == "invalid_auth"
    me = await client(slack).auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == ("T0LOL", "U0BOT", "B0BOT")


async def test_arguments_arrive_as_json_form_or_query(slack: FakeSlack) -> None:
    """slack_sdk sends JSON, forms and query strings; all are read the same."""
    general = cid(slack, "general")
    api = client(slack)
    await api.chat_postMessage(channel=general, text="as json")  # JSON body
    await api.api_call("chat.postMessage", data={"channel": general, "text": "as form"})
    await api.api_call("chat.postMessage", params={"channel": general, "text": "as query"})
    assert [m.text for m in slack.messages(general)] == ["as json", "as form", "as query"]


async def test_threads_reply_counts_and_permalinks(slack: FakeSlack) -> None:
    """Replies carry thread_ts, the parent counts them, and permalinks follow Slack's format."""
    api = client(slack)
    general = cid(slack, "general")
    parent = await api.chat_postMessage(channel=general, text="prompt")
    reply = slack.user_posts("U1", general, "a reply", thread_ts=parent["ts"])
    thread = await api.conversations_replies(channel=general, ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["prompt", "a reply"]
    assert thread["messages"][0]["reply_count"] == 1
    link = await api.chat_getPermalink(channel=general, message_ts=reply.ts)
    digits = reply.ts.replace(".", "")
    assert (
        link["permalink"]
        == f"https://learning-out-loud.slack.com/archives/{general}/p{digits}?thread_ts={parent['ts']}&cid={general}"
    )
    assert float(reply.ts) > float(parent["ts"])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"channel": "C404", "text": "x"}, "channel_not_found", id="no-channel"),
        pytest.param({"channel": "@elsewhere", "text": "x"}, "not_in_channel", id="not-a-member"),
        pytest.param({"channel": "@general"}, "no_text", id="nothing-to-post"),
        pytest.param({"channel": "@general", "text": "x" * 40_001}, "msg_too_long", id="too-long"),
        pytest.param(
            {"channel": "@general", "blocks": [SECTION] * 51}, "invalid_blocks", id="51-blocks"
        ),
        pytest.param(
            {
                "channel": "@general",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            "invalid_blocks",
            id="long-header",
        ),
        pytest.param(
            {"channel": "@general", "blocks": [{"type": "nonsense"}]},
            "invalid_blocks",
            id="unknown-block",
        ),
        pytest.param({"channel": "U2", "text": "x"}, "user_disabled", id="deactivated-dm"),
    ],
)
async def test_post_message_errors(slack: FakeSlack, kwargs: dict[str, object], error: str) -> None:
    """chat.postMessage answers Slack's error codes."""
    channel = str(kwargs["channel"])
    if channel.startswith("@"):
        kwargs = kwargs | {"channel": cid(slack, channel[1:])}
    # api_call, not chat_postMessage: the SDK's own "text is missing" warning is not what is tested.
    assert await error_of(client(slack).api_call("chat.postMessage", json=kwargs)) == error


async def test_archived_channel_and_message_errors(slack: FakeSlack) -> None:
    """is_archived, message_not_found, cant_update_message and already_reacted, as Slack names them."""
    api = client(slack)
    general = cid(slack, "general")
    human = slack.user_posts("U1", general, "mine")
    assert (
        await error_of(api.chat_update(channel=general, ts=human.ts, text="x"))
        == "cant_update_message"
    )
    assert (
        await error_of(api.chat_getPermalink(channel=general, message_ts="1.0"))
        == "message_not_found"
    )
    await api.reactions_add(channel=general, timestamp=human.ts, name="memo")
    assert (
        await error_of(api.reactions_add(channel=general, timestamp=human.ts, name="memo"))
        == "already_reacted"
    )
    slack.archive_channel(general)
    assert await error_of(api.chat_postMessage(channel=general, text="x")) == "is_archived"


async def test_dm_by_user_id_and_users_with_time_zones(slack: FakeSlack) -> None:
    """Posting to a user id lands in the app's DM; users.info reports tz and its offset now."""
    api = client(slack)
    posted = await api.chat_postMessage(channel="U1", text="hi")
    dm = slack.dm_channel("U1")
    assert dm is not None
    assert posted["channel"] == dm.id
    user = (await api.users_info(user="U1"))["user"]
    assert (user["tz"], user["tz_offset"]) == ("Europe/Berlin", 3600)
    assert await error_of(api.users_info(user="U404")) == "user_not_found"


async def test_pagination_with_cursors(slack: FakeSlack) -> None:
    """conversations.members pages with next_cursor until it is empty."""
    members = [f"U{n:03d}" for n in range(250)]
    channel = slack.add_channel("big", members=members)
    api = client(slack)
    seen: list[str] = []
    cursor = None
    while True:
        page = await api.conversations_members(channel=channel.id, limit=100, cursor=cursor)
        seen += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([*members, "U0BOT"])


async def test_rate_limit_answers_429_and_the_sdk_waits(slack: FakeSlack) -> None:
    """A limited call is HTTP 429 with Retry-After; slack_sdk's handler retries it."""
    slack.limits.force("users.info", 1, retry_after=1)
    plain = client(slack)
    assert await error_of(plain.users_info(user="U1")) == "ratelimited"
    assert slack.calls("users.info")[-1].http_status == 429
    # Retry-After 0: slack_sdk still adds its jitter (under a second), but no whole second more.
    slack.limits.force("users.info", 1, retry_after=0)
    patient = client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    assert (await patient.users_info(user="U1"))["ok"]


async def test_tiers_are_enforced_per_method() -> None:
    """Tier 2's users.list allows 20 a minute, then answers 429."""
    fake = FakeSlack(rate_clock=lambda: 100.0)
    async with fake:
        api = client(fake)
        for _ in range(20):
            await api.users_list()
        assert await error_of(api.users_list()) == "ratelimited"


async def test_server_errors_are_injected_and_retried(slack: FakeSlack) -> None:
    """An injected 500 is retried by slack_sdk's server-error handler."""
    slack.fail_next("auth.test", status=500)
    at_once = FixedValueRetryIntervalCalculator(0.0)
    api = client(
        slack,
        retry_handlers=[
            AsyncServerErrorRetryHandler(max_retry_count=1, interval_calculator=at_once)
        ],
    )
    assert (await api.auth_test())["ok"]
    assert [c.http_status for c in slack.calls("auth.test")] == [500, 200]


async def test_views_need_a_fresh_trigger_and_valid_blocks(slack: FakeSlack) -> None:
    """views.open takes a trigger once, refuses an expired one, and checks the view."""
    now = [1_795_420_800.0]
    fake = FakeSlack(clock=lambda: now[0])
    fake.add_user("U1", "alice")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": [SECTION]}
    async with fake:
        api = client(fake)
        trigger = fake.issue_trigger("U1")
        opened = await api.views_open(trigger_id=trigger, view=modal)
        assert opened["view"]["id"].startswith("V")
        assert (
            await error_of(api.views_open(trigger_id=trigger, view=modal)) == "invalid_trigger_id"
        )
        late = fake.issue_trigger("U1")
        now[0] += 4
        assert await error_of(api.views_open(trigger_id=late, view=modal)) == "expired_trigger_id"
        long_title = modal | {"title": {"type": "plain_text", "text": "x" * 25}}
        assert (
            await error_of(api.views_open(trigger_id=fake.issue_trigger("U1"), view=long_title))
            == "invalid_arguments"
        )


async def test_response_url_posts_ephemerally(slack: FakeSlack) -> None:
    """What a bot sends to a response_url becomes an ephemeral message for that person."""
    url = slack.issue_response_url(cid(slack, "general"), "U1")
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"text": "only you", "response_type": "ephemeral"}) as response,
    ):
        assert response.status == 200
    [seen] = slack.ephemerals("U1")
    assert (seen.text, seen.source) == ("only you", "response_url")


async def test_an_ephemeral_in_a_thread_is_replaced_through_its_actions_response_url(
    slack: FakeSlack,
) -> None:
    """`thread_ts` is kept; a click's response URL replaces, then deletes, that ephemeral only."""
    general = cid(slack, "general")
    parent = slack.user_posts("U1", general, "a thread")
    api = client(slack)
    sent = await api.chat_postEphemeral(
        channel=general, user="U1", text="first", thread_ts=parent.ts
    )
    await api.chat_postEphemeral(channel=general, user="U1", text="another")
    shown, other = slack.ephemerals("U1")
    assert (shown.ts, shown.thread_ts, other.thread_ts) == (sent["message_ts"], parent.ts, None)
    url = slack.issue_response_url(general, "U1", shown.ts, ephemeral=True)
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"text": "second", "replace_original": True}) as response:
            assert response.status == 200
        assert [(e.text, e.replaced) for e in slack.ephemerals("U1")] == [
            ("second", 1),
            ("another", 0),
        ]
        async with http.post(url, json={"delete_original": True}) as response:
            assert response.status == 200
    assert [e.text for e in slack.ephemerals("U1")] == ["another"]


def test_signatures_match_slacks_verifier() -> None:
    """The driver's signature is the one slack_sdk's verifier expects."""
    body = urlencode({"command": "/tried", "text": "Claude: hi"})
    verifier = SignatureVerifier("secret")
    timestamp = str(int(__import__("time").time()))
    headers = {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": sign("secret", timestamp, body),
    }
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "x", headers)


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        pytest.param([SECTION], None, id="valid"),
        pytest.param([SECTION] * 50, None, id="fifty-is-fine"),
        pytest.param(
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            "invalid_blocks",
            id="section-3001",
        ),
        pytest.param(
            [SECTION | {"block_id": "a"}, SECTION | {"block_id": "a"}],
            "invalid_blocks",
            id="duplicate-block-id",
        ),
        pytest.param(
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2999}}] * 5,
            "msg_blocks_too_long",
            id="combined-text",
        ),
        pytest.param(
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "b"},
                            "value": "v" * 2001,
                            "action_id": "a",
                        }
                    ],
                }
            ],
            "invalid_blocks",
            id="button-value-2001",
        ),
    ],
)
def test_message_block_limits(blocks: list[dict[str, object]], expected: str | None) -> None:
    """Slack's documented limits, and the observed combined-text ceiling, are enforced."""
    problem = check_message_blocks(blocks)
    assert (problem[0] if problem else None) == expected


def test_view_limits() -> None:
    """A view takes 100 blocks, a modal a title of at most 24 characters and a submit with inputs."""
    ok = {"type": "home", "blocks": [SECTION] * 100}
    assert check_view(ok) == []
    assert check_view({"type": "home", "blocks": [SECTION] * 101})
    text_input = {
        "type": "input",
        "label": {"type": "plain_text", "text": "l"},
        "element": {"type": "plain_text_input", "action_id": "a"},
    }
    assert "a modal with inputs needs a submit button" in check_view(
        {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [text_input]}
    )
    assert (
        json.dumps(
            check_view(
                {
                    "type": "modal",
                    "title": {"type": "plain_text", "text": "x" * 25},
                    "blocks": [SECTION],
                }
            )
        ).count("title")
        == 1
    )


async def test_a_held_method_answers_only_once_released(slack: FakeSlack) -> None:
    """`hold` keeps calls waiting (Slack being slow) until released; other methods still answer."""
    hold = slack.hold("users.info")
    web = client(slack)
    pending = asyncio.ensure_future(web.users_info(user="U1"))
    await hold.arrived.wait()
    assert not pending.done()
    assert (await web.auth_test())["ok"]
    hold.release()
    assert (await pending)["user"]["id"] == "U1"


async def test_users_list_pages_with_opaque_cursors_like_slack(slack: FakeSlack) -> None:
    """users.list: pages of `limit`, base64 cursors, invalid_cursor, and Tier 2 (20 a minute)."""
    for n in range(5):
        slack.add_user(f"UX{n}", f"x{n}")
    web = client(slack)
    first = await web.users_list(limit=3)
    cursor = first["response_metadata"]["next_cursor"]
    assert len(first["members"]) == 3
    assert cursor
    assert ":" not in cursor  # opaque, as Slack's look
    rest = await web.users_list(limit=200, cursor=cursor)
    assert rest["response_metadata"]["next_cursor"] == ""
    everyone = [u["id"] for u in first["members"] + rest["members"]]
    assert sorted(everyone) == sorted(slack.ws.users)
    assert await error_of(web.users_list(limit=3, cursor="bm90LWEtdXNlcg==")) == "invalid_cursor"
    limited = FakeSlack(rate_clock=lambda: 100.0)
    async with limited:
        web = client(limited)
        for _ in range(20):
            await web.users_list(limit=200)
        assert await error_of(web.users_list(limit=200)) == "ratelimited"


async def test_a_slow_channel_holds_posts_there_and_keeps_one_whose_poster_gave_up(
    slack: FakeSlack,
) -> None:
    """`slow_channel` delays every post to one channel (others answer at once); a post whose
    caller gave up waiting is stored all the same when the wait ends, as Slack keeps it."""
    general, elsewhere = cid(slack, "general"), cid(slack, "elsewhere")
    slack.ws.channels[elsewhere].members.add(slack.ws.bot_user_id)
    slack.slow_channel(general, seconds=30)
    web = client(slack)
    cut_off = asyncio.ensure_future(web.chat_postMessage(channel=general, text="slow"))
    await until(lambda: slack.waiting == 1)
    assert (await web.chat_postMessage(channel=elsewhere, text="fast"))["ok"]
    cut_off.cancel()  # the poster dies while Slack still holds its post
    with contextlib.suppress(asyncio.CancelledError):
        await cut_off
    assert slack.messages(general) == []
    slack.release()
    await until(lambda: len(slack.messages(general)) == 1)
    assert [m.text for m in slack.messages(general)] == ["slow"]
    slack.slow_channel(general, seconds=0)
    assert (await web.chat_postMessage(channel=general, text="fast again"))["ok"]


async def until(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    """Poll the emulator for a state it has no event for."""
    for _ in range(int(within / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
