"""Posting reports to Slack: the chart (or a CSV) as one file, uploaded the way Slack wants now.

files.getUploadURLExternal (name, byte length, alt text), a POST of the bytes to the URL it
returns, then files.completeUploadExternal to share it with a comment. The caller decides where
(a channel, or a person's DM for private exports); the view-model (`ChartImage`) is built once
in core/bot.reporting and rendered the same for every platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

from core.reporting import ChartImage, slack_alt

Call = Callable[..., Awaitable[dict[str, Any]]]


class UploadFailed(Exception):
    """Slack's upload URL did not take the bytes (the delivery is retried by the outbox)."""

    def __init__(self, filename: str, status: int) -> None:
        super().__init__(f"upload of {filename} answered HTTP {status}")
        self.filename, self.status = filename, status


async def upload(call: Call, *, channel: str, filename: str, title: str, data: bytes, comment: str,
                 alt_txt: str | None = None) -> str:
    """Share `data` as one file in `channel` with `comment`; returns the file id."""
    params: dict[str, Any] = {"filename": filename, "length": len(data)}
    if alt_txt:
        params["alt_txt"] = slack_alt(alt_txt)
    ticket = await call("files.getUploadURLExternal", **params)
    async with aiohttp.ClientSession() as http, http.post(str(ticket["upload_url"]), data=data) as answer:
        if answer.status != 200:
            raise UploadFailed(filename, answer.status)
    await call("files.completeUploadExternal", files=[{"id": ticket["file_id"], "title": title}],
               channel_id=channel, initial_comment=comment)
    return str(ticket["file_id"])


def chart_comment(title: str, chart: ChartImage) -> str:
    """The words beside the image: the red flags, one per line (or that there are none)."""
    if not chart.red_flags:
        return f"*{title}*: no red flags."
    return f"*{title}*: red flags\n" + "\n".join(f"• {flag}" for flag in chart.red_flags)


async def post_chart(call: Call, *, channels: Sequence[str], title: str, chart: ChartImage) -> list[str]:
    """The chart in each channel, with its alt text and its red flags in words."""
    return [await upload(call, channel=c, filename=chart.filename, title=title, data=chart.png,
                         comment=chart_comment(title, chart), alt_txt=chart.alt_text) for c in channels]


def client_call(client: Any) -> Call:
    """A `call(method, **params)` over a slack_sdk AsyncWebClient (Bolt's `client` in a listener)."""
    async def call(method: str, **params: Any) -> dict[str, Any]:
        response = await getattr(client, method.replace(".", "_"))(**params)
        return dict(response.data)
    return call
