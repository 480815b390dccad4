"""Things pinned and bookmarked in a channel: pins.add and bookmarks.add."""

from __future__ import annotations

from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.methods.common import Handler, joined_channel
from bot.slack.simulator.state import Workspace

TITLE_MAX = 255  # not published by Slack; a generous guess, see the simulator's notes


def pin(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = joined_channel(ws, args.text("channel"))
    ts = args.text("timestamp")
    if ts is None:
        raise SlackRefusal("no_item_specified")
    message = ws.message(channel.id, ts)
    if message is None:
        raise SlackRefusal("message_not_found")
    if ts in channel.pins:
        raise SlackRefusal("already_pinned")
    channel.pins.append(ts)
    return {"ok": True}


def bookmark(ws: Workspace, args: Args) -> dict[str, Any]:
    channel_id = args.require("channel_id")
    title = args.require("title")
    kind = args.require("type")
    channel = joined_channel(ws, channel_id)
    if kind != "link":
        raise SlackRefusal("invalid_bookmark_type")
    link = args.text("link")
    if not link or not link.startswith(("http://", "https://")):
        raise SlackRefusal("invalid_link")
    if len(title) > TITLE_MAX:
        raise SlackRefusal(
            "invalid_arguments",
            messages=[f"must be less than {TITLE_MAX + 1} characters [json-pointer:/title]"],
        )
    now = int(ws.now())
    mark = {
        "id": ws.mint("Bk"),
        "channel_id": channel.id,
        "title": title,
        "link": link,
        "emoji": args.text("emoji"),
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": now,
        "date_updated": 0,
        "rank": chr(ord("g") + len(channel.bookmarks)),
        "last_updated_by_user_id": ws.bot.id,
        "last_updated_by_team_id": ws.team_id,
        "shortcut_id": None,
        "app_id": ws.app_id,
    }
    channel.bookmarks.append(mark)
    return {"ok": True, "bookmark": mark}


HANDLERS: dict[str, Handler] = {"pins.add": pin, "bookmarks.add": bookmark}
