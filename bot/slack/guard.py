"""Listeners that never raise: a broken click is acked, explained to the clicker, logged in one line.

Bolt (1.2x) loses the ack when an async listener raises after acking: its runner resets the
response to None, waits out the 3-second ack timeout and answers Slack 404, so the person
sees a failed click and is told nothing. So every listener runs inside `guarded`, and
listeners register on `Guarded(app)` rather than on the Bolt app itself.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.context import SlackContext
from bot.slack.ids import UnreadablePayload
from core.errors import HandoffNotFound
from core.presentation.refusal import NOT_FOUND

log = logging.getLogger(__name__)
Listener = Callable[..., Awaitable[Any]]

UNREADABLE = ("I couldn't read that button: it may come from an older version of Baton or from another app. "
              "Nothing was changed. Find the handoff with `/handoff status <deal or account>`.")
FAILED = ("Something went wrong on Baton's side and nothing was changed. Please try again in a minute; "
          "if it keeps happening, tell whoever runs Baton.")


def explain(exc: Exception) -> tuple[str, bool]:
    """What to tell the person, and whether the cause is their request (True) or a fault of ours."""
    if isinstance(exc, UnreadablePayload):
        return UNREADABLE, True
    if isinstance(exc, HandoffNotFound):
        return NOT_FOUND, True
    return FAILED, False


def where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(user, channel) of a click, a modal submission or a slash command."""
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    container = body.get("container") or {}
    channel = ((body.get("channel") or {}).get("id") or container.get("channel_id") or body.get("channel_id"))
    return user, channel


def guarded(ctx: SlackContext, listener: Listener) -> Listener:
    @functools.wraps(listener)
    async def run(**kwargs: Any) -> Any:
        try:
            return await listener(**kwargs)
        except Exception as exc:
            ack, body = kwargs.get("ack"), kwargs.get("body") or {}
            if ack is not None and getattr(ack, "response", None) is None:
                await ack()  # Slack is answered at once either way
            text, theirs = explain(exc)
            kind = body.get("type") or ("slash_command" if body.get("command") else "request")
            if theirs:
                log.warning("%s from Slack refused: %s", kind, exc)
            else:
                log.exception("%s listener %s failed", kind, listener.__name__)
            await _tell(ctx, kwargs.get("client"), body, text)
        return None

    return run


async def _tell(ctx: SlackContext, client: AsyncWebClient | None, body: dict[str, Any], text: str) -> None:
    user, channel = where(body)
    if client is None or not user:
        return
    try:
        await ctx.ephemeral(client, channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s why their request failed: %s", user, exc.response.get("error"))


class Guarded:
    """The Bolt app as the listener modules see it: each registration wraps its listener."""

    def __init__(self, app: AsyncApp, ctx: SlackContext) -> None:
        self._app = app
        self._ctx = ctx

    def _wrap(self, register: Callable[[Listener], Any]) -> Callable[[Listener], Listener]:
        def decorate(listener: Listener) -> Listener:
            register(guarded(self._ctx, listener))
            return listener

        return decorate

    def action(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.action(*args, **kwargs))

    def view(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.view(*args, **kwargs))

    def view_submission(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.view_submission(*args, **kwargs))

    def view_closed(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.view_closed(*args, **kwargs))

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.command(*args, **kwargs))

    def event(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.event(*args, **kwargs))

    def options(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._wrap(self._app.options(*args, **kwargs))
