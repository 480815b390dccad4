"""Setting the scene for a test or the demo: people, channels, messages people wrote,
triggers from their clicks, and what the Slack client does with Baton's modal answers.

A mixin of `SlackSimulator`, kept apart so the simulator module stays about serving calls.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

from bot.slack.simulator.methods.views import apply_answer
from bot.slack.simulator.state import (
    Channel,
    FileShare,
    Message,
    SharedFile,
    Trigger,
    User,
    Workspace,
)

# What Slack reports for an upload of each `filetype` (text-like ones as `text/plain`).
MIMETYPES = {
    "text": "text/plain", "markdown": "text/plain", "csv": "text/csv", "tsv": "text/tab-separated-values",
    "html": "text/html", "json": "application/json", "xml": "text/xml", "pdf": "application/pdf",
    "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class Seeding:
    """Workspace set-up and person-side actions; every change is made under the simulator's lock."""

    workspace: Workspace
    now: Callable[[], float]
    _lock: threading.RLock

    def _channel(self, ref: str) -> Channel:
        ws = self.workspace
        found = ws.channels.get(ref) or ws.channel_named(ref)
        if found is None and ref in ws.users:
            found = ws.im_with(ref)
        if found is None:
            raise KeyError(f"no channel {ref!r} in the simulated workspace")
        return found

    def add_user(
        self,
        name: str,
        email: str,
        tz: str = "America/New_York",
        *,
        real_name: str | None = None,
        is_bot: bool = False,
    ) -> str:
        """A member of the workspace; returns the user id."""
        with self._lock:
            ws = self.workspace
            user = User(
                ws.mint("U"),
                name,
                real_name or name,
                email,
                tz,
                is_bot,
                ws.mint("B") if is_bot else None,
            )
            ws.users[user.id] = user
            return user.id

    def add_channel(
        self,
        name: str,
        private: bool = False,
        members: Iterable[str] = (),
        *,
        with_bot: bool = False,
    ) -> str:
        """A channel someone else made; the bot is in it only if listed or `with_bot`."""
        with self._lock:
            ws = self.workspace
            people = list(dict.fromkeys([*members, *([ws.bot.id] if with_bot else [])]))
            creator = next(iter(people), ws.bot.id)
            channel = Channel(ws.mint("C"), name, private, creator, int(self.now()), people)
            ws.channels[channel.id] = channel
            ws.messages[channel.id] = []
            return channel.id

    def archive_channel(self, channel: str) -> None:
        with self._lock:
            self._channel(channel).is_archived = True

    def add_usergroup(self, handle: str, members: Iterable[str]) -> str:
        with self._lock:
            group = self.workspace.mint("S")
            self.workspace.usergroups[group] = list(members)
            self.workspace.usergroup_handles[group] = handle.lstrip("@")
            return group

    def add_message(
        self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> str:
        """A message a person wrote (not the bot); returns its ts."""
        with self._lock:
            ws, found = self.workspace, self._channel(channel)
            message = Message(ws.next_ts(), found.id, user_id, text)
            parent = ws.message(found.id, thread_ts) if thread_ts else None
            if parent:
                message.thread_ts = parent.thread_ts = parent.ts
                parent.replies.append(message.ts)
            ws.messages.setdefault(found.id, []).append(message)
            return message.ts

    def share_file(
        self,
        channel: str,
        user_id: str,
        name: str,
        content: str | bytes,
        filetype: str = "text",
        *,
        title: str | None = None,
        mimetype: str | None = None,
        thread_ts: str | None = None,
        comment: str = "",
    ) -> str:
        """A person uploads a file into a channel (a reply in `thread_ts`'s thread, if given):
        the file, and their message whose `files` holds it. Text is stored UTF-8 encoded; pass
        bytes for anything else. Returns the file id (`F…`)."""
        with self._lock:
            ws, found = self.workspace, self._channel(channel)
            message_ts = self.add_message(found.id, user_id, comment, thread_ts=thread_ts)
            message = ws.message(found.id, message_ts)
            assert message is not None
            data = content.encode() if isinstance(content, str) else content
            file = SharedFile(
                ws.mint("F"),
                name,
                title or name,
                filetype,
                mimetype or MIMETYPES.get(filetype, "application/octet-stream"),
                data,
                user_id,
                int(self.now()),
                [FileShare(found.id, message_ts, message.thread_ts if message.is_reply else None)],
            )
            ws.files[file.id] = file
            return file.id

    def delete_file(self, file_id: str) -> None:
        """Someone deleted the file: files.info says `file_deleted`, its URL answers 404."""
        with self._lock:
            self.workspace.files[file_id].deleted = True

    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger_id as Slack sends with an interaction by `user_id`: 3 seconds, one use."""
        with self._lock:
            trigger_id = f"{int(self.now())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
            self.workspace.triggers[trigger_id] = Trigger(user_id, self.now())
            return trigger_id

    def close_views(self, user_id: str) -> None:
        """The person closed (or submitted and Slack cleared) their modal stack."""
        with self._lock:
            for view_id in self.workspace.stacks.pop(user_id, []):
                self.workspace.views.pop(view_id, None)

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward (triggers expire, rate windows slide)."""
        base = self.now
        self.now = lambda: base() + seconds

    def apply_view_answer(self, user_id: str, view_id: str, answer: Any) -> list[str]:
        """What Slack's client does with Baton's answer to a view submission (`None` or {} for
        an empty ack); returns the problems Slack would refuse the answer for."""
        with self._lock:
            return apply_answer(self.workspace, user_id, view_id, answer)
