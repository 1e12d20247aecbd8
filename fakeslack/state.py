"""The emulated workspace: team, bot, users, conversations, messages, views, and every call.

Plain mutable dataclasses: the server's method handlers change them, tests read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    tz: str = "Europe/Berlin"
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False

    def as_slack(self, now: float) -> dict[str, Any]:
        """The user object as users.info returns it (https://api.slack.com/types/user)."""
        zone = ZoneInfo(self.tz)
        local = datetime.fromtimestamp(now, UTC).astimezone(zone)
        offset = local.utcoffset()
        return {
            "id": self.id,
            "team_id": "T0LOL",
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name or self.name,
            "tz": self.tz,
            "tz_label": local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "is_restricted": self.is_restricted,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name or self.name,
                "display_name": self.real_name or self.name,
            },
        }


@dataclass
class Message:
    ts: str
    text: str
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    metadata: dict[str, Any] | None = None
    edited: bool = False
    reactions: dict[str, list[str]] = field(default_factory=dict)
    reply_users: list[str] = field(default_factory=list)
    reply_count: int = 0
    latest_reply: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)  # shared with the message

    def as_slack(self, *, include_metadata: bool = False) -> dict[str, Any]:
        """The message object as conversations.history and .replies return it."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.user:
            out["user"] = self.user
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.subtype:
            out["subtype"] = self.subtype
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.reply_count:
            out |= {
                "reply_count": self.reply_count,
                "reply_users": self.reply_users,
                "latest_reply": self.latest_reply,
            }
        if self.reactions:
            out["reactions"] = [
                {"name": n, "users": u, "count": len(u)} for n, u in self.reactions.items()
            ]
        if self.files:
            out |= {"files": self.files, "upload": True}
        if include_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass
class File:
    """A file uploaded through files.getUploadURLExternal, the upload URL, and completeUploadExternal.

    https://docs.slack.dev/reference/methods/files.getUploadURLExternal: the bytes arrive at the
    upload URL; the file is shared (in a channel, or a thread with `thread_ts`) only when
    files.completeUploadExternal names it.
    """

    id: str
    name: str
    length: int  # as declared to files.getUploadURLExternal
    alt_txt: str = ""
    title: str = ""
    data: bytes | None = None  # None until the bytes are POSTed to the upload URL
    completed: bool = False
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, message ts)

    @property
    def mimetype(self) -> str:
        return "image/png" if self.data is not None and self.data[:8] == PNG_SIGNATURE else ""

    def as_slack(self) -> dict[str, Any]:
        """The file object (https://docs.slack.dev/reference/objects/file-object), in short."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": "png" if self.mimetype == "image/png" else "binary",
            "size": len(self.data or b""),
            "alt_txt": self.alt_txt,
        }


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the other party of an IM
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)

    def find(self, ts: str) -> Message | None:
        for message in self.messages:
            if message.ts == ts:
                return message
        return None

    def as_slack(self, bot_user: str) -> dict[str, Any]:
        base: dict[str, Any] = {
            "id": self.id,
            "created": 1700000000,
            "is_archived": self.is_archived,
        }
        if self.is_im:
            return base | {"is_im": True, "user": self.user, "is_open": True}
        return base | {
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_member": bot_user in self.members,
            "num_members": len(self.members),
        }


@dataclass
class Ephemeral:
    """A message only `user` sees; an action's `response_url` can replace or delete it."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None
    source: str  # "chat.postEphemeral" or "response_url"
    ts: str = ""
    thread_ts: str | None = None  # shown in this thread (chat.postEphemeral's `thread_ts`)
    replaced: int = 0  # how many times a response_url replaced it


@dataclass
class View:
    id: str
    user: str
    view: dict[str, Any]
    hash: str
    kind: str  # "modal" or "home"
    stack: int = 0
    closed: bool = False


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    http_status: int


@dataclass
class Workspace:
    team_id: str = "T0LOL"
    team: str = "Learning Out Loud"
    domain: str = "learning-out-loud"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    app_id: str = "A0LOL"
    tokens: frozenset[str] = frozenset({"xoxb-test-token"})
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    files: dict[str, File] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
