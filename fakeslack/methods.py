"""Web API methods, each answering with Slack's documented shape and error codes.

References: https://api.slack.com/methods/<name> for each method below. Cursor pagination
returns `response_metadata.next_cursor` ("" on the last page).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakeslack.blockkit import check_message_blocks, check_view
from fakeslack.state import Channel, Ephemeral, File, Message, View

if TYPE_CHECKING:
    from fakeslack.server import FakeSlack

MESSAGE_TEXT_LIMIT = 40_000  # https://api.slack.com/methods/chat.postMessage#truncating
FILE_SIZE_LIMIT = 1024**3  # Slack takes files of up to 1 GB
ALT_TEXT_LIMIT = 1000  # files.getUploadURLExternal: `alt_txt_too_large` beyond it


class SlackError(Exception):
    """An API error, answered as `{"ok": false, "error": code, ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def as_body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def _require(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if value in (None, ""):
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
        )
    return str(value)


def _channel(slack: FakeSlack, channel_id: str) -> Channel:
    channel = slack.ws.channels.get(channel_id)
    if channel is None:
        raise SlackError("channel_not_found")
    return channel


def _bot_sees(slack: FakeSlack, channel: Channel) -> None:
    if not channel.is_im and slack.ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")


def _page(items: list[Any], args: dict[str, Any], default: int = 100) -> tuple[list[Any], str]:
    limit = max(1, min(int(args.get("limit") or default), 1000))
    cursor = str(args.get("cursor") or "")
    start = int(cursor.removeprefix("next:")) if cursor.startswith("next:") else 0
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, f"next:{start + limit}" if more else ""


def _check_text_and_blocks(args: dict[str, Any]) -> None:
    text = str(args.get("text") or "")
    blocks = args.get("blocks")
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if len(text) > MESSAGE_TEXT_LIMIT:
        raise SlackError("msg_too_long")
    if blocks is not None:
        problem = check_message_blocks(blocks)
        if problem is not None:
            raise SlackError(problem[0], response_metadata={"messages": problem[1]})


def _resolve_post_channel(slack: FakeSlack, target: str) -> Channel:
    if target.startswith(("U", "W")):
        user = slack.ws.users.get(target)
        if user is None:
            raise SlackError("channel_not_found")
        if user.deleted:
            raise SlackError("user_disabled")
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        return slack.open_im(target)
    return _channel(slack, target)


def _bot_message(slack: FakeSlack, message: Message) -> dict[str, Any]:
    out = message.as_slack()
    out |= {
        "user": slack.ws.bot_user_id,
        "bot_id": slack.ws.bot_id,
        "app_id": slack.ws.app_id,
        "team": slack.ws.team_id,
    }
    return out


# ---- chat ----------------------------------------------------------------------------------


def chat_post_message(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _resolve_post_channel(slack, _require(args, "channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    _bot_sees(slack, channel)
    _check_text_and_blocks(args)
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    message = Message(
        ts=slack.next_ts(),
        text=str(args.get("text") or ""),
        bot_id=slack.ws.bot_id,
        app_id=slack.ws.app_id,
        blocks=args.get("blocks"),
        thread_ts=thread_ts,
        metadata=args.get("metadata") if isinstance(args.get("metadata"), dict) else None,
    )
    if thread_ts:
        slack.note_reply(channel, thread_ts, slack.ws.bot_user_id, message.ts)
    channel.messages.append(message)
    return {"channel": channel.id, "ts": message.ts, "message": _bot_message(slack, message)}


def chat_update(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    message = channel.find(_require(args, "ts"))
    if message is None:
        raise SlackError("message_not_found")
    if message.bot_id != slack.ws.bot_id:
        raise SlackError("cant_update_message")
    _check_text_and_blocks(args)
    message.text = str(args.get("text") or "")
    if "blocks" in args:
        message.blocks = args.get("blocks")
    message.edited = True
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": _bot_message(slack, message),
    }


def chat_delete(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    message = channel.find(_require(args, "ts"))
    if message is None:
        raise SlackError("message_not_found")
    if message.bot_id != slack.ws.bot_id:
        raise SlackError("cant_delete_message")
    channel.messages.remove(message)
    return {"channel": channel.id, "ts": message.ts}


def chat_post_ephemeral(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    user = _require(args, "user")
    if channel.is_archived:
        raise SlackError("is_archived")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    _bot_sees(slack, channel)
    _check_text_and_blocks(args)
    # `thread_ts` shows it in a thread (https://api.slack.com/methods/chat.postEphemeral); Slack
    # asks for the parent's ts and shows it only in a thread that already exists.
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    ephemeral = Ephemeral(
        channel.id,
        user,
        str(args.get("text") or ""),
        args.get("blocks"),
        "chat.postEphemeral",
        ts=slack.next_ts(),
        thread_ts=thread_ts,
    )
    slack.ws.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral.ts}


def chat_get_permalink(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    message = channel.find(_require(args, "message_ts"))
    if message is None:
        raise SlackError("message_not_found")
    return {"channel": channel.id, "permalink": slack.permalink(channel.id, message)}


# ---- conversations -------------------------------------------------------------------------


def _window(messages: list[Message], args: dict[str, Any]) -> list[Message]:
    oldest = float(args.get("oldest") or 0)
    latest = float(args.get("latest") or "inf")
    return [m for m in messages if oldest <= float(m.ts) <= latest]


def conversations_replies(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    _bot_sees(slack, channel)
    ts = _require(args, "ts")
    parent = channel.find(ts)
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [parent] + [m for m in channel.messages if m.thread_ts == ts and m.ts != ts]
    page, cursor = _page(_window(thread, args), args, default=1000)
    metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    return {
        "messages": [m.as_slack(include_metadata=metadata) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def conversations_history(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    _bot_sees(slack, channel)
    top = [
        m
        for m in channel.messages
        if m.thread_ts in (None, m.ts) or m.subtype == "thread_broadcast"
    ]
    page, cursor = _page(list(reversed(_window(top, args))), args, default=100)
    metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    return {
        "messages": [m.as_slack(include_metadata=metadata) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def conversations_members(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    page, cursor = _page(sorted(channel.members), args)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_info(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    if channel.is_private and slack.ws.bot_user_id not in channel.members:
        raise SlackError("channel_not_found")  # a private channel the bot is not in is invisible
    return {"channel": channel.as_slack(slack.ws.bot_user_id)}


def conversations_open(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    users = args.get("users")
    ids = (
        users
        if isinstance(users, list)
        else [u.strip() for u in str(users or "").split(",") if u.strip()]
    )
    if not ids:
        raise SlackError("users_list_not_supplied")
    if len(ids) > 1:
        raise SlackError("not_enough_users")  # group DMs are not emulated
    user = slack.ws.users.get(ids[0])
    if user is None:
        raise SlackError("user_not_found")
    if user.deleted:
        raise SlackError("user_disabled")
    return {"channel": {"id": slack.open_im(user.id).id}}


# ---- users ---------------------------------------------------------------------------------


def users_info(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = slack.ws.users.get(_require(args, "user"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user.as_slack(slack.clock())}


USERS_LIST_WHOLE_MAX = 1000  # without `limit`, a larger team answers `limit_required`


def users_list(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    """https://docs.slack.dev/reference/methods/users.list: cursor pages, opaque cursors.

    The cursor is base64 of `user:<the next page's first id>`, as Slack's look; one that does
    not decode to a user answers `invalid_cursor`. Without `limit` Slack tries to send
    everyone, and a large team answers `limit_required`; `limit` is capped at 999 here.
    """
    ids = sorted(slack.ws.users)
    start = 0
    cursor = str(args.get("cursor") or "")
    if cursor:
        try:
            first = base64.b64decode(cursor, validate=True).decode().removeprefix("user:")
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_cursor") from None
        if first not in slack.ws.users:
            raise SlackError("invalid_cursor")
        start = ids.index(first)
    raw_limit = args.get("limit")
    if raw_limit in (None, "", 0, "0"):
        if len(ids) > USERS_LIST_WHOLE_MAX:
            raise SlackError("limit_required")
        limit = len(ids) or 1
    else:
        try:
            limit = max(1, min(int(raw_limit), 999))
        except (TypeError, ValueError):
            raise SlackError("invalid_limit") from None
    page = ids[start : start + limit]
    more = start + limit < len(ids)
    next_cursor = base64.b64encode(f"user:{ids[start + limit]}".encode()).decode() if more else ""
    now = slack.clock()
    return {
        "members": [slack.ws.users[user].as_slack(now) for user in page],
        "cache_ts": int(now),
        "response_metadata": {"next_cursor": next_cursor},
    }


def usergroups_users_list(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    group = slack.ws.usergroups.get(_require(args, "usergroup"))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group)}


# ---- views ---------------------------------------------------------------------------------


def _view_body(view: View) -> dict[str, Any]:
    return {
        **view.view,
        "id": view.id,
        "hash": view.hash,
        "team_id": "T0LOL",
        "state": {"values": {}},
        "private_metadata": view.view.get("private_metadata", ""),
        "callback_id": view.view.get("callback_id", ""),
    }


def _store_view(slack: FakeSlack, raw: Any, user: str, view_id: str | None = None) -> View:
    problems = check_view(raw)
    if problems:
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]}
        )
    view_id = view_id or slack.new_id("V")
    digest = hashlib.sha1(repr((raw, slack.next_ts())).encode(), usedforsecurity=False).hexdigest()[
        :20
    ]
    view = View(
        id=view_id,
        user=user,
        view=raw,
        hash=f"{int(slack.clock())}.{digest}",
        kind=str(raw["type"]),
    )
    slack.ws.views[view_id] = view
    return view


def _trigger_user(slack: FakeSlack, args: dict[str, Any]) -> str:
    return slack.use_trigger(_require(args, "trigger_id"))


def views_open(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = _trigger_user(slack, args)
    return {"view": _view_body(_store_view(slack, args.get("view"), user))}


def views_push(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = _trigger_user(slack, args)
    view = _store_view(slack, args.get("view"), user)
    view.stack = 1
    return {"view": _view_body(view)}


def views_update(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    view_id = str(args.get("view_id") or "")
    existing = slack.ws.views.get(view_id)
    if existing is None:
        raise SlackError("not_found")
    if args.get("hash") and args["hash"] != existing.hash:
        raise SlackError("hash_conflict")
    return {"view": _view_body(_store_view(slack, args.get("view"), existing.user, view_id))}


def views_publish(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = _require(args, "user_id")
    if user not in slack.ws.users:
        raise SlackError("user_not_found")
    raw = args.get("view")
    if not isinstance(raw, dict) or raw.get("type") != "home":
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] a published view must be of type home"]},
        )
    key = f"home:{user}"
    return {"view": _view_body(_store_view(slack, raw, user, key))}


# ---- reactions -----------------------------------------------------------------------------

_EMOJI = re.compile(r"^[a-z0-9_+\-']+$")


def reactions_add(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    name = _require(args, "name").strip(":")
    if not _EMOJI.match(name):
        raise SlackError("invalid_name")
    message = channel.find(_require(args, "timestamp"))
    if message is None:
        raise SlackError("message_not_found")
    users = message.reactions.setdefault(name, [])
    if slack.ws.bot_user_id in users:
        raise SlackError("already_reacted")
    users.append(slack.ws.bot_user_id)
    return {}


def reactions_remove(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(slack, _require(args, "channel"))
    message = channel.find(_require(args, "timestamp"))
    name = _require(args, "name").strip(":")
    if message is None:
        raise SlackError("message_not_found")
    users = message.reactions.get(name, [])
    if slack.ws.bot_user_id not in users:
        raise SlackError("no_reaction")
    users.remove(slack.ws.bot_user_id)
    if not users:
        del message.reactions[name]
    return {}


# ---- files (https://docs.slack.dev/reference/methods/files.getUploadURLExternal) -----------


def files_get_upload_url_external(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    filename = _require(args, "filename")
    raw = _require(args, "length")
    try:
        length = int(raw)
    except ValueError:
        raise SlackError("invalid_arguments") from None
    if length <= 0:
        raise SlackError("missing_argument")  # Slack's answer to a length of 0
    if length > FILE_SIZE_LIMIT:
        raise SlackError("file_upload_size_restricted")
    alt_txt = str(args.get("alt_txt") or "")
    if len(alt_txt) > ALT_TEXT_LIMIT:
        raise SlackError("alt_txt_too_large")
    file = File(id=slack.new_id("F"), name=filename, length=length, alt_txt=alt_txt)
    slack.ws.files[file.id] = file
    return {"upload_url": slack.upload_url(file.id), "file_id": file.id}


def files_complete_upload_external(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    items = args.get("files")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] missing required field: files"]},
        )
    files = []
    for item in items:
        file = slack.ws.files.get(str(item.get("id") or ""))
        if file is None or file.data is None or file.completed:
            raise SlackError("file_not_found")  # unknown, its bytes never arrived, or done
        files.append((file, str(item.get("title") or "")))
    channel_id = str(args.get("channel_id") or "")
    thread_ts = str(args.get("thread_ts") or "")
    channels = [c for c in str(args.get("channels") or "").split(",") if c]
    if channel_id:
        channels = [channel_id, *channels]
    if thread_ts and len(channels) != 1:
        raise SlackError("invalid_arguments")  # a thread needs exactly one channel
    targets = []
    for target in channels:
        channel = _channel(slack, target)
        if channel.is_archived:
            raise SlackError("is_archived")
        _bot_sees(slack, channel)
        if thread_ts and channel.find(thread_ts) is None:
            raise SlackError("invalid_thread_ts")
        targets.append(channel)
    for file, title in files:
        file.title, file.completed = title or file.name, True
    for channel in targets:
        message = Message(
            ts=slack.next_ts(),
            text=str(args.get("initial_comment") or ""),
            user=slack.ws.bot_user_id,
            bot_id=slack.ws.bot_id,
            app_id=slack.ws.app_id,
            thread_ts=thread_ts or None,
            files=[file.as_slack() for file, _ in files],
        )
        if thread_ts:
            slack.note_reply(channel, thread_ts, slack.ws.bot_user_id, message.ts)
        channel.messages.append(message)
        for file, _ in files:
            file.shares.append((channel.id, message.ts))
    return {"files": [{"id": file.id, "title": file.title} for file, _ in files]}


def auth_test(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"https://{slack.ws.domain}.slack.com/",
        "team": slack.ws.team,
        "user": "learning-out-loud",
        "team_id": slack.ws.team_id,
        "user_id": slack.ws.bot_user_id,
        "bot_id": slack.ws.bot_id,
        "is_enterprise_install": False,
    }


METHODS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "conversations.members": conversations_members,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
