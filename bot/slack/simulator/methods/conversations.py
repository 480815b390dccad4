"""conversations.*: making channels and changing who is in them and what they say about
themselves (create, invite, join, archive, setTopic, setPurpose, open)."""

from __future__ import annotations

import re
from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.methods.common import Handler, joined_channel, visible_channel
from bot.slack.simulator.shapes import channel_json
from bot.slack.simulator.state import Channel, Message, Topic, Workspace

NAME_MAX = 80
NAME_CHARS = re.compile(r"^[a-z0-9_-]+$")  # lower-case letters, digits, hyphens, underscores
TOPIC_MAX = PURPOSE_MAX = 250
INVITE_MAX = 1000


def check_name(ws: Workspace, name: str | None) -> str:
    """Slack's channel-name rules, in the order its errors are documented."""
    if not name:
        raise SlackRefusal("invalid_name_required")
    if len(name) > NAME_MAX:
        raise SlackRefusal("invalid_name_maxlength")
    if not NAME_CHARS.match(name):
        raise SlackRefusal("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackRefusal("invalid_name_punctuation")
    if any(c.name == name for c in ws.channels.values() if not c.is_im):
        raise SlackRefusal("name_taken")
    return name


def create(ws: Workspace, args: Args) -> dict[str, Any]:
    name = check_name(ws, args.text("name"))
    channel = Channel(
        ws.mint("C"), name, args.flag("is_private"), ws.bot.id, int(ws.now()), [ws.bot.id]
    )
    ws.channels[channel.id] = channel
    ws.messages[channel.id] = []
    return {"ok": True, "channel": channel_json(ws, channel)}


def invite(ws: Workspace, args: Args) -> dict[str, Any]:
    """All or nothing unless `force`: one refused user fails the call, listing each in `errors`."""
    channel = visible_channel(ws, args.text("channel"))
    if channel.is_im:
        raise SlackRefusal("method_not_supported_for_channel_type")
    users = args.listed("users")
    if not users:
        raise SlackRefusal("no_user")
    if len(users) > INVITE_MAX:
        raise SlackRefusal("too_many_users")
    joined_channel(ws, channel.id)
    errors = [
        {"user": u, "ok": False, "error": e} for u in users if (e := _invite_error(ws, channel, u))
    ]
    if errors and not args.flag("force"):
        raise SlackRefusal(str(errors[0]["error"]), extra={"errors": errors})
    refused = {e["user"] for e in errors}
    for user in users:
        if user not in refused and user not in channel.members:
            channel.members.append(user)
    body: dict[str, Any] = {"ok": True, "channel": channel_json(ws, channel)}
    if errors:
        body["errors"] = errors
    return body


def _invite_error(ws: Workspace, channel: Channel, user: str) -> str | None:
    if user == ws.bot.id:
        return "cant_invite_self"
    if user not in ws.users or ws.users[user].deleted:
        return "user_not_found"
    if user in channel.members:
        return "already_in_channel"
    return None


def join(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, args.text("channel"))
    if channel.is_im or channel.is_private:
        raise SlackRefusal("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackRefusal("is_archived")
    body: dict[str, Any] = {"ok": True}
    if ws.bot.id in channel.members:
        body.update(
            warning="already_in_channel", response_metadata={"warnings": ["already_in_channel"]}
        )
    else:
        channel.members.append(ws.bot.id)
    body["channel"] = channel_json(ws, channel)
    return body


def archive(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = joined_channel(ws, args.text("channel"), archived_ok=True)
    if channel.is_im:
        raise SlackRefusal("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackRefusal("already_archived")
    channel.is_archived = True
    return {"ok": True}


def _set_line(ws: Workspace, args: Args, field: str, limit: int) -> dict[str, Any]:
    channel = joined_channel(ws, args.text("channel"))
    if channel.is_im:
        raise SlackRefusal("method_not_supported_for_channel_type")
    value = args.text(field) or ""
    if len(value) > limit:
        raise SlackRefusal("too_long")
    setattr(channel, field, Topic(value, ws.bot.id, int(ws.now())))
    note = f"set the channel {field}: {value}" if value else f"cleared the channel {field}"
    ws.messages[channel.id].append(
        Message(ws.next_ts(), channel.id, ws.bot.id, note, subtype=f"channel_{field}")
    )
    return {"ok": True, "channel": channel_json(ws, channel)}


def set_topic(ws: Workspace, args: Args) -> dict[str, Any]:
    return _set_line(ws, args, "topic", TOPIC_MAX)


def set_purpose(ws: Workspace, args: Args) -> dict[str, Any]:
    return _set_line(ws, args, "purpose", PURPOSE_MAX)


def open_dm(ws: Workspace, args: Args) -> dict[str, Any]:
    """A 1:1 DM between the bot and one person (group DMs are not simulated)."""
    if args.text("channel"):
        channel = visible_channel(ws, args.text("channel"))
        if not channel.is_im:
            raise SlackRefusal("method_not_supported_for_channel_type")
        return {
            "ok": True,
            "no_op": True,
            "already_open": True,
            "channel": channel_json(ws, channel),
        }
    users = args.listed("users")
    if not users:
        raise SlackRefusal("users_list_not_supplied")
    if len(users) > 8:
        raise SlackRefusal("too_many_users")
    if any(u not in ws.users for u in users):
        raise SlackRefusal("user_not_found")
    if len(users) > 1:
        raise SlackRefusal("not_simulated", extra={"detail": "multi-person DMs are not simulated"})
    im, existed = ws.open_im(users[0])
    shape = channel_json(ws, im) if args.flag("return_im") or existed else {"id": im.id}
    body: dict[str, Any] = {"ok": True}
    if existed:
        body.update(no_op=True, already_open=True)
    body["channel"] = shape
    return body


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.archive": archive,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.open": open_dm,
}
