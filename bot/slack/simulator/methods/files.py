"""files.list and files.info: the files people shared (`sim.share_file`), as the bot may see them.

The bot sees a file shared in a public channel, or in a private channel or DM it is a member of;
any other file is `file_not_found` to files.info and absent from files.list. A deleted file is
`file_deleted`. files.list answers newest first with Slack's `paging` (`count`, default 100, and
`page`); given `limit` or `cursor` it also pages by cursor (`response_metadata.next_cursor`).
The contents are served by `file_server.py` at each file's `url_private_download`.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal, missing
from bot.slack.simulator.methods.common import Handler
from bot.slack.simulator.shapes import file_json, file_visible
from bot.slack.simulator.state import SharedFile, Workspace

# files.list `types`: all, and the kinds Slack names (Posts are `spaces`).
TYPES = {"all", "spaces", "snippets", "images", "gdocs", "zips", "pdfs"}
COUNT_MAX = 1_000  # not published; Slack adjusts an out-of-range count rather than refusing it
LIMIT_MAX = 999


def _of_type(file: SharedFile, kinds: set[str]) -> bool:
    if not kinds or "all" in kinds:
        return True
    kind = {"post": "spaces", "space": "spaces", "gdoc": "gdocs", "gsheet": "gdocs", "gpres": "gdocs",
            "zip": "zips", "pdf": "pdfs"}.get(file.filetype)
    if file.mimetype.startswith("image/"):
        kind = "images"
    return kind in kinds  # uploaded text files are `hosted`, not `snippets`


def _inside(file: SharedFile, args: Args) -> bool:
    start, end = args.text("ts_from"), args.text("ts_to")
    try:
        return (start is None or file.created >= float(start)) and (end is None or file.created <= float(end))
    except ValueError:
        raise SlackRefusal("invalid_arguments", messages=["invalid `ts_from` or `ts_to`"]) from None


def list_files(ws: Workspace, args: Args) -> dict[str, Any]:
    kinds = set(args.listed("types"))
    if not kinds <= TYPES:
        raise SlackRefusal("unknown_type")
    user = args.text("user")
    if user is not None and user not in ws.users:
        raise SlackRefusal("user_not_found")
    channel = args.text("channel")
    found = [
        f for f in ws.files.values()
        if file_visible(ws, f) and _of_type(f, kinds) and _inside(f, args)
        and (user is None or f.user == user)
        and (channel is None or any(s.channel == channel for s in f.shares))
    ]
    found.sort(key=lambda f: (f.created, f.id), reverse=True)
    total = len(found)
    body: dict[str, Any] = {"ok": True}
    if args.text("cursor") is not None or args.text("limit") is not None:
        start = _offset(args.text("cursor"))
        limit = min(max(args.integer("limit", 100), 1), LIMIT_MAX)
        chunk = found[start : start + limit]
        more = start + limit < total
        cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        body["files"] = [file_json(ws, f) for f in chunk]
        body["response_metadata"] = {"next_cursor": cursor}
        return body
    count = min(max(args.integer("count", 100), 1), COUNT_MAX)
    page = max(args.integer("page", 1), 1)
    chunk = found[(page - 1) * count : page * count]
    body["files"] = [file_json(ws, f) for f in chunk]
    body["paging"] = {"count": count, "total": total, "page": page, "pages": math.ceil(total / count)}
    return body


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor, validate=True).decode().removeprefix("offset:"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SlackRefusal("invalid_cursor") from None


def info(ws: Workspace, args: Args) -> dict[str, Any]:
    file_id = args.text("file")
    if file_id is None:
        raise missing("file")
    file = ws.files.get(file_id)
    if file is not None and file.deleted:
        raise SlackRefusal("file_deleted")
    if file is None or not file_visible(ws, file):
        raise SlackRefusal("file_not_found")
    return {"ok": True, "file": file_json(ws, file), "comments": [],
            "response_metadata": {"next_cursor": ""}}


HANDLERS: dict[str, Handler] = {"files.list": list_files, "files.info": info}
