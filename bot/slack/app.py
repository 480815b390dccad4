"""The Slack adapter assembled: the Bolt app, its client, the notifier and the dispatcher.

Bolt verifies every request's signature and timestamp before a listener runs, answers Slack
as soon as a listener acks, and runs the rest after; the outbox dispatcher does the writes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import dispatcher as outbox
from bot.slack import listeners_actions, listeners_commands, listeners_views
from bot.slack.calls import SlackCaller
from bot.slack.context import SlackContext
from bot.slack.directory import SlackDirectory
from bot.slack.notifier import SlackNotifier
from bot.slack.ratelimit import SlackRateLimiter
from core.playbook import Playbook
from core.ports import Clock
from core.services import HandoffService
from storage.chat_refs import ChatRefs

log = logging.getLogger(__name__)


@dataclass
class SlackRuntime:
    bolt: AsyncApp
    client: AsyncWebClient
    dispatcher: outbox.OutboxDispatcher
    notifier: SlackNotifier


def build_slack(
    *, token: str, signing_secret: str, api_url: str, service: HandoffService, playbook: Playbook,
    refs: ChatRefs, clock: Clock, engine: Any, llm_enabled: bool = False, rate_speed: float = 1.0,
) -> SlackRuntime:
    client = AsyncWebClient(token=token, base_url=api_url)
    directory = SlackDirectory(refs=refs, roles=playbook.roles)
    caller = SlackCaller(client, SlackRateLimiter(speed=rate_speed))
    notifier = SlackNotifier(call=caller, service=service, playbook=playbook, refs=refs, directory=directory,
                             clock=clock)
    dispatcher = outbox.OutboxDispatcher(engine=engine, deliver=notifier.deliver, clock=clock)
    bolt = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=False,
                    raise_error_for_unhandled_request=False)
    ctx = SlackContext(service=service, playbook=playbook, directory=directory, refs=refs, clock=clock,
                       wake_dispatcher=dispatcher.wake, llm_enabled=llm_enabled)
    bolt.middleware(_skip_redeliveries(ctx))
    listeners_commands.register(bolt, ctx)
    listeners_actions.register(bolt, ctx)
    listeners_views.register(bolt, ctx)
    bolt.error(_log_error)
    return SlackRuntime(bolt=bolt, client=client, dispatcher=dispatcher, notifier=notifier)


def _skip_redeliveries(ctx: SlackContext) -> Callable[..., Awaitable[Any]]:
    """Slack retries an event it thinks we missed (X-Slack-Retry-Num); each event_id runs once."""

    async def middleware(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        event_id = body.get("event_id")
        if event_id and not await ctx.run(ctx.service.claim_inbound, f"slack-event:{event_id}"):
            return BoltResponse(status=200, body="")
        return await next()

    return middleware


async def _log_error(error: Exception, body: dict[str, Any]) -> None:
    log.error("Slack listener failed for a %s request: %s", body.get("type", "?"), error, exc_info=error)
