"""`POST /api/messages`: Bot Framework activities in, with every request's JWT validated.

botbuilder-integration-aiohttp 4.17.1's `CloudAdapter.process` has two defects Baton works
around here instead of calling it (upstream is archived, no fix will come):

- an invoke whose handler returns a body (Action.Execute, task/fetch, task/submit) is answered
  500: `ActivityHandler` already serializes the body and `process` serializes it again;
- a missing Authorization header is passed on as "" (not None), and a bad signature, an
  expired token or an unknown key raise PyJWT/IndexError/Exception rather than PermissionError,
  so they surface as 500.

So Baton authenticates first (any failure is 401 with a JSON reason), then hands the already
authenticated request to `CloudAdapter.process_activity`, and writes invoke bodies itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from msrest.serialization import Model
from sqlalchemy.engine import Engine

from bot.teams.config import TeamsConfig
from bot.teams.credentials import BatonCredentialFactory
from bot.teams.directory import TeamsDirectory
from bot.teams.handler import BatonTeamsBot
from bot.teams.proactive import TeamsMessenger
from bot.teams.services import TeamsApp
from storage.chat_refs import ChatRefs

log = logging.getLogger(__name__)
# msrest warns about every field Teams sends that the 4.17 models lack (teamsChannelId, trigger,
# ...): one line per activity in production, none of them actionable.
logging.getLogger("msrest.serialization").setLevel(logging.ERROR)
SEEN_CAPACITY = 10_000


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


class TeamsEndpoint:
    """The Teams adapter's HTTP entry: authentication, de-duplication, the turn, the response."""

    def __init__(self, config: TeamsConfig, *, engine: Engine,
                 on_timezone: Callable[[str, str], object] | None = None, shared_dedupe: bool = True,
                 app: TeamsApp | None = None) -> None:
        """`shared_dedupe` records activity ids in the database, so replicas ignore each other's
        redeliveries too (the in-process memory only catches this process's). `app` is the
        handoff service the bot acts through (bot/teams/runtime.py builds it from the Baton);
        without it the bot answers `help` only."""
        self.config = config
        self.auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=BatonCredentialFactory(config))
        self.adapter = CloudAdapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.directory = app.directory if app is not None else TeamsDirectory(engine)
        self.bot = BatonTeamsBot(self.directory, on_timezone=on_timezone, app=app)
        self.messenger = TeamsMessenger(self.adapter, config.APP_ID, self.directory)
        self.bot.send_later = self.messenger.send
        self.bot.messenger = self.messenger
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.refs = ChatRefs(engine) if shared_dedupe else None

    @staticmethod
    async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed (%s activity)", turn_context.activity.type, exc_info=error)
        raise error

    def _duplicate(self, activity: Activity) -> bool:
        """Teams redelivers an activity it got no timely answer for; act on each id once."""
        if not activity.id or activity.conversation is None:
            return False
        key = (activity.conversation.id or "", activity.id)
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > SEEN_CAPACITY:
            self._seen.popitem(last=False)
        return False

    @staticmethod
    def _key(activity: Activity) -> str | None:
        if not activity.id or activity.conversation is None:
            return None
        return f"teams-activity:{activity.conversation.id or ''}:{activity.id}"

    async def _claimed(self, activity: Activity) -> bool:
        """The database's word on a redelivery: another replica may have got the first copy."""
        key = self._key(activity)
        if key is None or self.refs is None:
            return True
        return await asyncio.to_thread(self.refs.claim_activity, key, at=datetime.now(UTC))

    async def _forget(self, activity: Activity) -> None:
        if activity.id and activity.conversation is not None:
            self._seen.pop((activity.conversation.id or "", activity.id), None)
        key = self._key(activity)
        if key is not None and self.refs is not None:
            await asyncio.to_thread(self.refs.release_activity, key)

    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "Content-Type must be application/json")
        try:
            body = await request.json()
        except ValueError:
            return _problem(400, "body is not JSON")
        if not isinstance(body, dict):
            return _problem(400, "body must be a Bot Framework activity object")
        try:
            activity: Activity = Activity().deserialize(body)
        except Exception:
            return _problem(400, "body is not a valid Bot Framework activity")
        if not activity.type:
            return _problem(400, "activity has no type")
        try:
            authenticated = await self.auth.authenticate_request(activity, request.headers.get("Authorization") or None)
        except requests.RequestException:
            log.warning("Teams: cannot fetch the channel's OpenID metadata or keys")
            return _problem(503, "cannot reach the channel's signing keys; try again")
        except Exception as exc:
            log.info("Teams request refused: %s", type(exc).__name__)
            return _problem(401, "unauthorized: the Bot Framework token is missing or invalid")
        if self._duplicate(activity) or not await self._claimed(activity):
            log.info("Teams activity %s delivered twice; ignored", activity.id)
            return web.json_response({}, status=200)
        try:
            invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:  # logged by _on_turn_error; the channel gets a JSON reason
            await self._forget(activity)  # so Teams' redelivery gets another try
            return _problem(500, "Baton failed to handle this activity")
        if invoke is None:
            return web.Response(status=200)
        payload: Any = serializer_helper(invoke.body) if isinstance(invoke.body, Model) else invoke.body
        return web.json_response(payload, status=invoke.status or 200)
