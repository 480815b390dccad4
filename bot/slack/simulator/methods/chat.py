"""chat.*: posting, updating, deleting, ephemeral messages and permalinks."""

from __future__ import annotations

from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.methods.common import Handler, content, posting_target, visible_channel
from bot.slack.simulator.shapes import message_json
from bot.slack.simulator.state import Message, Workspace

MAX_UPDATE_TEXT = 4_000  # chat.update refuses longer text with msg_too_long


def post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = posting_target(ws, args.text("channel"))
    text, blocks, attachments = content(args)
    thread_ts = args.text("thread_ts")
    parent = None
    if thread_ts:
        parent = ws.message(channel.id, thread_ts)
        if parent is None:
            raise SlackRefusal("thread_not_found")
        if parent.is_reply:
            raise SlackRefusal("cannot_reply_to_message")
    message = Message(
        ws.next_ts(), channel.id, ws.bot.id, text, blocks, attachments, bot_id=ws.bot.bot_id
    )
    if parent:
        message.thread_ts = parent.thread_ts = parent.ts
        message.reply_broadcast = args.flag("reply_broadcast")
        parent.replies.append(message.ts)
    ws.messages.setdefault(channel.id, []).append(message)
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": message_json(ws, message),
    }


def update(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, args.text("channel"))
    message = ws.message(channel.id, args.text("ts") or "")
    if message is None:
        raise SlackRefusal("message_not_found")
    if message.user != ws.bot.id:
        raise SlackRefusal("cant_update_message")
    if channel.is_archived:
        raise SlackRefusal("is_inactive")
    if len(args.text("text") or "") > MAX_UPDATE_TEXT:
        raise SlackRefusal("msg_too_long")
    text, blocks, attachments = content(args)
    message.text, message.blocks = text, blocks
    if attachments is not None:
        message.attachments = attachments
    message.edited = {"user": ws.bot.id, "ts": ws.next_ts()}
    body = message_json(ws, message)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "text": text, "message": body}


def delete(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, args.text("channel"))
    message = ws.message(channel.id, args.text("ts") or "")
    if message is None:
        raise SlackRefusal("message_not_found")
    if message.user != ws.bot.id:
        raise SlackRefusal("cant_delete_message")
    ws.messages[channel.id].remove(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts}


def post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = posting_target(ws, args.text("channel"))
    user = args.text("user")
    if not user or user not in ws.users:
        raise SlackRefusal("user_not_found")
    if user not in channel.members:
        raise SlackRefusal("user_not_in_channel")
    text, blocks, attachments = content(args)
    ts = ws.next_ts()
    note = {
        "channel": channel.id,
        "ts": ts,
        "text": text,
        "blocks": blocks,
        "attachments": attachments,
        "thread_ts": args.text("thread_ts"),
    }
    ws.ephemerals.setdefault(user, []).append(note)
    return {"ok": True, "message_ts": ts}


def get_permalink(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, args.text("channel"))
    message = ws.message(channel.id, args.text("message_ts") or "")
    if message is None:
        raise SlackRefusal("message_not_found")
    link = f"https://{ws.domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
