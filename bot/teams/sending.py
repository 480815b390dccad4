"""Sending to Teams under its per-conversation rate limits: a 429 is waited out, as told.

botbuilder's connector does not retry; Teams answers 429 with Retry-After when a bot sends more
than about 7 messages a second (or 60 in 30 seconds) to one conversation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from botframework.connector.models import ErrorResponseException
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 5
MAX_WAIT_SECONDS = 30.0


def _is_throttled(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    return isinstance(exc, ErrorResponseException) and getattr(response, "status_code", None) == 429


def is_throttled(exc: BaseException) -> bool:
    return _is_throttled(exc)


def retry_after_seconds(exc: BaseException | None) -> float:
    """The Retry-After Teams sent with a 429, within reason (1 s when it sent none)."""
    header = getattr(getattr(exc, "response", None), "headers", {}).get("Retry-After", "1")
    try:
        return min(max(float(header), 0.0), MAX_WAIT_SECONDS)
    except ValueError:
        return 1.0


def _retry_after(state: RetryCallState) -> float:
    return retry_after_seconds(state.outcome.exception() if state.outcome else None)


class UploadFailed(Exception):
    """The file did not reach the place Teams gave for it."""


async def upload(url: str, data: bytes) -> None:
    """PUT a file to the upload URL Teams gave after the person consented (their OneDrive), in
    one range, as Teams asks: Content-Range `bytes 0-{n-1}/{n}`."""
    headers = {"Content-Length": str(len(data)), "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    try:
        async with aiohttp.ClientSession() as http, http.put(url, data=data, headers=headers) as response:
            if response.status not in (200, 201):
                raise UploadFailed(f"HTTP {response.status}")
    except aiohttp.ClientError as exc:
        raise UploadFailed(type(exc).__name__) from exc


async def with_retry_after(send: Callable[[], Awaitable[T]], *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
                           ) -> T:
    """Run `send`, waiting Retry-After seconds after each 429, up to MAX_ATTEMPTS tries."""
    async for attempt in AsyncRetrying(retry=retry_if_exception(_is_throttled), wait=_retry_after,
                                       stop=stop_after_attempt(MAX_ATTEMPTS), sleep=sleep, reraise=True):
        with attempt:
            return await send()
    raise AssertionError("unreachable")  # pragma: no cover
