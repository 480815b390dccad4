"""conversations.* reads: info, list, history, replies and members, with cursor pagination.

Cursors are opaque base64 strings as Slack's are; `next_cursor` is "" on the last page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, TypeVar

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.methods.common import Handler, joined_channel, visible_channel
from bot.slack.simulator.shapes import channel_json, message_json
from bot.slack.simulator.state import Channel, Workspace

T = TypeVar("T")
TYPES = {"public_channel", "private_channel", "mpim", "im"}


def page(items: Sequence[T], args: Args, *, default: int, ceiling: int) -> tuple[list[T], str]:
    """One page of `items` from `cursor`, `limit` long (clamped, as Slack adjusts, not refuses)."""
    limit = min(max(args.integer("limit", default), 1), ceiling)
    if args.integer("limit", default) == 0:
        limit = default
    start = 0
    cursor = args.text("cursor")
    if cursor:
        try:
            start = int(base64.b64decode(cursor, validate=True).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise SlackRefusal("invalid_cursor") from None
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return chunk, base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""


def info(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, args.text("channel"))
    return {
        "ok": True,
        "channel": channel_json(ws, channel, num_members=args.flag("include_num_members")),
    }


def _listed(ws: Workspace, channel: Channel, types: set[str]) -> bool:
    if channel.is_im:
        return "im" in types
    if channel.is_private:
        return "private_channel" in types and ws.bot.id in channel.members
    return "public_channel" in types


def list_conversations(ws: Workspace, args: Args) -> dict[str, Any]:
    types = set(args.listed("types")) or {"public_channel"}
    if not types <= TYPES:
        raise SlackRefusal("invalid_types")
    found = [
        c
        for c in ws.channels.values()
        if _listed(ws, c, types) and not (args.flag("exclude_archived") and c.is_archived)
    ]
    chunk, cursor = page(found, args, default=100, ceiling=999)
    channels = [channel_json(ws, c, num_members=not c.is_im) for c in chunk]
    return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": cursor}}


def history(ws: Workspace, args: Args) -> dict[str, Any]:
    """Top-level messages (and broadcast replies), newest first, within oldest/latest."""
    channel = joined_channel(ws, args.text("channel"), archived_ok=True)
    oldest, latest = float(args.text("oldest") or 0), float(args.text("latest") or "inf")
    inclusive = args.flag("inclusive")

    def inside(ts: str) -> bool:
        t = float(ts)
        return (oldest <= t <= latest) if inclusive else (oldest < t < latest)

    roots = [
        m
        for m in ws.messages.get(channel.id, [])
        if (not m.is_reply or m.reply_broadcast) and inside(m.ts)
    ]
    chunk, cursor = page(list(reversed(roots)), args, default=100, ceiling=999)
    return {
        "ok": True,
        "messages": [message_json(ws, m) for m in chunk],
        "has_more": bool(cursor),
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": cursor},
    }


def replies(ws: Workspace, args: Args) -> dict[str, Any]:
    """A thread: the parent first, then its replies oldest first."""
    channel = joined_channel(ws, args.text("channel"), archived_ok=True)
    parent = ws.message(channel.id, args.text("ts") or "")
    if parent is None:
        raise SlackRefusal("thread_not_found")
    root = (
        ws.message(channel.id, parent.thread_ts) if parent.is_reply and parent.thread_ts else parent
    )
    assert root is not None
    thread = [root, *(m for m in (ws.message(channel.id, ts) for ts in root.replies) if m)]
    chunk, cursor = page(thread, args, default=1000, ceiling=1000)
    return {
        "ok": True,
        "messages": [message_json(ws, m) for m in chunk],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def members(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, args.text("channel"))
    chunk, cursor = page(channel.members, args, default=100, ceiling=1000)
    return {"ok": True, "members": chunk, "response_metadata": {"next_cursor": cursor}}


HANDLERS: dict[str, Handler] = {
    "conversations.info": info,
    "conversations.list": list_conversations,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.members": members,
}
