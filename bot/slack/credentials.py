"""Slack credentials checked once at start, so a wrong token stops `baton serve` at once.

Bolt's async app verifies its token only on the first request, and slack_sdk's Socket Mode
client retries a refused app token forever: either way a deployment with a typo would stay up
and silently do nothing. Slack's refusal names the variable to fix; an outage is retried a few
times and then reported as such, never as a bad token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


class SlackCredentialsError(Exception):
    """Slack refused a token, or could not be reached to check it; the message says which."""


async def check_slack_credentials(
    *, api_url: str, bot_token: str, attempts: int = 3, timeout: float = 3.0
) -> None:
    """`auth.test` with the bot token. The app-level token is checked by opening the socket
    itself (`open_socket`): `apps.connections.open` is Tier 1, so a separate probe would spend
    the slot the real connection needs."""
    bot = AsyncWebClient(token=bot_token, base_url=api_url, timeout=int(timeout))
    await _ask("SLACK_BOT_TOKEN", "auth.test", bot.auth_test, attempts=attempts)


async def open_socket(client: Any, *, timeout: float = 6.0) -> None:
    """Open the Socket Mode connection, or say why SLACK_APP_TOKEN could not open it.

    slack_sdk's client retries a refused token forever inside `connect`; asking for the URL
    first (the client then uses it) surfaces Slack's refusal with its error code."""
    try:
        client.wss_uri = await asyncio.wait_for(client.issue_new_wss_url(), timeout=timeout)
        await asyncio.wait_for(client.connect(), timeout=timeout)
    except SlackApiError as exc:
        error = exc.response.get("error", f"HTTP {exc.response.status_code}")
        raise SlackCredentialsError(f"SLACK_APP_TOKEN was refused by Slack (apps.connections.open: {error})") from None
    except TimeoutError:
        raise SlackCredentialsError(
            f"SLACK_APP_TOKEN opened no Socket Mode connection within {timeout:.0f} s") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise SlackCredentialsError(
            f"could not reach Slack to open Socket Mode with SLACK_APP_TOKEN ({type(exc).__name__})") from None


async def _ask(variable: str, method: str, call: Callable[[], Awaitable[Any]], *, attempts: int) -> None:
    last = ""
    for attempt in range(attempts):
        try:
            await call()
            return
        except SlackApiError as exc:
            status = exc.response.status_code
            if status < 500 and status != 429:
                error = exc.response.get("error", "unknown_error")
                raise SlackCredentialsError(f"{variable} was refused by Slack ({method}: {error})") from None
            last = f"HTTP {status}"
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            last = type(exc).__name__
        if attempt + 1 < attempts:
            await asyncio.sleep(1.0)
    raise SlackCredentialsError(f"could not reach Slack to check {variable} ({method}: {last})")
