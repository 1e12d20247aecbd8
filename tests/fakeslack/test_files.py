"""files_upload_v2 against the emulator: three calls, Slack's errors, the file in its thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from fakeslack.server import UPLOAD, FakeSlack
from fakeslack.state import PNG_SIGNATURE

PNG = PNG_SIGNATURE + b"rest of the picture"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(clock=lambda: 1_795_420_800.0)
    fake.add_user("U1", "alice")
    fake.add_channel("general", members=["U1"])
    fake.add_channel("elsewhere", members=["U1"], bot_member=False)
    async with fake:
        yield fake


def cid(slack: FakeSlack, name: str) -> str:
    return next(c.id for c in slack.ws.channels.values() if c.name == name)


async def error_of(call: Awaitable[object]) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_upload_v2_shares_the_file_as_a_reply_in_the_thread(slack: FakeSlack) -> None:
    """getUploadURLExternal, the bytes to the URL, completeUploadExternal: a reply with the file."""
    general = cid(slack, "general")
    parent = slack.user_posts("U1", general, "the digest")
    web = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    response = await web.files_upload_v2(
        channel=general,
        thread_ts=parent.ts,
        file=PNG,
        filename="chart.png",
        title="The chart",
        alt_txt="bars",
    )
    file_id = response["file"]["id"]
    [stored] = slack.files_in(general, parent.ts)
    assert (stored.id, stored.name, stored.title, stored.alt_txt) == (
        file_id,
        "chart.png",
        "The chart",
        "bars",
    )
    assert (stored.data, stored.length, stored.mimetype) == (PNG, len(PNG), "image/png")
    [reply] = [m for m in slack.thread(general, parent.ts) if m.files]
    assert reply.bot_id == slack.ws.bot_id
    assert reply.as_slack()["files"][0]["id"] == file_id
    assert parent.reply_count == 1
    assert [c.method for c in slack.ws.calls] == [
        "files.getUploadURLExternal",
        UPLOAD,
        "files.completeUploadExternal",
    ]


async def test_upload_url_errors_are_slacks(slack: FakeSlack) -> None:
    """No filename or length is invalid_arguments; length 0 missing_argument; 1 GB is the cap."""
    web = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    assert await error_of(web.api_call("files.getUploadURLExternal", params={"length": 3})) == (
        "invalid_arguments"
    )
    assert await error_of(web.files_getUploadURLExternal(filename="a.png", length=0)) == (
        "missing_argument"
    )
    assert await error_of(web.files_getUploadURLExternal(filename="a.png", length=2**30 + 1)) == (
        "file_upload_size_restricted"
    )
    assert await error_of(
        web.files_getUploadURLExternal(filename="a.png", length=3, alt_txt="x" * 1001)
    ) == ("alt_txt_too_large")


async def test_sharing_checks_the_file_the_channel_and_the_thread(slack: FakeSlack) -> None:
    """Unknown or never-uploaded files, unknown channels, channels without the bot, bad threads."""
    web = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    general, elsewhere = cid(slack, "general"), cid(slack, "elsewhere")

    async def uploaded() -> str:
        got = await web.files_getUploadURLExternal(filename="a.png", length=len(PNG))
        async with (
            aiohttp.ClientSession() as http,
            http.post(got["upload_url"], data=PNG) as answer,
        ):
            assert answer.status == 200
            assert await answer.text() == f"OK - {len(PNG)}"
        return str(got["file_id"])

    def complete(
        file_id: str, channel_id: str | None = None, thread_ts: str | None = None
    ) -> Awaitable[object]:
        return web.files_completeUploadExternal(
            files=[{"id": file_id}], channel_id=channel_id, thread_ts=thread_ts
        )

    pending = await web.files_getUploadURLExternal(filename="a.png", length=3)
    assert await error_of(complete(str(pending["file_id"]), channel_id=general)) == (
        "file_not_found"
    )
    assert await error_of(complete("F404", channel_id=general)) == "file_not_found"
    assert await error_of(complete(await uploaded(), channel_id="C404")) == "channel_not_found"
    assert await error_of(complete(await uploaded(), channel_id=elsewhere)) == "not_in_channel"
    assert await error_of(complete(await uploaded(), channel_id=general, thread_ts="1.2")) == (
        "invalid_thread_ts"
    )
    assert await error_of(complete(await uploaded(), thread_ts="1.2")) == "invalid_arguments"
    assert slack.files_in(general) == []
    done = await uploaded()
    await complete(done, channel_id=general)
    assert await error_of(complete(done, channel_id=general)) == "file_not_found"
    assert [f.id for f in slack.files_in(general)] == [done]


async def test_a_failed_byte_upload_fails_files_upload_v2_before_anything_is_shared(
    slack: FakeSlack,
) -> None:
    """`fail_next(UPLOAD)`: the SDK raises SlackRequestError and never completes the upload."""
    general = cid(slack, "general")
    slack.fail_next(UPLOAD, status=500)
    web = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    with pytest.raises(SlackRequestError, match="status: 500"):
        await web.files_upload_v2(channel=general, file=PNG, filename="chart.png")
    assert slack.calls("files.completeUploadExternal") == []
    assert slack.files_in(general) == []
