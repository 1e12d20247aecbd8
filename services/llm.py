"""A thin client for an OpenAI-compatible chat-completions endpoint (the optional language model).

Rules:
- One aiohttp session for the bot's life, with its own timeout (`LLM_TIMEOUT_SECONDS`): the
  caller waits that long at most, and never inside an ack.
- No retries: a 429, a 5xx, a timeout or a malformed body raises `ModelUnavailable` at once and
  the caller keeps the rules' result. The reason is a short phrase of our own, never the
  request's text, the answer, or the key.
- JSON mode (`response_format`) is asked for; an endpoint that refuses it with a 400 is asked
  without it from then on (the answer is parsed defensively either way).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """The model gave no usable answer this time; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LanguageModel:
    """Send chat messages to `{base_url}/chat/completions` and return the answer's content."""

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout: float) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self._api_key = api_key
        self._json_mode = True
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"LanguageModel(url={self.url!r}, model={self.model!r})"  # never the key

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Created on first use, inside the running event loop.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"Authorization": f"Bearer {self._api_key}"},
            )
        return self._session

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """Return the first choice's message content, or raise ModelUnavailable."""
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        # No temperature or token limit: several reasoning models refuse both, and the answer
        # is a short object by construction (the timeout bounds the rest).
        if self._json_mode:
            body["response_format"] = {"type": "json_object"}
        try:
            # No redirects: the key goes to the configured URL and nowhere else.
            async with self._open().post(self.url, json=body, allow_redirects=False) as response:
                if response.status == 400 and self._json_mode:
                    self._json_mode = False
                    raise ModelUnavailable("HTTP 400; JSON mode turned off for later requests")
                if response.status == 429:
                    raise ModelUnavailable("rate limited (HTTP 429)")
                if response.status != 200:
                    raise ModelUnavailable(f"HTTP {response.status}")
                payload = await response.json(content_type=None)
        except TimeoutError:
            raise ModelUnavailable(f"no answer within {self.timeout:g}s") from None
        except aiohttp.ClientError as exc:
            raise ModelUnavailable(f"connection failed ({type(exc).__name__})") from None
        except ValueError:
            raise ModelUnavailable("the response body is not JSON") from None
        return _content(payload)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _content(payload: object) -> str:
    try:
        content = payload["choices"][0]["message"]["content"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        raise ModelUnavailable("the response has no message content") from None
    if not isinstance(content, str):
        raise ModelUnavailable("the response has no message content")
    return content
