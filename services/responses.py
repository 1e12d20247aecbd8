"""`respond()` over the shared HTTP session.

Bolt's own `AsyncRespond` opens a new aiohttp session (and connection) for every call to a
`response_url`; at volume that is measurable CPU and a fresh TLS handshake each time. This one
posts the same message through the process's shared session (the Web API client's, see
`bot.slack_client`). `bot.app` puts it into every request's context, so listeners that take
`respond` get it without changing; work done outside a request (the intake's quick entries)
gets one from `respond_for`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

_OPTIONS = (
    "blocks",
    "attachments",
    "response_type",
    "replace_original",
    "delete_original",
    "unfurl_links",
    "unfurl_media",
    "thread_ts",
    "metadata",
)


class SharedSessionRespond(AsyncRespond):
    """Post to a `response_url` through the shared `session`; called like Bolt's `respond`."""

    def __init__(self, *, response_url: str, session: aiohttp.ClientSession) -> None:
        super().__init__(response_url=response_url)
        self.session = session

    async def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **options: Any
    ) -> WebhookResponse:
        message = dict(text) if isinstance(text, dict) else {"text": text, **options}
        unknown = set(message) - {"text", *_OPTIONS}
        if unknown:
            raise TypeError(f"respond() got unexpected arguments {sorted(unknown)}")
        body = {key: _plain(value) for key, value in message.items() if value is not None}
        hook = AsyncWebhookClient(url=self.response_url or "", session=self.session)
        return await hook.send_dict(body)


def _plain(value: Any) -> Any:
    """Block Kit objects as dicts (slack_sdk's models), everything else as it is."""
    if isinstance(value, list | tuple):
        return [item.to_dict() if hasattr(item, "to_dict") else item for item in value]
    return value


def respond_for(client: AsyncWebClient, response_url: str | None) -> AsyncRespond:
    """A `respond` for `response_url` over `client`'s shared session (Bolt's own without one)."""
    if response_url and client.session is not None:
        return SharedSessionRespond(response_url=response_url, session=client.session)
    return AsyncRespond(response_url=response_url)
