"""The Web API client: slack_sdk's retry handlers, kept to what is safe to repeat.

Rules:
- A call is repeated only when repeating it cannot do the work twice. 429 (rate limited) is
  always safe: Slack refused the call before doing anything. A 5xx, a timeout or a dropped
  connection after the request was sent are not: Slack may have done the work (a message stored)
  and failed only in answering. slack_sdk's server-error and connection-error handlers would
  re-send `chat.postMessage` then and post it twice, so they are applied to idempotent methods
  only (reads, `conversations.open`, `chat.update`, `views.publish`). Any other method is
  repeated on a connection error only when no connection was made (nothing was sent); what
  such a failure leaves in doubt is for the caller to settle (`services.sending` looks for the
  message by its metadata before any resend).
- The retry chain is bounded: at most `MAX_RETRIES` repeats in all (slack_sdk counts one attempt
  number across handlers), a `Retry-After` longer than `MAX_RETRY_AFTER` is not waited out for
  a post (the caller gets `ratelimited` and tries later; reads wait up to a minute), and each
  HTTP attempt is bounded by the session's `ClientTimeout`. Worst case for one call: (1 + MAX_RETRIES) x timeout + MAX_RETRIES x
  (MAX_RETRY_AFTER + 1 s jitter) = 4 x 15 + 3 x 11 = 93 s with the defaults.
- The timeout lives on the shared aiohttp session: `AsyncWebClient(timeout=…)` applies only to
  sessions slack_sdk creates itself, and aiohttp's own default is 300 s.
- Pacing comes before retrying: every call of a `PacedWebClient` first waits its turn under
  Slack's limits (`bot.pacing`), and a 429 that gets through pauses every caller of that method
  for `Retry-After` before the one that got it tries again. Bolt builds a plain client per
  request; `bot.app` swaps it for a paced copy (`paced_copy`) sharing the same pacer. Pacing
  adds at most one window (63 s, a minute and its margin) before a call, so the worst chain
  (93 + 63 s) still fits a send's 180 s lease, renewed meanwhile anyway.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any
from urllib.parse import urlparse

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.pacing import Pacer

MAX_RETRIES = 3
MAX_RETRY_AFTER = 10  # seconds, for a post; a longer wait is left to the caller's next run
MAX_READ_RETRY_AFTER = 60  # seconds, for an idempotent call (nothing to double by waiting)
DEFAULT_TIMEOUT = 15.0
DEFAULT_RETRY_BACKOFF = 0.5  # seconds before the first retry of a 5xx or a lost connection

_READ_VERBS = frozenset(
    {"info", "list", "history", "replies", "members", "getPermalink", "test", "lookupByEmail"}
)
_IDEMPOTENT_WRITES = frozenset({"conversations.open", "chat.update", "views.publish"})


def api_method(request: HttpRequest) -> str:
    """The Web API method a request calls (`chat.postMessage`), from its URL."""
    return urlparse(request.url).path.rsplit("/", 1)[-1]


def is_idempotent(method: str) -> bool:
    """Tell whether calling `method` twice has the effect of calling it once."""
    if method in _IDEMPOTENT_WRITES:
        return True
    return method.rsplit(".", 1)[-1] in _READ_VERBS


class IdempotentServerErrorRetry(AsyncServerErrorRetryHandler):
    """slack_sdk's 5xx retry, for idempotent methods only."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return is_idempotent(api_method(request)) and await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class SafeConnectionErrorRetry(AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection-error retry; for other methods, only when nothing was sent."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if is_idempotent(api_method(request)):
            return await super()._can_retry_async(
                state=state, request=request, response=response, error=error
            )
        return isinstance(error, aiohttp.ClientConnectorError)  # the connection never opened


class BoundedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, waiting `Retry-After` only up to a cap (shorter for posts)."""

    def __init__(
        self,
        max_retry_count: int = MAX_RETRIES,
        max_wait: int = MAX_RETRY_AFTER,
        max_read_wait: int = MAX_READ_RETRY_AFTER,
        pacer: Pacer | None = None,
    ):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.max_read_wait = max_read_wait
        self.pacer = pacer

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if self.pacer is not None and response is not None and response.status_code == 429:
            # Every caller of the method waits, whether or not this call is repeated.
            self.pacer.pause(api_method(request), _retry_after(response))
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        method = api_method(request)
        cap = self.max_read_wait if is_idempotent(method) else self.max_wait
        return _retry_after(response) <= cap

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        # slack_sdk waits Retry-After plus up to a second; the jitter here is never longer
        # than the wait itself, so `Retry-After: 0` (the emulator in tests) does not wait.
        wait = _retry_after(response) if response is not None else 1
        state.next_attempt_requested = True
        if self.pacer is not None:
            await self.pacer.acquire(api_method(request))  # after the pause, in turn
        else:
            await asyncio.sleep(wait + random.random() * min(1.0, wait))
        state.increment_current_attempt()


def _retry_after(response: HttpResponse) -> int:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0, int(values[0]))
            except (ValueError, IndexError):
                return 1
    return 1


def retry_handlers(
    backoff: float = DEFAULT_RETRY_BACKOFF, pacer: Pacer | None = None
) -> list[AsyncRetryHandler]:
    """Return the retry policy every client of this bot uses.

    A 5xx or a lost connection is retried after `backoff` seconds, doubling each time, plus
    slack_sdk's jitter of up to a second; `backoff=0` retries at once, with no jitter.
    """
    interval: RetryIntervalCalculator = (
        BackoffRetryIntervalCalculator(backoff_factor=backoff)
        if backoff > 0
        else FixedValueRetryIntervalCalculator(0.0)
    )
    return [
        SafeConnectionErrorRetry(max_retry_count=2, interval_calculator=interval),
        BoundedRateLimitRetry(pacer=pacer),
        IdempotentServerErrorRetry(max_retry_count=2, interval_calculator=interval),
    ]


def build_session(timeout: float = DEFAULT_TIMEOUT) -> aiohttp.ClientSession:
    """The shared HTTP session, whose `ClientTimeout` bounds every Web API attempt."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))


class PacedWebClient(AsyncWebClient):
    """An `AsyncWebClient` whose every call first waits its turn with the shared `Pacer`."""

    def __init__(self, *, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    async def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | aiohttp.FormData | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> AsyncSlackResponse:
        paused = self.pacer.paused_for(api_method)
        if paused > (MAX_READ_RETRY_AFTER if is_idempotent(api_method) else MAX_RETRY_AFTER):
            # Slack asked for a longer wait than this call would make: answer as Slack would,
            # without asking it, and leave the call to the caller's next run.
            raise SlackApiError(  # type: ignore[no-untyped-call]
                f"{api_method} paused for {paused:.0f} s after a 429",
                AsyncSlackResponse(
                    client=self,
                    http_verb=http_verb,
                    api_url=self.base_url + api_method,
                    req_args={},
                    data={"ok": False, "error": "ratelimited"},
                    headers={"Retry-After": str(math.ceil(paused))},
                    status_code=429,
                ),
            )
        await self.pacer.acquire(api_method, _channel_of(json, data, params))
        return await super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=data,
            params=params,
            json=json,
            headers=headers,
            auth=auth,
        )


def _channel_of(*sources: object) -> str | None:
    for source in sources:
        if isinstance(source, dict) and source.get("channel"):
            return str(source["channel"])
    return None


def paced_copy(client: AsyncWebClient, pacer: Pacer) -> PacedWebClient:
    """A paced client with everything of `client` (token, session, retries, team_id)."""
    return PacedWebClient(
        pacer=pacer,
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        session=client.session,
        trust_env_in_session=client.trust_env_in_session,
        headers=dict(client.headers),
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )


def build_client(
    token: str,
    base_url: str,
    session: aiohttp.ClientSession | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retry_backoff: float = DEFAULT_RETRY_BACKOFF,
    pacer: Pacer | None = None,
) -> PacedWebClient:
    """Create a paced Web API client for the bot token against `base_url`.

    With a shared `session` (see `build_session`), the session's own timeout is what applies.
    Without a `pacer` the client gets one of its own (Slack's limits, scale 1).
    """
    pacer = pacer if pacer is not None else Pacer()
    return PacedWebClient(
        pacer=pacer,
        token=token,
        base_url=base_url,
        session=session,
        timeout=int(max(1, timeout)),
        retry_handlers=retry_handlers(retry_backoff, pacer),
    )
