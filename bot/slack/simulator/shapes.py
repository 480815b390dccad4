"""The JSON objects Slack answers with, built from the workspace's plain state.

Field names and nesting follow Slack's object reference (user, conversation, message, view);
values the simulator has no notion of (colours, avatars) are fixed placeholders.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from bot.slack.simulator.state import (
    Channel,
    FileShare,
    Message,
    SharedFile,
    User,
    View,
    Workspace,
)


def user_json(ws: Workspace, user: User) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": ws.team_id,
    }
    if user.email:
        profile["email"] = user.email
    if user.bot_id:
        profile["bot_id"] = user.bot_id
    body: dict[str, Any] = {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz,
        "tz_offset": user.tz_offset(ws.now()),
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": int(ws.now()),
    }
    return body


def _topic(topic: Any) -> dict[str, Any]:
    return {"value": topic.value, "creator": topic.creator, "last_set": topic.last_set}


def channel_json(ws: Workspace, channel: Channel, *, num_members: bool = False) -> dict[str, Any]:
    """A conversation object as the bot sees it (`is_member` is the bot's own membership)."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.im_user,
            "is_user_deleted": False,
            "priority": 0,
            "is_open": True,
        }
    body: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": ws.team_id,
        "creator": channel.creator,
        "is_member": ws.bot.id in channel.members,
        "topic": _topic(channel.topic),
        "purpose": _topic(channel.purpose),
        "previous_names": [],
    }
    if num_members:
        body["num_members"] = len(channel.members)
    return body


def message_json(ws: Workspace, message: Message) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "message", "ts": message.ts, "user": message.user}
    if message.subtype:
        body["subtype"] = message.subtype
    body["text"] = message.text
    if message.bot_id:
        body["bot_id"] = message.bot_id
        body["app_id"] = ws.app_id
        body["bot_profile"] = {
            "id": message.bot_id,
            "app_id": ws.app_id,
            "name": ws.bot.real_name,
            "team_id": ws.team_id,
            "deleted": False,
        }
    body["team"] = ws.team_id
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.attachments is not None:
        body["attachments"] = message.attachments
    shared = files_of(ws, message)
    if shared:
        body["files"] = shared
        body["upload"] = False
        body["display_as_bot"] = False
    if message.edited:
        body["edited"] = dict(message.edited)
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
        if message.is_reply:
            parent = ws.message(message.channel, message.thread_ts)
            body["parent_user_id"] = parent.user if parent else ""
        else:
            replies = [r for r in (ws.message(message.channel, ts) for ts in message.replies) if r]
            body["reply_count"] = len(replies)
            body["reply_users"] = sorted({r.user for r in replies})
            body["reply_users_count"] = len(body["reply_users"])
            body["latest_reply"] = replies[-1].ts if replies else message.ts
    if message.reply_broadcast:
        body["subtype"] = "thread_broadcast"
    channel = ws.channels.get(message.channel)
    if channel and message.ts in channel.pins:
        body["pinned_to"] = [channel.id]
    return body


def view_json(ws: Workspace, view: View) -> dict[str, Any]:
    payload = view.payload
    return {
        "id": view.id,
        "team_id": ws.team_id,
        "type": view.type,
        "title": payload.get("title"),
        "submit": payload.get("submit"),
        "close": payload.get("close"),
        "blocks": payload.get("blocks", []),
        "private_metadata": payload.get("private_metadata", ""),
        "callback_id": payload.get("callback_id", ""),
        "external_id": view.external_id,
        "state": {"values": {}},
        "hash": view.hash,
        "clear_on_close": bool(payload.get("clear_on_close", False)),
        "notify_on_close": bool(payload.get("notify_on_close", False)),
        "submit_disabled": bool(payload.get("submit_disabled", False)),
        "root_view_id": view.root_view_id,
        "previous_view_id": view.previous_view_id,
        "app_id": ws.app_id,
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot.bot_id,
    }


# files ---------------------------------------------------------------------------------------
PRETTY_TYPES = {
    "text": "Plain Text", "markdown": "Markdown (raw)", "csv": "CSV", "tsv": "TSV", "html": "HTML",
    "json": "JSON", "xml": "XML", "pdf": "PDF", "png": "PNG", "jpg": "JPEG", "gif": "GIF",
    "docx": "Word Document", "doc": "Word Document", "zip": "Zip", "binary": "Binary",
}


def files_of(ws: Workspace, message: Message) -> list[dict[str, Any]]:
    """The `files` of a message that shared some; a deleted one is a tombstone, as Slack shows it."""
    found = [f for f in ws.files.values()
             if any(s.channel == message.channel and s.ts == message.ts for s in f.shares)]
    return [{"id": f.id, "mode": "tombstone"} if f.deleted else file_json(ws, f) for f in found]


def file_visible(ws: Workspace, file: SharedFile) -> bool:
    """Whether the bot may see a file: shared in a public channel, or in a conversation it is in."""
    return not file.deleted and any(_share_visible(ws, s.channel) for s in file.shares)


def _share_visible(ws: Workspace, channel_id: str) -> bool:
    channel = ws.channels.get(channel_id)
    if channel is None:
        return False
    return not (channel.is_private or channel.is_im) or ws.bot.id in channel.members


def file_json(ws: Workspace, file: SharedFile) -> dict[str, Any]:
    """A file object (Slack's `types/file`) as the bot sees it: `groups` and `ims` and private
    `shares` only where the bot is a member. `url_private*` point at the simulator and need the
    bot token (`file_server.py`)."""
    public: dict[str, list[dict[str, Any]]] = {}
    private: dict[str, list[dict[str, Any]]] = {}
    channels: list[str] = []
    groups: list[str] = []
    ims: list[str] = []
    for share in file.shares:
        channel = ws.channels.get(share.channel)
        if channel is None or not _share_visible(ws, channel.id):
            continue
        where = ims if channel.is_im else groups if channel.is_private else channels
        if channel.id not in where:
            where.append(channel.id)
        kept = private if channel.is_private or channel.is_im else public
        kept.setdefault(channel.id, []).append(_share_json(ws, file, channel, share))
    name = quote(file.name, safe="")
    base = f"{ws.files_url}/files-pri/{ws.team_id}-{file.id}"
    secret = hashlib.sha256(f"{ws.team_id}{file.id}".encode()).hexdigest()[:10]
    body: dict[str, Any] = {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "filetype": file.filetype,
        "pretty_type": PRETTY_TYPES.get(file.filetype, file.filetype.upper()),
        "user": file.user,
        "user_team": ws.team_id,
        "editable": False,
        "size": len(file.content),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(channels),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"{base}/{name}",
        "url_private_download": f"{base}/download/{name}",
        "permalink": f"https://{ws.domain}.slack.com/files/{file.user}/{file.id}/{name}",
        "permalink_public": f"https://slack-files.com/{ws.team_id}-{file.id}-{secret}",
        "comments_count": 0,
        "is_starred": False,
        "shares": {k: v for k, v in (("public", public), ("private", private)) if v},
        "channels": channels,
        "groups": groups,
        "ims": ims,
        "has_rich_preview": False,
    }
    return body


def _share_json(ws: Workspace, file: SharedFile, channel: Channel, share: FileShare) -> dict[str, Any]:
    """One entry of `shares`: the message that shared the file, and the thread it is in."""
    entry: dict[str, Any] = {"ts": share.ts, "channel_name": channel.name, "team_id": ws.team_id,
                             "share_user_id": file.user}
    root = ws.message(channel.id, share.thread_ts or share.ts)
    replies = [r for r in (ws.message(channel.id, ts) for ts in root.replies) if r] if root else []
    entry["reply_users"] = sorted({r.user for r in replies})
    entry["reply_users_count"] = len(entry["reply_users"])
    entry["reply_count"] = len(replies)
    if share.thread_ts:
        entry["thread_ts"] = share.thread_ts
        entry["latest_reply"] = replies[-1].ts if replies else share.ts
    return entry
