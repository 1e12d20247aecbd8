"""The Web API client, with slack_sdk's own retry handlers.

slack_sdk retries only connection errors by default. We add its rate-limit handler (which waits
for `Retry-After`) and its server-error handler, rather than retrying by hand.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient


def retry_handlers() -> list[AsyncRetryHandler]:
    """Return the retry policy every client of this bot uses."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=5),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def build_client(
    token: str, base_url: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """Create a Web API client for the bot token against `base_url`."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=15,
        retry_handlers=retry_handlers(),
    )
