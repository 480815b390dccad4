"""The simulated workspace: people, conversations, messages, views and the ids Slack mints.

Plain data with the lookups every method needs. The JSON shapes Slack answers with are built
from it in `shapes.py`; the rules of each method live in `methods/`.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class User:
    """A member of the workspace (a person or the app's bot user)."""

    id: str
    name: str
    real_name: str
    email: str | None
    tz: str
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False

    def tz_offset(self, at: float) -> int:
        """Seconds east of UTC at `at`, as Slack reports `tz_offset` (DST included)."""
        offset = datetime.fromtimestamp(at, ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset else 0


@dataclass
class Topic:
    value: str = ""
    creator: str = ""
    last_set: int = 0


@dataclass
class Channel:
    """A public or private channel, or a DM (`is_im`, id `D...`) between the bot and `im_user`."""

    id: str
    name: str
    is_private: bool
    creator: str
    created: int
    members: list[str] = field(default_factory=list)
    topic: Topic = field(default_factory=Topic)
    purpose: Topic = field(default_factory=Topic)
    is_archived: bool = False
    is_im: bool = False
    im_user: str | None = None
    pins: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Message:
    """A message as stored; `thread_ts` set on replies (and on a parent once it has replies)."""

    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    replies: list[str] = field(default_factory=list)
    reply_broadcast: bool = False
    edited: dict[str, str] | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class View:
    """An open modal or a published Home tab, as Slack keeps it for one user."""

    id: str
    user: str
    payload: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None

    @property
    def type(self) -> str:
        return str(self.payload.get("type", ""))

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id", ""))


@dataclass
class Trigger:
    """A `trigger_id` Slack handed to the app with an interaction: 3 seconds, one use."""

    user: str
    issued_at: float
    used: bool = False


@dataclass
class FileShare:
    """One message that shared a file: in a channel, and in a thread when `thread_ts` is set."""

    channel: str
    ts: str
    thread_ts: str | None = None


@dataclass
class SharedFile:
    """A file someone uploaded (`sim.share_file`), its bytes, and where it was shared."""

    id: str
    name: str
    title: str
    filetype: str
    mimetype: str
    content: bytes
    user: str
    created: int
    shares: list[FileShare] = field(default_factory=list)
    deleted: bool = False


class Workspace:
    """All of one team's simulated state, with Slack-shaped ids and timestamps."""

    def __init__(self, *, team_name: str, domain: str, now: Callable[[], float]) -> None:
        self.now = now
        self._serial = itertools.count(1)
        self.team_id = self.mint("T")
        self.team_name = team_name
        self.domain = domain
        self.app_id = self.mint("A")
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}  # user -> open modal view ids, root first
        self.homes: dict[str, str] = {}  # user -> Home tab view id
        self.ephemerals: dict[str, list[dict[str, Any]]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.usergroup_handles: dict[str, str] = {}  # group id -> handle, as `usergroups.list` shows
        self.files: dict[str, SharedFile] = {}  # file id -> file (methods/files.py, file_server.py)
        self.bot_scopes: frozenset[str] = frozenset()  # granted to the bot token (SlackSimulator sets it)
        self.files_url = "http://127.0.0.1"  # where `url_private` points: the simulator, once it serves
        self._last_ts = 0
        bot = User(self.mint("U"), "baton", "Baton", None, "America/New_York", True, self.mint("B"))
        self.bot = bot
        self.users[bot.id] = bot
        self.bot_token = f"xoxb-{next(self._serial)}-{next(self._serial)}-{secrets.token_hex(12)}"
        # The app-level token (Basic Information > App-Level Tokens, scope connections:write):
        # it opens Socket Mode connections and is refused by every other method.
        self.app_token = f"xapp-1-{self.app_id}-{next(self._serial)}-{secrets.token_hex(32)}"
        self.socket_url: str | None = None  # ws://…/link/ while the simulator serves
        self.socket_tickets: dict[str, float] = {}  # ticket -> when apps.connections.open issued it

    def mint(self, prefix: str) -> str:
        """A fresh Slack-style id: a type letter and ten upper-case base-36 characters."""
        number, digits = next(self._serial), ""
        while number:
            number, rest = divmod(number, 36)
            digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
        return prefix + digits.rjust(10, "0")

    def next_ts(self) -> str:
        """A message `ts`: the clock in microseconds, strictly increasing, as Slack's are unique."""
        micros = max(int(self.now() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def view_hash(self) -> str:
        return f"{int(self.now())}.{secrets.token_hex(4)}"

    # lookups -------------------------------------------------------------------------------
    def channel_named(self, name: str) -> Channel | None:
        wanted = name.lstrip("#")
        return next((c for c in self.channels.values() if c.name == wanted and not c.is_im), None)

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email and u.email.lower() == wanted), None)

    def im_with(self, user_id: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.is_im and c.im_user == user_id), None)

    def open_im(self, user_id: str) -> tuple[Channel, bool]:
        """The bot's DM with a person, made on first use; says whether it already existed."""
        existing = self.im_with(user_id)
        if existing:
            return existing, True
        im = Channel(
            self.mint("D"), user_id, True, self.bot.id, int(self.now()), [self.bot.id, user_id]
        )
        im.is_im, im.im_user = True, user_id
        self.channels[im.id] = im
        self.messages[im.id] = []
        return im, False

    def message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def view_by_external_id(self, external_id: str) -> View | None:
        return next((v for v in self.views.values() if v.external_id == external_id), None)
