"""A local OpenAI-compatible chat-completions endpoint, for tests of the optional language model.

- `POST /v1/chat/completions` on 127.0.0.1 (an ephemeral port), so the bot's real HTTP client
  talks to it; `api_url` is what `LLM_API_URL` is set to.
- A request without `Authorization: Bearer <api_key>` gets 401, as a hosted provider answers.
- Every request's JSON body is recorded in `requests` (authorised or not), so a test can show
  what was sent, and that nothing was.
- What it answers is set by the test: `reply_with(content)` (any text as the message content:
  good JSON, fenced JSON, prose, wrong labels), `fail(status)` (429 with Retry-After, 500, …),
  `hang()` (never answers until the server stops, longer than any timeout), or
  `refuse_json_mode()` (400 to a request with `response_format`, as some servers answer).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

DEFAULT_KEY = "sk-test-fake-llm"


class FakeLLM:
    """The endpoint, its recorded requests, and the behaviour a test chose."""

    def __init__(self, api_key: str = DEFAULT_KEY) -> None:
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._content = json.dumps({"chatter": False})
        self._status = 200
        self._hang = False
        self._json_mode = True
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # ---- behaviour -----------------------------------------------------------------------

    def reply_with(self, content: str | dict[str, Any]) -> None:
        """Answer 200 with this message content (a dict is sent as its JSON)."""
        self._content = content if isinstance(content, str) else json.dumps(content)
        self._status, self._hang = 200, False

    def fail(self, status: int) -> None:
        """Answer every request with this HTTP status and an OpenAI-shaped error body."""
        self._status, self._hang = status, False

    def refuse_json_mode(self) -> None:
        """Answer 400 to any request that asks for `response_format`."""
        self._json_mode = False

    def hang(self) -> None:
        """Hold every request open until the server stops."""
        self._hang = True

    # ---- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> FakeLLM:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        for address in self._runner.addresses:
            self.port = int(address[1])
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._release.set()  # let held requests finish, so shutdown does not wait for them
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ---- the endpoint --------------------------------------------------------------------

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        if "response_format" in body and not self._json_mode:
            return _error(400, "invalid_request_error", "response_format is not supported.")
        if self._hang:
            await self._release.wait()
            return _error(503, "shutting_down", "The server is stopping.")
        if self._status == 429:
            return _error(429, "rate_limit_exceeded", "Rate limit reached.", retry_after="20")
        if self._status != 200:
            return _error(self._status, "server_error", "The server had an error.")
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": str(body.get("model", "")),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self._content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )


def _error(status: int, code: str, message: str, *, retry_after: str | None = None) -> web.Response:
    headers = {"Retry-After": retry_after} if retry_after else None
    return web.json_response(
        {"error": {"message": message, "type": "error", "code": code}},
        status=status,
        headers=headers,
    )
