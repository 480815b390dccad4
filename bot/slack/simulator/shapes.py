"""The JSON objects Slack answers with, built from the workspace's plain state.

Field names and nesting follow Slack's object reference (user, conversation, message, view);
values the simulator has no notion of (colours, avatars) are fixed placeholders.
"""

from __future__ import annotations

from typing import Any

from bot.slack.simulator.state import Channel, Message, User, View, Workspace


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
