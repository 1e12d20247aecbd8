"""Send requests to a bot exactly as Slack does, signed, and keep the emulator's state in step.

Payload shapes: slash commands https://api.slack.com/interactivity/slash-commands (form
encoded), Events API https://api.slack.com/apis/events-api (`event_callback` envelopes, with
`X-Slack-Retry-Num` / `X-Slack-Retry-Reason` on redeliveries), interactivity
https://api.slack.com/reference/interaction-payloads (`payload=<urlencoded JSON>`).
Signature: https://api.slack.com/authentication/verifying-requests-from-slack, v0 HMAC-SHA256
over `v0:{timestamp}:{raw body}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from fakeslack.server import FakeSlack
from fakeslack.state import Ephemeral, Message


@dataclass(frozen=True)
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(secret: str, timestamp: str, body: str) -> str:
    """The `X-Slack-Signature` value for a body sent at `timestamp`."""
    digest = hmac.new(
        secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"v0={digest}"


class SlackDriver:
    """Plays Slack's part towards a bot at `bot_url` (its /slack/events endpoint)."""

    def __init__(self, bot_url: str, signing_secret: str, slack: FakeSlack) -> None:
        self.bot_url = bot_url
        self.secret = signing_secret
        self.slack = slack
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SlackDriver:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    # ---- transport -----------------------------------------------------------------------

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """POST a raw body to the bot; sign it unless told not to."""
        if self._session is None:
            raise RuntimeError("use the driver as an async context manager")
        sent_at = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            all_headers["X-Slack-Request-Timestamp"] = sent_at
            all_headers["X-Slack-Signature"] = sign(secret or self.secret, sent_at, body)
        async with self._session.post(
            self.bot_url, data=body.encode(), headers=all_headers
        ) as response:
            return Reply(response.status, await response.text())

    async def _interactive(self, payload: dict[str, Any], **options: Any) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded", **options)

    # ---- slash commands ------------------------------------------------------------------

    async def slash_command(
        self,
        user_id: str,
        text: str,
        *,
        command: str = "/tried",
        channel_id: str | None = None,
        **options: Any,
    ) -> Reply:
        """Type a slash command, as Slack posts it (form encoded, with a trigger and response URL)."""
        ws = self.slack.ws
        channel = channel_id or self.slack.open_im(user_id).id
        user = ws.users.get(user_id)
        fields = {
            "token": "verification-token-unused",
            "team_id": ws.team_id,
            "team_domain": ws.domain,
            "channel_id": channel,
            "channel_name": ws.channels[channel].name
            if channel in ws.channels
            else "directmessage",
            "user_id": user_id,
            "user_name": user.name if user else user_id,
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": self.slack.issue_response_url(channel, user_id),
            "trigger_id": self.slack.issue_trigger(user_id),
        }
        return await self.send(urlencode(fields), "application/x-www-form-urlencoded", **options)

    # ---- events --------------------------------------------------------------------------

    def envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        ws = self.slack.ws
        return {
            "token": "verification-token-unused",
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(self.slack.clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        **options: Any,
    ) -> tuple[Reply, str]:
        """Deliver one event; a retry carries the same event id and the retry headers."""
        envelope = self.envelope(event, event_id=event_id)
        headers = dict(options.pop("headers", {}) or {})
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        reply = await self.send(
            json.dumps(envelope), "application/json", headers=headers, **options
        )
        return reply, str(envelope["event_id"])

    async def url_verification(self, challenge: str) -> Reply:
        body = {
            "token": "verification-token-unused",
            "challenge": challenge,
            "type": "url_verification",
        }
        return await self.send(json.dumps(body), "application/json")

    def message_event(self, channel_id: str, message: Message) -> dict[str, Any]:
        """The `message` event Slack sends for a message (to deliver late, or again)."""
        channel = self.slack.ws.channels[channel_id]
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel_id,
            "user": message.user,
            "text": message.text,
            "ts": message.ts,
            "event_ts": message.ts,
            "team": self.slack.ws.team_id,
            "channel_type": "im" if channel.is_im else "group" if channel.is_private else "channel",
        }
        if message.thread_ts:
            event["thread_ts"] = message.thread_ts
        if message.subtype:
            event["subtype"] = message.subtype
        return event

    async def post_message(
        self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> tuple[Message, str]:
        """A person posts (or replies in a thread); the bot gets the message event."""
        message = self.slack.user_posts(user_id, channel_id, text, thread_ts=thread_ts)
        _reply, event_id = await self.event(self.message_event(channel_id, message))
        return message, event_id

    async def react(
        self, user_id: str, channel_id: str, ts: str, reaction: str, *, remove: bool = False
    ) -> str:
        """A person adds (or removes) an emoji reaction on a message; the bot gets the event.

        Shaped as Slack documents `reaction_added` / `reaction_removed`: `user`, `reaction`,
        `item_user` (the message's author), `item: {type: "message", channel, ts}`, `event_ts`.
        """
        message = self.slack.ws.channels[channel_id].find(ts)
        if message is None:
            raise KeyError(ts)
        users = message.reactions.setdefault(reaction, [])
        if remove and user_id in users:
            users.remove(user_id)
        elif not remove and user_id not in users:
            users.append(user_id)
        if not users:
            del message.reactions[reaction]
        event = {
            "type": "reaction_removed" if remove else "reaction_added",
            "user": user_id,
            "reaction": reaction,
            "item_user": message.user,
            "item": {"type": "message", "channel": channel_id, "ts": ts},
            "event_ts": self.slack.next_ts(),
        }
        _reply, event_id = await self.event(event)
        return event_id

    def edit_event(self, channel_id: str, ts: str, text: str) -> dict[str, Any]:
        """A person edits a message; return the `message_changed` event, not yet delivered.

        The edited message is in `event.message`, with `edited.ts` the moment of the edit (the
        outer `ts` and `event_ts` are the change's), as in Slack's documented example.
        """
        channel = self.slack.ws.channels[channel_id]
        message = channel.find(ts)
        if message is None:
            raise KeyError(ts)
        previous = self.message_event(channel_id, message)
        edited = self.slack.user_edits(channel_id, ts, text)
        at = self.slack.next_ts()
        inner = self.message_event(channel_id, edited) | {"edited": {"user": edited.user, "ts": at}}
        return {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel_id,
            "hidden": True,
            "message": inner,
            "previous_message": previous,
            "ts": at,
            "event_ts": at,
            "channel_type": previous["channel_type"],
        }

    async def edit_message(self, channel_id: str, ts: str, text: str) -> str:
        """A person edits a message: `message_changed`, the edited message in `event.message`."""
        _reply, event_id = await self.event(self.edit_event(channel_id, ts, text))
        return event_id

    def delete_event(self, channel_id: str, ts: str) -> dict[str, Any]:
        """A person deletes a message; return the `message_deleted` event, not yet delivered."""
        gone = self.slack.user_deletes(channel_id, ts)
        at = self.slack.next_ts()
        return {
            "type": "message",
            "subtype": "message_deleted",
            "channel": channel_id,
            "hidden": True,
            "deleted_ts": ts,
            "previous_message": self.message_event(channel_id, gone)
            if channel_id in self.slack.ws.channels
            else {},
            "ts": at,
            "event_ts": at,
        }

    async def delete_message(self, channel_id: str, ts: str) -> str:
        """A person deletes a message: `message_deleted` naming it in `deleted_ts`."""
        _reply, event_id = await self.event(self.delete_event(channel_id, ts))
        return event_id

    async def app_home_opened(self, user_id: str) -> str:
        channel = self.slack.open_im(user_id)
        event = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": channel.id,
            "tab": "home",
            "event_ts": self.slack.next_ts(),
        }
        _reply, event_id = await self.event(event)
        return event_id

    # ---- interactivity -------------------------------------------------------------------

    async def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        block_id: str = "actions",
        ephemeral: Ephemeral | None = None,
        selected_option: dict[str, Any] | None = None,
        element_type: str = "static_select",
        **options: Any,
    ) -> Reply:
        """Click a button in a message (or an ephemeral one, when no `message_ts`).

        With `ephemeral`, the click comes from that ephemeral message, and the payload's response
        URL replaces or deletes it. With `selected_option`, the element is a menu (a static select,
        or the `element_type` given, such as "overflow") and this is the option chosen.
        """
        ws = self.slack.ws
        if ephemeral is not None:
            channel_id, message_ts = ephemeral.channel, ephemeral.ts
        channel = channel_id or self.slack.open_im(user_id).id
        container: dict[str, Any] = {
            "type": "message",
            "channel_id": channel,
            "is_ephemeral": message_ts is None or ephemeral is not None,
        }
        if message_ts:
            container["message_ts"] = message_ts
        if ephemeral is not None and ephemeral.thread_ts:
            container["thread_ts"] = ephemeral.thread_ts
        element: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": self.slack.next_ts(),
        }
        if selected_option is not None:
            element |= {"type": element_type, "selected_option": selected_option}
        else:
            element |= {
                "type": "button",
                "text": {"type": "plain_text", "text": action_id},
                "value": value,
            }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": ws.team_id},
            "api_app_id": ws.app_id,
            "token": "verification-token-unused",
            "container": container,
            "trigger_id": self.slack.issue_trigger(user_id),
            "team": {"id": ws.team_id, "domain": ws.domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {
                "id": channel,
                "name": ws.channels[channel].name if channel in ws.channels else "",
            },
            "response_url": self.slack.issue_response_url(
                channel, user_id, message_ts, ephemeral=ephemeral is not None
            ),
            "actions": [element],
        }
        # Slack sends the whole message only for one in the conversation, not an ephemeral one.
        if message_ts and ephemeral is None and channel in ws.channels:
            found = ws.channels[channel].find(message_ts)
            if found is not None:
                payload["message"] = found.as_slack()
        return await self._interactive(payload, **options)

    async def home_action(
        self, user_id: str, action_id: str, value: str | None = None, *, forged: bool = False
    ) -> Reply:
        """Click a button on the person's published Home tab.

        Such a payload has a `view` container and the view, and neither a channel nor a response
        URL. The button must be on the tab (the first with `action_id`, and `value` when given),
        unless `forged`: then the click is sent as if it were.
        """
        ws = self.slack.ws
        stored = ws.views.get(f"home:{user_id}")
        element: dict[str, Any] | None = None
        block_id = "actions"
        for block in stored.view.get("blocks", []) if stored is not None else []:
            for candidate in block.get("elements", []) if block.get("type") == "actions" else []:
                if candidate.get("action_id") == action_id and value in (
                    None,
                    candidate.get("value"),
                ):
                    element, block_id = candidate, str(block.get("block_id", block_id))
                    break
            if element is not None:
                break
        if element is None:
            if not forged:
                raise LookupError(f"no {action_id} {value!r} on {user_id}'s Home tab")
            element = {
                "type": "button",
                "action_id": action_id,
                "text": {"type": "plain_text", "text": action_id},
                "value": value or "",
            }
        view_id = stored.id if stored is not None else self.slack.new_id("V")
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": ws.team_id},
            "api_app_id": ws.app_id,
            "token": "verification-token-unused",
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.slack.issue_trigger(user_id),
            "team": {"id": ws.team_id, "domain": ws.domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": {
                **(stored.view if stored is not None else {"type": "home", "blocks": []}),
                "id": view_id,
                "team_id": ws.team_id,
                "hash": stored.hash if stored is not None else "",
                "state": {"values": {}},
                "app_id": ws.app_id,
                "bot_id": ws.bot_id,
            },
            "actions": [{**element, "block_id": block_id, "action_ts": self.slack.next_ts()}],
        }
        return await self._interactive(payload)

    async def tap(
        self, user_id: str, ephemeral: Ephemeral, action_id: str, *, option: str | None = None
    ) -> Reply:
        """Use an element of an ephemeral message as shown: a button, or a menu's `option` (label)."""
        for block in ephemeral.blocks or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") != action_id:
                    continue
                block_id = str(block.get("block_id", "actions"))
                if option is None:
                    return await self.block_action(
                        user_id,
                        action_id,
                        str(element.get("value", "")),
                        ephemeral=ephemeral,
                        block_id=block_id,
                    )
                [chosen] = [o for o in element["options"] if o["text"]["text"] == option]
                return await self.block_action(
                    user_id,
                    action_id,
                    ephemeral=ephemeral,
                    block_id=block_id,
                    selected_option=chosen,
                )
        raise LookupError(f"no {action_id} in that ephemeral message")

    async def view_submission(
        self, user_id: str, view_id: str, values: dict[str, dict[str, Any]], **options: Any
    ) -> Reply:
        """Submit a view the bot opened, with `values` shaped as Slack's `view.state.values`."""
        ws = self.slack.ws
        stored = ws.views[view_id]
        view = {
            **stored.view,
            "id": view_id,
            "team_id": ws.team_id,
            "hash": stored.hash,
            "state": {"values": values},
            "private_metadata": stored.view.get("private_metadata", ""),
            "callback_id": stored.view.get("callback_id", ""),
            "app_id": ws.app_id,
            "bot_id": ws.bot_id,
        }
        payload = {
            "type": "view_submission",
            "team": {"id": ws.team_id, "domain": ws.domain},
            "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": ws.team_id},
            "api_app_id": ws.app_id,
            "token": "verification-token-unused",
            "trigger_id": self.slack.issue_trigger(user_id),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self._interactive(payload, **options)

    def last_view(self, user_id: str, callback_id: str | None = None) -> str:
        """The id of the newest modal the bot opened for a person."""
        for view_id in reversed(list(self.slack.ws.views)):
            view = self.slack.ws.views[view_id]
            if (
                view.user == user_id
                and view.kind == "modal"
                and (callback_id is None or view.view.get("callback_id") == callback_id)
            ):
                return view_id
        raise LookupError(f"no modal open for {user_id}")
