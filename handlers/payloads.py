"""Slack's payloads turned into small dataclasses at the edge, so raw dicts stay in `handlers/`.

Shapes: https://api.slack.com/interactivity/slash-commands (command fields),
https://api.slack.com/events/message (message events and their subtypes),
https://api.slack.com/reference/interaction-payloads/block-actions-payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.text import strip_controls


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class SlashCommand:
    team_id: str
    user_id: str
    channel_id: str
    text: str
    trigger_id: str

    @classmethod
    def parse(cls, command: dict[str, Any]) -> SlashCommand:
        return cls(
            team_id=_str(command.get("team_id")),
            user_id=_str(command.get("user_id")),
            channel_id=_str(command.get("channel_id")),
            text=strip_controls(_str(command.get("text"))).strip(),
            trigger_id=_str(command.get("trigger_id")),
        )


@dataclass(frozen=True)
class MessageEvent:
    """A message event, or the message inside a `message_changed` event."""

    team_id: str
    channel_id: str
    channel_type: str
    user_id: str
    text: str
    ts: str
    thread_ts: str | None
    subtype: str | None
    bot_id: str | None

    @classmethod
    def parse(cls, event: dict[str, Any], *, team_id: str) -> MessageEvent:
        return cls(
            team_id=team_id,
            channel_id=_str(event.get("channel")),
            channel_type=_str(event.get("channel_type")),
            user_id=_str(event.get("user")),
            text=strip_controls(_str(event.get("text"))),
            ts=_str(event.get("ts")),
            thread_ts=event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None,
            subtype=event.get("subtype") if isinstance(event.get("subtype"), str) else None,
            bot_id=event.get("bot_id") if isinstance(event.get("bot_id"), str) else None,
        )


@dataclass(frozen=True)
class BlockAction:
    team_id: str
    user_id: str
    action_id: str
    value: str
    trigger_id: str
    channel_id: str | None
    message_ts: str | None
    from_home: bool = False  # clicked on the App Home tab: no channel, no response URL

    @classmethod
    def parse(cls, body: dict[str, Any], action: dict[str, Any]) -> BlockAction:
        channel = body.get("channel") or body.get("container") or {}
        container = body.get("container") or {}
        view = body.get("view") or {}
        return cls(
            team_id=_str((body.get("team") or {}).get("id"))
            or _str((body.get("user") or {}).get("team_id")),
            user_id=_str((body.get("user") or {}).get("id")),
            action_id=_str(action.get("action_id")),
            # A button carries `value`; a select menu, the value of the option chosen.
            value=_str(action.get("value"))
            or _str((action.get("selected_option") or {}).get("value")),
            trigger_id=_str(body.get("trigger_id")),
            channel_id=_str(channel.get("id") or channel.get("channel_id")) or None,
            message_ts=_str(container.get("message_ts")) or None,
            from_home=container.get("type") == "view" and view.get("type") == "home",
        )


@dataclass(frozen=True)
class ViewSubmission:
    team_id: str
    user_id: str
    view_id: str
    callback_id: str
    private_metadata: str
    values: dict[str, Any]

    @classmethod
    def parse(cls, body: dict[str, Any]) -> ViewSubmission:
        view = body.get("view") or {}
        state = view.get("state") or {}
        values = state.get("values")
        return cls(
            team_id=_str((body.get("team") or {}).get("id"))
            or _str((body.get("user") or {}).get("team_id")),
            user_id=_str((body.get("user") or {}).get("id")),
            view_id=_str(view.get("id")),
            callback_id=_str(view.get("callback_id")),
            private_metadata=_str(view.get("private_metadata")),
            values=values if isinstance(values, dict) else {},
        )


_INTERACTIVE = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
    }
)


def payload_problem(body: Any) -> str | None:
    """What makes a request body unfit to handle, or None when its shape is sound.

    Bolt and the listeners read these fields without checking their types; a signed body with
    a list where an object belongs would otherwise end as a 500 with a traceback.
    """
    if not isinstance(body, dict):
        return f"payload is a {type(body).__name__}, not an object"
    kind = body.get("type")
    if "command" in body:
        if not isinstance(body.get("command"), str) or not _str(body.get("user_id")):
            return "command without a command name or user_id"
        return None
    if not isinstance(kind, str):
        return "payload without a type"
    if kind == "url_verification":
        return (
            None if isinstance(body.get("challenge"), str) else "url_verification without challenge"
        )
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback whose event is not an object with a type"
        if not _str(body.get("event_id")) or not _str(body.get("team_id")):
            return "event_callback without event_id or team_id"
        for name in ("message", "previous_message"):
            if name in event and not isinstance(event[name], dict):
                return f"event.{name} is not an object"
        return None
    if kind in _INTERACTIVE:
        user = body.get("user")
        if not isinstance(user, dict) or not _str(user.get("id")):
            return f"{kind} whose user is not an object with an id"
        for name in ("team", "view", "container", "channel", "message"):
            if body.get(name) is not None and not isinstance(body[name], dict):
                return f"{kind} whose {name} is not an object"
        actions = body.get("actions")
        if actions is not None and (
            not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions)
        ):
            return f"{kind} whose actions are not a list of objects"
        return None
    return None
