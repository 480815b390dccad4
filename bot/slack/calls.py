"""Every write to Slack goes through here: rate-limited, with Slack's failures sorted into
"later" (429, 5xx, network) and "never" (a Slack error code that retrying will not change)."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import RetryLater, Undeliverable
from bot.slack.ratelimit import SlackRateLimiter

log = logging.getLogger(__name__)


class SlackRefused(Undeliverable):
    """Slack answered ok: false with an error code; `error` is that code."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error


DELIVERY: ContextVar[str | None] = ContextVar("slack_delivery", default=None)
"""The outbox message being delivered in this task, so its rate-limit slots are reserved for it."""


class SlackCaller:
    def __init__(self, client: AsyncWebClient, limiter: SlackRateLimiter) -> None:
        self.client = client
        self.limiter = limiter

    async def __call__(self, method: str, *, channel_key: str | None = None, **params: Any) -> dict[str, Any]:
        wait = self.limiter.try_acquire(method, channel_key, holder=DELIVERY.get())
        if wait > 0:
            raise RetryLater(wait, f"pacing {method} under Slack's rate limit", counts=False)
        try:
            # slack_sdk's typed method knows how Slack wants each method's arguments encoded.
            response = await getattr(self.client, method.replace(".", "_"))(**params)
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                retry_after = float(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1)))
                self.limiter.penalize(method, channel_key, retry_after)
                raise RetryLater(retry_after, f"{method} rate limited by Slack", counts=False) from None
            if status >= 500:
                raise RetryLater(0, f"{method}: Slack answered HTTP {status}") from None
            raise SlackRefused(method, str(exc.response.get("error", "unknown_error"))) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(0, f"{method}: {type(exc).__name__}") from None
        return dict(response.data) if isinstance(response.data, dict) else {}
