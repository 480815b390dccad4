"""The Slack adapter assembled: the Bolt app, its client, the notifier and the dispatcher.

Bolt verifies every request's signature and timestamp before a listener runs, answers Slack
as soon as a listener acks, and runs the rest after; the outbox dispatcher does the writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import dispatcher as outbox
from bot.reporting.slack_sample import SlackSampleAudit
from bot.sla import SlaRuntime
from bot.slack import (
    listeners_actions,
    listeners_commands,
    listeners_drafting,
    listeners_followups,
    listeners_views,
)
from bot.slack.calls import SlackCaller
from bot.slack.context import SlackContext
from bot.slack.directory import OnTimezone, SlackDirectory
from bot.slack.guard import Guarded
from bot.slack.notifier import SlackNotifier
from bot.slack.nudges import SlackNudges
from bot.slack.ratelimit import SlackRateLimiter
from core.drafting import Drafter
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
    caller: SlackCaller  # every Web API write, through one rate limiter
    signing_secret: str = ""  # for requests Bolt cannot parse (bot/http_server.py)


def build_slack(
    *, token: str, signing_secret: str, api_url: str, service: HandoffService, playbook: Playbook,
    refs: ChatRefs, clock: Clock, engine: Any, llm_enabled: bool = False, rate_speed: float = 1.0,
    backoff: outbox.Backoff = outbox.backoff_seconds, drafter: Drafter | None = None,
    sla: SlaRuntime | None = None,
) -> SlackRuntime:
    """`rate_speed` and `backoff` stay at their defaults in production; tests run Slack's clock
    faster and retry sooner."""
    client = AsyncWebClient(token=token, base_url=api_url)
    directory = SlackDirectory(refs=refs, roles=playbook.roles, on_timezone=_timezones(sla))
    caller = SlackCaller(client, SlackRateLimiter(speed=rate_speed))
    notifier = SlackNotifier(call=caller, service=service, playbook=playbook, refs=refs, directory=directory,
                             clock=clock)
    deliver: outbox.Deliver = notifier.deliver
    if sla is not None:  # SLA nudges and the weekly digest, then everything else to the notifier
        deliver = SlackNudges(call=caller, service=service, sla=sla, playbook=playbook, refs=refs,
                              directory=directory, clock=clock).route(notifier.deliver)
    deliver = SlackSampleAudit(call=caller, engine=engine, playbook=playbook, refs=refs, directory=directory,
                               clock=clock).route(deliver)  # the monthly sample audit, to RevOps
    dispatcher = outbox.OutboxDispatcher(engine=engine, deliver=deliver, clock=clock, backoff=backoff)
    bolt = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=False,
                    raise_error_for_unhandled_request=False)
    ctx = SlackContext(service=service, playbook=playbook, directory=directory, refs=refs, clock=clock,
                       wake_dispatcher=dispatcher.wake, llm_enabled=llm_enabled or drafter is not None,
                       engine=engine)
    bolt.middleware(_skip_redeliveries(ctx))
    guarded = Guarded(bolt, ctx)  # every listener acks, explains and logs instead of raising
    if sla is not None:  # first: its `/handoff touched|kickoff|overdue` must match before the general one
        listeners_followups.register(guarded, ctx, sla)
    listeners_commands.register(guarded, ctx)
    listeners_actions.register(guarded, ctx)
    listeners_views.register(guarded, ctx)
    if drafter is not None:  # drafting from call notes needs OPENAI_API_KEY
        listeners_drafting.register(guarded, ctx, drafter)
    bolt.error(_log_error)
    return SlackRuntime(bolt=bolt, client=client, dispatcher=dispatcher, notifier=notifier, caller=caller,
                        signing_secret=signing_secret)


def _timezones(sla: SlaRuntime | None) -> OnTimezone | None:
    """Profiles carry each person's time zone; the SLA timers want it (and replan when it is news)."""
    if sla is None:
        return None

    pending: set[asyncio.Task[bool]] = set()

    async def learn(email: str, zone: str) -> None:
        # In the background: a click's listener must not wait for a replan it does not need.
        task = asyncio.create_task(asyncio.to_thread(_quietly, sla.learn_timezone, email, zone))
        pending.add(task)
        task.add_done_callback(pending.discard)

    return learn


def _quietly(learn: Callable[[str, str], bool], email: str, zone: str) -> bool:
    try:
        return learn(email, zone)
    except Exception:
        log.exception("could not record the time zone of %s", email)
        return False


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
