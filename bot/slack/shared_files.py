"""Call notes from a text file shared where the handoff lives: list, check and download it.

The handoff's place is its channel, or its thread in a shared channel (chat references
`slack.channel` and `slack.thread_ts`). Slack's files.list (scope `files:read`) gives the
channel's files newest first; in a thread, only files whose `shares` name that thread count, so
an AE never sees another deal's files. Baton offers text-like files only: plain text, Markdown,
and WebVTT/SRT transcripts (snippets included). Not CSV or TSV (spreadsheet exports are rarely
call notes, and a quote cut from a row reads badly), not documents that need parsing (PDF,
Word) and not code, HTML or JSON.

The bytes come from the file's `url_private_download` with the bot token as
`Authorization: Bearer`, sent only to Slack's own hosts (or the host of the configured Web API
URL: the simulator, a proxy). Redirects are not followed: Slack answers a token it will not serve
files to with a redirect to its sign-in page. Text is UTF-8 (a UTF-16 byte-order mark is
honoured); bytes that do not decode become replacement characters. The contents are never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.errors import DraftingError

TEXT_FILETYPES = frozenset({"text", "markdown", "vtt", "srt"})
TEXT_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".vtt", ".srt")
TEXT_MIMETYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown", "text/vtt", "application/x-subrip",
                            "text/srt", "text/x-srt"})
READABLE_MODES = frozenset({"hosted", "snippet"})  # not external (Google Docs...), posts or tombstones
OFFERED_MAX = 100  # Slack's cap on a static_select's options
PAGE_SIZE = 100
PAGES_MAX = 3  # files.list is Tier 3; the form opens within a trigger's 3 seconds
BYTES_PER_CHARACTER = 4  # UTF-8: more bytes than 4 per allowed character is surely too long
DOWNLOAD_SECONDS = 30.0
SLACK_HOSTS = ("slack.com", "slack-gov.com")


class FileUnusable(DraftingError):
    """The chosen file cannot be read as call notes; `reason` says why, for the AE."""

    GONE = "gone"  # deleted, or no longer shared where the handoff lives
    NOT_TEXT = "not_text"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    NOT_ALLOWED = "not_allowed"  # Slack will not hand Baton the bytes (files:read missing)
    UNREACHABLE = "unreachable"  # Slack did not answer, or answered with an error

    def __init__(self, reason: str, *, name: str = "", kind: str = "", length: int = 0, limit: int = 0,
                 in_bytes: bool = False, with_pasted: bool = False) -> None:
        super().__init__(f"the shared file cannot be used: {reason}")
        self.reason = reason
        self.name = name
        self.kind = kind  # Slack's pretty_type, for NOT_TEXT
        self.length = length  # for TOO_LONG: characters, or bytes when `in_bytes`
        self.limit = limit  # characters
        self.in_bytes = in_bytes
        self.with_pasted = with_pasted  # the length counts the pasted notes too


@dataclass(frozen=True)
class Place:
    """Where a handoff lives in Slack: its channel, and its thread in a shared channel."""

    channel: str
    thread_ts: str | None = None

    @classmethod
    def of(cls, refs: Mapping[str, str]) -> Place | None:
        channel = refs.get("slack.channel")
        return cls(channel, refs.get("slack.thread_ts") or None) if channel else None

    def holds(self, file: Mapping[str, Any]) -> bool:
        """Whether a file object (files.list, files.info) is shared here."""
        shares = _shares_in(file, self.channel)
        if self.thread_ts is None:
            in_lists = any(self.channel in (file.get(k) or []) for k in ("channels", "groups", "ims"))
            return in_lists or bool(shares)
        return any(s.get("thread_ts") == self.thread_ts for s in shares)

    def channel_name(self, file: Mapping[str, Any]) -> str:
        return next((str(s["channel_name"]) for s in _shares_in(file, self.channel) if s.get("channel_name")), "")


def _shares_in(file: Mapping[str, Any], channel: str) -> list[Mapping[str, Any]]:
    shares = file.get("shares") or {}
    return [s for kind in ("public", "private") for s in (shares.get(kind) or {}).get(channel, [])
            if isinstance(s, Mapping)]


@dataclass(frozen=True)
class SharedFile:
    id: str
    name: str
    title: str
    filetype: str
    pretty_type: str
    mimetype: str
    mode: str
    size: int  # bytes
    created: int
    url: str
    channel_name: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any], place: Place) -> SharedFile:
        return cls(
            id=str(data["id"]), name=str(data.get("name") or ""), title=str(data.get("title") or ""),
            filetype=str(data.get("filetype") or ""), pretty_type=str(data.get("pretty_type") or ""),
            mimetype=str(data.get("mimetype") or ""), mode=str(data.get("mode") or ""),
            size=int(data.get("size") or 0), created=int(data.get("created") or 0),
            url=str(data.get("url_private_download") or data.get("url_private") or ""),
            channel_name=place.channel_name(data),
        )

    @property
    def label(self) -> str:
        return self.name or self.title or self.id

    @property
    def is_text(self) -> bool:
        if self.mode not in READABLE_MODES or not self.url:
            return False
        if self.filetype in TEXT_FILETYPES:
            return True
        named = self.name.lower().endswith(TEXT_EXTENSIONS)
        return named and (self.mimetype in TEXT_MIMETYPES or self.filetype in ("", "auto"))


async def text_files(client: AsyncWebClient, place: Place) -> list[SharedFile]:
    """The text-like files shared in `place`, newest first, at most OFFERED_MAX.

    Raises SlackApiError (e.g. `missing_scope` before an admin granted files:read).
    """
    found: dict[str, SharedFile] = {}
    # A thread's files were uploaded after the thread began: the rest of the channel is skipped.
    ts_from = str(int(float(place.thread_ts))) if place.thread_ts else None
    for page in range(1, PAGES_MAX + 1):
        answer = await client.files_list(channel=place.channel, ts_from=ts_from, count=PAGE_SIZE, page=page)
        for data in answer.get("files") or []:
            if isinstance(data, Mapping) and data.get("id") and place.holds(data):
                shared = SharedFile.of(data, place)
                if shared.is_text:
                    found.setdefault(shared.id, shared)
        pages = int((answer.get("paging") or {}).get("pages") or 1)
        if len(found) >= OFFERED_MAX or page >= pages:
            break
    return sorted(found.values(), key=lambda f: f.created, reverse=True)[:OFFERED_MAX]


async def file_info(client: AsyncWebClient, file_id: str, place: Place, *, limit: int) -> SharedFile:
    """The chosen file, checked: still shared here, text-like, and not surely over `limit`
    characters. Raises FileUnusable, or SlackApiError for anything else Slack answered."""
    try:
        answer = await client.files_info(file=file_id)
    except SlackApiError as exc:
        if exc.response.get("error") in ("file_not_found", "file_deleted"):
            raise FileUnusable(FileUnusable.GONE) from None
        raise
    data = answer.get("file") or {}
    shared = SharedFile.of(data, place)
    if not place.holds(data):
        raise FileUnusable(FileUnusable.GONE, name=shared.label)
    if not shared.is_text:
        raise FileUnusable(FileUnusable.NOT_TEXT, name=shared.label, kind=shared.pretty_type or shared.filetype)
    if shared.size > limit * BYTES_PER_CHARACTER:
        raise FileUnusable(FileUnusable.TOO_LONG, name=shared.label, length=shared.size, limit=limit, in_bytes=True)
    return shared


async def read_text(client: AsyncWebClient, file: SharedFile, *, limit: int,
                    seconds: float = DOWNLOAD_SECONDS) -> str:
    """The file's text, stripped; FileUnusable when it cannot be had or is over `limit` characters."""
    if not client.token or not may_send_token(file.url, client.base_url):
        raise FileUnusable(FileUnusable.NOT_ALLOWED, name=file.label)
    cap = limit * BYTES_PER_CHARACTER
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session, session.get(
            file.url, headers={"Authorization": f"Bearer {client.token}"}, allow_redirects=False,
        ) as response:
            if 300 <= response.status < 400 or response.status in (401, 403):
                raise FileUnusable(FileUnusable.NOT_ALLOWED, name=file.label)
            if response.status in (404, 410):
                raise FileUnusable(FileUnusable.GONE, name=file.label)
            if response.status != 200:
                raise FileUnusable(FileUnusable.UNREACHABLE, name=file.label)
            if response.content_type == "text/html":  # a sign-in page, not the file
                raise FileUnusable(FileUnusable.NOT_ALLOWED, name=file.label)
            data = bytearray()
            async for piece in response.content.iter_chunked(64 * 1024):
                data += piece
                if len(data) > cap:
                    raise FileUnusable(FileUnusable.TOO_LONG, name=file.label, length=max(file.size, len(data)),
                                       limit=limit, in_bytes=True)
    except (aiohttp.ClientError, TimeoutError):
        raise FileUnusable(FileUnusable.UNREACHABLE, name=file.label) from None
    text = decode(bytes(data))
    if "\x00" in text:
        raise FileUnusable(FileUnusable.NOT_TEXT, name=file.label, kind=file.pretty_type or "binary")
    text = text.strip()
    if not text:
        raise FileUnusable(FileUnusable.EMPTY, name=file.label)
    if len(text) > limit:
        raise FileUnusable(FileUnusable.TOO_LONG, name=file.label, length=len(text), limit=limit)
    return text


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 when it starts with one; never fails."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def may_send_token(url: str, api_url: str) -> bool:
    """Only Slack (over https), or the host Baton already sends the token to, gets the token."""
    target, api = urlsplit(url), urlsplit(api_url)
    if not target.hostname:
        return False
    if (target.scheme, target.hostname, target.port) == (api.scheme, api.hostname, api.port):
        return True
    host = target.hostname.lower()
    return target.scheme == "https" and any(host == h or host.endswith("." + h) for h in SLACK_HOSTS)
