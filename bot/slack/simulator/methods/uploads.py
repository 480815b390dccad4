"""files.getUploadURLExternal, the upload URL, and files.completeUploadExternal: how apps upload now.

Slack's flow (docs: files.getUploadURLExternal): ask for an upload URL with the file's
`filename` and byte `length` (and `alt_txt`, at most 1,000 characters, for an image); POST the
bytes to that URL (raw or multipart); then files.completeUploadExternal with `files`
(`[{"id", "title"}]`) and where to share it (`channel_id` or `channels`, optional `thread_ts`,
`initial_comment`). Without a channel the file stays private to the uploader.

Strict like Slack: `length` must be a positive integer (`invalid_arguments`, or
`missing_argument` for 0) and the bytes POSTed must be exactly that many (the upload URL
answers HTTP 400 otherwise, and the id stays unfinished); an id never issued, or never
uploaded to, is `file_not_found` at completion; completing an id twice is `file_not_found`
too (the upload URL is single-use); sharing into a channel needs the bot in it
(`not_in_channel`). Both methods need `files:write`: a workspace whose granted bot scopes
(the simulator's scope check, bot/slack/scopes.py) lack it answers `missing_scope`.
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.methods.common import Handler, posting_target
from bot.slack.simulator.shapes import file_json
from bot.slack.simulator.state import FileShare, Message, SharedFile, Workspace

if TYPE_CHECKING:
    from bot.slack.simulator.simulator import SlackSimulator

ALT_TXT_MAX = 1_000
MIMETYPES = {"png": "image/png", "csv": "text/csv", "jpg": "image/jpeg", "txt": "text/plain", "json": "application/json"}


@dataclass
class Pending:
    """An upload URL handed out: what was announced, and the bytes once POSTed."""

    file_id: str
    key: str
    filename: str
    length: int
    alt_txt: str
    content: bytes | None = None


_PENDING: weakref.WeakKeyDictionary[Workspace, dict[str, Pending]] = weakref.WeakKeyDictionary()


def pending(ws: Workspace) -> dict[str, Pending]:
    """Upload URLs handed out and not yet completed, by file id."""
    return _PENDING.setdefault(ws, {})


def get_upload_url(ws: Workspace, args: Args) -> dict[str, Any]:
    filename = args.text("filename")
    raw = args.text("length")
    if not filename or raw is None:
        raise SlackRefusal("invalid_arguments", messages=["[ERROR] missing required field: "
                                                         + ("filename" if not filename else "length")])
    try:
        length = int(raw)
    except ValueError:
        raise SlackRefusal("invalid_arguments", messages=["[ERROR] `length` must be an integer"]) from None
    if length <= 0:
        raise SlackRefusal("missing_argument")
    alt = args.text("alt_txt") or ""
    if len(alt) > ALT_TXT_MAX:
        raise SlackRefusal("alt_txt_too_large")
    upload = Pending(ws.mint("F"), secrets.token_urlsafe(16), filename, length, alt)
    pending(ws)[upload.file_id] = upload
    return {"ok": True, "upload_url": f"{ws.files_url}/upload/v1/{upload.key}", "file_id": upload.file_id}


def complete_upload(ws: Workspace, args: Args) -> dict[str, Any]:
    items = args.json("files")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
        raise SlackRefusal("invalid_arguments", messages=["[ERROR] `files` must be a list of {id, title}"])
    waiting = pending(ws)
    for item in items:
        upload = waiting.get(str(item["id"]))
        if upload is None or upload.content is None:
            raise SlackRefusal("file_not_found")
    targets = [t for t in [args.text("channel_id"), *(args.text("channels") or "").split(",")] if t]
    channels = [posting_target(ws, t) for t in dict.fromkeys(targets)]
    thread_ts = args.text("thread_ts")
    if thread_ts and len(channels) != 1:
        raise SlackRefusal("invalid_arguments", messages=["[ERROR] thread_ts needs exactly one channel"])
    shares = []
    for channel in channels:
        if thread_ts and ws.message(channel.id, thread_ts) is None:
            raise SlackRefusal("thread_not_found")
        message = Message(ws.next_ts(), channel.id, ws.bot.id, args.text("initial_comment") or "",
                          bot_id=ws.bot.bot_id, thread_ts=thread_ts)
        ws.messages.setdefault(channel.id, []).append(message)
        shares.append(FileShare(channel.id, message.ts, thread_ts))
    files = []
    for item in items:
        upload = waiting.pop(str(item["id"]))
        kind = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "binary"
        assert upload.content is not None
        file = SharedFile(upload.file_id, upload.filename, str(item.get("title") or upload.filename), kind,
                          MIMETYPES.get(kind, "application/octet-stream"), upload.content, ws.bot.id,
                          int(ws.now()), list(shares))
        ws.files[file.id] = file
        alt_texts(ws)[file.id] = upload.alt_txt
        files.append(file_json(ws, file) | ({"alt_txt": upload.alt_txt} if upload.alt_txt else {}))
    return {"ok": True, "files": files}


_ALT: weakref.WeakKeyDictionary[Workspace, dict[str, str]] = weakref.WeakKeyDictionary()


def alt_texts(ws: Workspace) -> dict[str, str]:
    """The alt text each uploaded file was announced with, by file id (what a screen reader reads)."""
    return _ALT.setdefault(ws, {})


def add_upload_route(app: web.Application, sim: SlackSimulator) -> None:
    """The upload URL: POST the announced number of bytes, raw or as multipart (`file` part)."""

    async def receive(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = form.get("file") or form.get("filename")
            data = part.file.read() if isinstance(part, web.FileField) else str(part or "").encode()
        else:
            data = await request.read()
        with sim._lock:
            upload = next((u for u in pending(sim.workspace).values() if u.key == key), None)
            if upload is None:
                return web.Response(status=404, text="Not Found")
            if len(data) != upload.length:
                return web.Response(status=400, text=f"length mismatch: announced {upload.length}, got {len(data)}")
            upload.content = data
        return web.Response(text=f"OK - {len(data)}")

    app.router.add_post("/upload/v1/{key}", receive)


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
