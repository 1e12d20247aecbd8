"""The emulator: an aiohttp server on 127.0.0.1 that answers Slack's Web API like Slack.

- Arguments are merged from the query string, a form body and a JSON body, as slack_sdk sends
  each method differently; JSON-valued arguments (`blocks`, `view`, `metadata`) may arrive as
  strings and are decoded.
- The token comes from `Authorization: Bearer …` or a `token` argument: none is `not_authed`,
  an unknown one `invalid_auth`.
- API errors are HTTP 200 with `{"ok": false, "error": …}`; rate limits are HTTP 429 with
  `Retry-After`; injected faults can answer 5xx. Every call is recorded in `calls`.
- Faults as Slack shows them (https://api.slack.com/apis/rate-limits, status.slack.com
  incidents): `fail_next` answers 5xx or an API error, and with `accepted=True` does the work
  first (the message is stored, the answer is still a 500); `slow_next` keeps a call waiting
  before Slack handles it (a hang, when longer than the client's timeout: the call is still
  handled afterwards, as Slack does with a request it received); `rate_limit_next` answers 429
  with a given `Retry-After`. A slow call is handled early by `release()`, dropped at `stop()`.
- Files are uploaded as `files_upload_v2` does it: `files.getUploadURLExternal` hands out an
  upload URL on the emulator (`/upload/v1/<file id>`), the bytes are POSTed there (raw or
  multipart, answered `OK - <bytes>`; `fail_next(UPLOAD, status=500)` fails it), and
  `files.completeUploadExternal` shares the file as a message in the channel or thread.
- `response_url`s and trigger ids are handed out by the emulator itself, so `respond()` and
  `views.open` work against it. An action's response URL from an ephemeral message replaces or
  deletes that ephemeral message (`replace_original`, `delete_original`), the only way an app
  can change one (https://api.slack.com/messaging/modifying#ephemeral).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from fakeslack.methods import METHODS, SlackError
from fakeslack.ratelimit import RateLimits
from fakeslack.state import Call, Channel, Ephemeral, File, Message, User, Workspace

JSON_ARGS = ("blocks", "view", "metadata", "attachments", "users", "files")
UPLOAD = "upload"  # the upload URL's POST, as `fail_next` and `calls` name it
TRIGGER_SECONDS = 3.0  # https://api.slack.com/interactivity/handling#modal_responses
RESPONSE_URL_SECONDS = 30 * 60
RESPONSE_URL_USES = 5


@dataclass
class Fault:
    after: int  # calls still let through before this fault
    status: int
    error: str
    accepted: bool = False  # handled as usual before the error answer
    delay: float = 0.0  # seconds the call waits before Slack handles it (a slow call, no error)


@dataclass
class Hold:
    """Calls of one method kept waiting until released: Slack slow at the worst moment."""

    arrived: asyncio.Event
    released: asyncio.Event

    def release(self) -> None:
        self.released.set()


@dataclass
class ResponseUrl:
    channel: str
    user: str
    message_ts: str | None
    issued: float
    uses: int = 0
    ephemeral: bool = False  # `message_ts` names an ephemeral message of `user`


class FakeSlack:
    """A stateful Slack workspace behind a real HTTP server."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
        rate_clock: Callable[[], float] = time.monotonic,
        workspace: Workspace | None = None,
    ) -> None:
        # `clock` stamps messages and ages trigger ids and response URLs; rate limits run on
        # `rate_clock`, real time by default, because the bot's client waits out Retry-After
        # in real time even when a test holds the workspace's clock still.
        self.clock = clock
        self.ws = workspace or Workspace()
        self.limits = RateLimits(clock=rate_clock, enabled=rate_limits, scale=rate_scale)
        self._faults: dict[str, list[Fault]] = {}
        self._holds: dict[str, Hold] = {}
        self._slow_channels: dict[str, float] = {}  # chat.postMessage there waits this long
        self._release = asyncio.Event()  # ends every slow call at once
        self._stopping = False
        self.waiting = 0  # slow calls being held right now
        self._triggers: dict[str, tuple[float, str]] = {}
        self._responses: dict[str, ResponseUrl] = {}
        self._last_micros = 0
        self._ids = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.add_user(self.ws.bot_user_id, "learning-out-loud", is_bot=True)

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeSlack:
        """Serve on 127.0.0.1 (an ephemeral port by default)."""
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        for address in self._runner.addresses:
            self.port = int(address[1])
        return self

    async def stop(self) -> None:
        for hold in self._holds.values():
            hold.release()  # a test that failed mid-hold must not keep the server from stopping
        self._stopping = True
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What a bot passes as `AsyncWebClient(base_url=...)`."""
        return f"{self.url}/api/"

    @property
    def token(self) -> str:
        return next(iter(sorted(self.ws.tokens)))

    # ---- ids and time --------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:08X}"

    def next_ts(self) -> str:
        """A message timestamp: unique, increasing, close to the emulator's clock."""
        # Whole microseconds: a float near 1.8e9 cannot hold one-microsecond steps exactly, and
        # two messages rounded to the same ts would be one message to the bot.
        micros = max(round(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def permalink(self, channel: str, message: Message) -> str:
        base = (
            f"https://{self.ws.domain}.slack.com/archives/{channel}/p{message.ts.replace('.', '')}"
        )
        if message.thread_ts and message.thread_ts != message.ts:
            return f"{base}?thread_ts={message.thread_ts}&cid={channel}"
        return base

    # ---- setting up the workspace --------------------------------------------------------

    def add_user(self, user_id: str, name: str, **fields: Any) -> User:
        user = User(id=user_id, name=name, **fields)
        self.ws.users[user_id] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        members: list[str] | tuple[str, ...] = (),
        private: bool = False,
        bot_member: bool = True,
    ) -> Channel:
        channel = Channel(
            id=self.new_id("G" if private else "C"),
            name=name,
            is_private=private,
            members=set(members),
        )
        if bot_member:
            channel.members.add(self.ws.bot_user_id)
        self.ws.channels[channel.id] = channel
        return channel

    def open_im(self, user_id: str) -> Channel:
        for channel in self.ws.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        channel = Channel(id=self.new_id("D"), name=user_id, is_im=True, user=user_id)
        channel.members = {user_id, self.ws.bot_user_id}
        self.ws.channels[channel.id] = channel
        return channel

    def add_usergroup(self, group_id: str, users: list[str]) -> None:
        self.ws.usergroups[group_id] = list(users)

    def issue_trigger(self, user_id: str) -> str:
        """A trigger id for an interaction by `user_id`, usable once within 3 seconds."""
        trigger = f"{int(self.clock())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"
        self._triggers[trigger] = (self.clock(), user_id)
        return trigger

    def use_trigger(self, trigger: str) -> str:
        """Spend a trigger id and return whose interaction it was."""
        found = self._triggers.pop(trigger, None)
        if found is None:
            raise SlackError("invalid_trigger_id")
        if self.clock() - found[0] > TRIGGER_SECONDS:
            raise SlackError("expired_trigger_id")
        return found[1]

    def issue_response_url(
        self, channel: str, user: str, message_ts: str | None = None, *, ephemeral: bool = False
    ) -> str:
        key = uuid.uuid4().hex
        self._responses[key] = ResponseUrl(
            channel=channel,
            user=user,
            message_ts=message_ts,
            issued=self.clock(),
            ephemeral=ephemeral,
        )
        return f"{self.url}/response/{key}"

    def upload_url(self, file_id: str) -> str:
        """Where the bytes of a file go (what files.getUploadURLExternal answers)."""
        return f"{self.url}/upload/v1/{file_id}"

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        times: int = 1,
        after: int = 0,
        accepted: bool = False,
    ) -> None:
        """Answer `times` calls of `method`, after letting `after` calls through, with an error.

        `fail_next(m, error="channel_not_found")` is an API error (HTTP 200, as Slack answers);
        `fail_next(m)` or `fail_next(m, status=503)` is a server fault (`internal_error`).
        `accepted=True`: Slack did the work (a message is stored) and then answered the error.
        """
        if status is None:
            status = 200 if error else 500
        self._add_faults(
            method,
            [
                Fault(after if i == 0 else 0, status, error or "internal_error", accepted=accepted)
                for i in range(times)
            ],
        )

    def hold(self, method: str) -> Hold:
        """Keep every call of `method` waiting until the hold is released.

        `hold.arrived` is set when the first call is waiting, so a test can act while the bot is
        in the middle of something (an event arriving during a capture, for instance).
        """
        hold = Hold(arrived=asyncio.Event(), released=asyncio.Event())
        self._holds[method] = hold
        return hold

    def slow_next(self, method: str, *, seconds: float, times: int = 1, after: int = 0) -> None:
        """Keep `times` calls of `method` waiting `seconds` (real time) before handling them.

        The caller may give up first (its timeout); the call is handled all the same when the
        wait ends, unless the emulator stops. `release()` ends every wait at once.
        """
        self._add_faults(
            method, [Fault(after if i == 0 else 0, 200, "", delay=seconds) for i in range(times)]
        )

    def slow_channel(self, channel_id: str, *, seconds: float) -> None:
        """Keep every `chat.postMessage` to one channel waiting `seconds` (0: no longer).

        As `slow_next`, the call is handled when the wait ends even if its caller gave up or
        died meanwhile: Slack keeps a message whose answer never reached the poster.
        """
        if seconds > 0:
            self._slow_channels[channel_id] = seconds
        else:
            self._slow_channels.pop(channel_id, None)

    def release(self) -> None:
        """Let every slow call waiting now go on at once."""
        self._release.set()
        self._release = asyncio.Event()

    def rate_limit_next(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and `Retry-After: retry_after`."""
        self.limits.force(method, times, retry_after=retry_after)

    def faults_pending(self, method: str) -> int:
        """How many injected faults (errors, slow calls) still wait for calls of `method`."""
        return len(self._faults.get(method, []))

    def _add_faults(self, method: str, faults: list[Fault]) -> None:
        self._faults.setdefault(method, []).extend(faults)

    # ---- what a person does in Slack -----------------------------------------------------

    def user_posts(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> Message:
        channel = self.ws.channels[channel_id]
        message = Message(ts=self.next_ts(), text=text, user=user_id, thread_ts=thread_ts)
        if broadcast:
            message.subtype = "thread_broadcast"
        channel.messages.append(message)
        if thread_ts:
            self.note_reply(channel, thread_ts, user_id, message.ts)
        return message

    def note_reply(self, channel: Channel, thread_ts: str, user: str, ts: str) -> None:
        parent = channel.find(thread_ts)
        if parent is None:
            raise SlackError("thread_not_found")
        parent.thread_ts = parent.ts
        parent.reply_count += 1
        parent.latest_reply = ts
        if user not in parent.reply_users:
            parent.reply_users.append(user)

    def user_edits(self, channel_id: str, ts: str, text: str) -> Message:
        message = self.ws.channels[channel_id].find(ts)
        if message is None:
            raise KeyError(ts)
        message.text = text
        message.edited = True
        return message

    def user_deletes(self, channel_id: str, ts: str) -> Message:
        channel = self.ws.channels[channel_id]
        message = channel.find(ts)
        if message is None:
            raise KeyError(ts)
        channel.messages.remove(message)
        return message

    def archive_channel(self, channel_id: str) -> None:
        self.ws.channels[channel_id].is_archived = True

    def remove_bot_from(self, channel_id: str) -> None:
        self.ws.channels[channel_id].members.discard(self.ws.bot_user_id)

    def deactivate_user(self, user_id: str) -> None:
        self.ws.users[user_id].deleted = True

    # ---- reading what happened -----------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self.ws.calls if method is None or c.method == method]

    def messages(self, channel_id: str) -> list[Message]:
        return list(self.ws.channels[channel_id].messages)

    def thread(self, channel_id: str, thread_ts: str) -> list[Message]:
        return [
            m
            for m in self.ws.channels[channel_id].messages
            if m.ts == thread_ts or m.thread_ts == thread_ts
        ]

    def files_in(self, channel_id: str, thread_ts: str | None = None) -> list[File]:
        """The files shared in a channel (or in one of its threads), oldest first."""
        found: list[File] = []
        for message in self.messages(channel_id):
            if thread_ts is not None and message.thread_ts != thread_ts:
                continue
            found.extend(self.ws.files[f["id"]] for f in message.files)
        return found

    def ephemerals(self, user: str | None = None) -> list[Ephemeral]:
        return [e for e in self.ws.ephemerals if user is None or e.user == user]

    def dm_channel(self, user_id: str) -> Channel | None:
        for channel in self.ws.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        return None

    # ---- HTTP ----------------------------------------------------------------------------

    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in JSON_ARGS:
            if isinstance(args.get(key), str) and args[key][:1] in "[{":
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    raise SlackError(
                        "invalid_json" if key != "blocks" else "invalid_blocks_format"
                    ) from None
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._arguments(request)
        except SlackError as exc:
            return self._record(method, {}, exc.as_body(), 200)
        header = request.headers.get("Authorization", "")
        token = (
            header.removeprefix("Bearer ").strip()
            if header.startswith("Bearer ")
            else str(args.pop("token", ""))
        )
        args.pop("token", None)
        if not token:
            return self._record(method, args, {"ok": False, "error": "not_authed"}, 200)
        if token not in self.ws.tokens:
            return self._record(method, args, {"ok": False, "error": "invalid_auth"}, 200)
        hold = self._holds.get(method)
        if hold is not None:
            hold.arrived.set()
            await hold.released.wait()
        fault = self._next_fault(method)
        if fault is not None and fault.delay > 0:
            if not await self._wait(fault.delay):
                return self._record(method, args, {"ok": False, "error": "internal_error"}, 503)
        elif fault is not None and not fault.accepted:
            return self._record(method, args, {"ok": False, "error": fault.error}, fault.status)
        slow = self._slow_channels.get(str(args.get("channel") or ""), 0.0)
        if method == "chat.postMessage" and slow > 0 and not await self._wait(slow):
            return self._record(method, args, {"ok": False, "error": "internal_error"}, 503)
        wait = self.limits.check(method, str(args.get("channel") or ""))
        if wait is not None:
            response = self._record(method, args, {"ok": False, "error": "ratelimited"}, 429)
            response.headers["Retry-After"] = str(wait)
            return response
        handler = METHODS.get(method)
        if handler is None:
            return self._record(method, args, {"ok": False, "error": "unknown_method"}, 200)
        try:
            result = handler(self, args)
        except SlackError as exc:
            return self._record(method, args, exc.as_body(), 200)
        if fault is not None and fault.accepted:
            return self._record(method, args, {"ok": False, "error": fault.error}, fault.status)
        return self._record(method, args, {"ok": True, **result}, 200)

    def _next_fault(self, method: str) -> Fault | None:
        faults = self._faults.get(method)
        if faults and faults[0].after > 0:
            faults[0].after -= 1
        elif faults:
            return faults.pop(0)
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: take a file's bytes, raw or as a multipart form's `file` field."""
        file = self.ws.files.get(request.match_info["file_id"])
        if request.content_type.startswith("multipart/"):
            data = b""
            async for part in await request.multipart():
                if isinstance(part, BodyPartReader) and part.name in ("file", "filename"):
                    data = bytes(await part.read())
        else:
            data = await request.read()
        args = {"file_id": request.match_info["file_id"], "bytes": len(data)}
        fault = self._next_fault(UPLOAD)
        if fault is not None and fault.status != 200:
            self.ws.calls.append(Call(UPLOAD, args, False, fault.error, fault.status))
            return web.Response(status=fault.status, text=fault.error)
        if file is None or file.completed:
            self.ws.calls.append(Call(UPLOAD, args, False, "not_found", 404))
            return web.Response(status=404, text="not_found")
        file.data = data
        self.ws.calls.append(Call(UPLOAD, args, True, None, 200))
        return web.Response(text=f"OK - {len(data)}")

    async def _wait(self, seconds: float) -> bool:
        """Hold a slow call; False when the emulator stopped meanwhile (the call is dropped)."""
        self.waiting += 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), timeout=seconds)
        finally:
            self.waiting -= 1
        return not self._stopping

    def _record(
        self, method: str, args: dict[str, Any], body: dict[str, Any], status: int
    ) -> web.Response:
        self.ws.calls.append(Call(method, args, bool(body.get("ok")), body.get("error"), status))
        return web.json_response(body, status=status)

    async def _response_url(self, request: web.Request) -> web.Response:
        target = self._responses.get(request.match_info["key"])
        if (
            target is None
            or self.clock() - target.issued > RESPONSE_URL_SECONDS
            or target.uses >= RESPONSE_URL_USES
        ):
            return web.Response(status=404, text="expired_url")
        target.uses += 1
        body = await request.json()
        args = body if isinstance(body, dict) else {}
        self.ws.calls.append(Call("response_url", args, True, None, 200))
        if target.ephemeral and (args.get("replace_original") or args.get("delete_original")):
            self._change_ephemeral(target, args)
            return web.Response(text="ok")
        channel = self.ws.channels.get(target.channel)
        if args.get("delete_original") and target.message_ts and channel is not None:
            original = channel.find(target.message_ts)
            if original is not None:
                channel.messages.remove(original)
            return web.Response(text="ok")
        if args.get("replace_original") and target.message_ts and channel is not None:
            original = channel.find(target.message_ts)
            if original is not None:
                original.text, original.blocks = str(args.get("text", "")), args.get("blocks")
                return web.Response(text="ok")
        if args.get("response_type") == "in_channel" and channel is not None:
            channel.messages.append(
                Message(
                    ts=self.next_ts(),
                    text=str(args.get("text", "")),
                    bot_id=self.ws.bot_id,
                    app_id=self.ws.app_id,
                    blocks=args.get("blocks"),
                )
            )
        else:
            self.ws.ephemerals.append(
                Ephemeral(
                    target.channel,
                    target.user,
                    str(args.get("text", "")),
                    args.get("blocks"),
                    "response_url",
                    ts=self.next_ts(),
                )
            )
        return web.Response(text="ok")

    def _change_ephemeral(self, target: ResponseUrl, args: dict[str, Any]) -> None:
        for ephemeral in self.ws.ephemerals:
            if (ephemeral.channel, ephemeral.user, ephemeral.ts) == (
                target.channel,
                target.user,
                target.message_ts,
            ):
                if args.get("delete_original"):
                    self.ws.ephemerals.remove(ephemeral)
                else:
                    ephemeral.text = str(args.get("text", ""))
                    ephemeral.blocks = args.get("blocks")
                    ephemeral.replaced += 1
                return
