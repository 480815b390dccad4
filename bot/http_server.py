"""The HTTP server: one aiohttp app for every route in DESIGN.md.

Handlers translate HTTP into service calls and back; the service is synchronous (SQL), so it
runs in a worker thread to keep the event loop answering within Slack's 3 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier

from bot.bootstrap import Baton
from bot.crm.hubspot_http import hubspot_webhook
from bot.crm.salesforce_http import salesforce_webhook
from bot.deal_webhook import DealEvent
from bot.webhook_signing import SignatureError, verify
from core.commands import OpenHandoff
from core.deal_changes import Outcome, StageChange
from core.errors import BatonError
from core.people import Actor
from storage.engine import ping
from storage.stats import status_counts

if TYPE_CHECKING:  # botbuilder is imported only inside bot/teams/, and only when Teams is on
    from bot.teams.endpoint import TeamsEndpoint

log = logging.getLogger(__name__)
BATON: web.AppKey[Baton] = web.AppKey("baton", Baton)
MAX_WEBHOOK_BYTES = 256 * 1024


def build_app(baton: Baton, *, slack_over_http: bool = True, teams: TeamsEndpoint | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES, middlewares=[too_large_as_json])
    app[BATON] = baton
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/webhooks/deals", deal_webhook)
    if teams is not None:
        app.router.add_post("/api/messages", teams.handle)  # Bot Framework: JWT-validated in TeamsEndpoint
    app.router.add_post("/webhooks/hubspot", hubspot_webhook(
        settings=baton.settings, engine=baton.engine, clock=baton.clock,
        wake=baton.dispatcher.wake if baton.dispatcher else lambda: None))
    app.router.add_post("/webhooks/salesforce", salesforce_webhook(
        settings=baton.settings, engine=baton.engine, clock=baton.clock,
        wake=baton.dispatcher.wake if baton.dispatcher else lambda: None))
    if baton.slack is not None and slack_over_http:
        app.router.add_post("/slack/events", slack_events)
    if baton.dispatcher is not None and baton.dispatcher.targets:
        app.cleanup_ctx.append(_dispatcher)
    return app


async def slack_events(request: web.Request) -> web.Response:
    """Events, interactivity and slash commands: Bolt verifies the signature and dispatches."""
    slack = request.app[BATON].slack
    assert slack is not None
    try:
        bolt_request = await to_bolt_request(request)
    except ValueError:  # Bolt parses the body before it checks the signature; JSONDecodeError is a ValueError
        return await _unreadable_slack_request(request, slack.signing_secret)
    response = await slack.bolt.async_dispatch(bolt_request)
    return await to_aiohttp_response(response)


async def _unreadable_slack_request(request: web.Request, signing_secret: str) -> web.Response:
    """A body Bolt cannot parse: 401 unless Slack signed it (so forgers learn nothing), else 400."""
    body = (await request.read()).decode("utf-8", "replace")
    signed = SignatureVerifier(signing_secret).is_valid(
        body=body, timestamp=request.headers.get("X-Slack-Request-Timestamp", ""),
        signature=request.headers.get("X-Slack-Signature", ""))
    if not signed:
        return problem(401, "invalid Slack signature or timestamp")
    log.warning("refused a signed Slack request whose payload is not JSON (%d bytes)", len(body))
    return problem(400, "the Slack payload is not JSON")


async def _dispatcher(app: web.Application) -> AsyncIterator[None]:
    """Deliver the outbox for as long as the server runs."""
    dispatcher = app[BATON].dispatcher
    assert dispatcher is not None
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    yield
    stop.set()
    dispatcher.wake()
    await task


def problem(status: int, reason: str, **extra: Any) -> web.Response:
    """Every refusal is JSON with a reason a person can act on."""
    return web.json_response({"ok": False, "error": reason, **extra}, status=status)


@web.middleware
async def too_large_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp refuses an oversized body inside `request.read()` with a plain-text 413; every
    other refusal is JSON, so this one is too, with the limit named."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return problem(413, f"the body is larger than {MAX_WEBHOOK_BYTES} bytes", limit_bytes=MAX_WEBHOOK_BYTES)


async def healthz(request: web.Request) -> web.Response:
    baton = request.app[BATON]
    if await asyncio.to_thread(ping, baton.engine):
        return web.json_response({"ok": True, "database": "reachable"})
    return problem(503, "database unreachable")


async def metrics(request: web.Request) -> web.Response:
    baton = request.app[BATON]
    text = await asyncio.to_thread(_prometheus_text, baton)
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


def _prometheus_text(baton: Baton) -> str:
    by_status, outbox = status_counts(baton.engine)
    lines = [
        "# HELP baton_handoffs Handoffs by state.",
        "# TYPE baton_handoffs gauge",
        *(f'baton_handoffs{{status="{s}"}} {n}' for s, n in sorted(by_status.items())),
        "# HELP baton_outbox_messages Outbox messages by delivery status.",
        "# TYPE baton_outbox_messages gauge",
        *(f'baton_outbox_messages{{status="{s}"}} {n}' for s, n in sorted(outbox.items())),
    ]
    return "\n".join(lines) + "\n"


async def deal_webhook(request: web.Request) -> web.Response:
    """A deal changed stage: 202 with a new handoff, 200 with the existing one, 4xx with a reason."""
    baton = request.app[BATON]
    secret = baton.settings.deal_webhook_secret
    if secret is None:
        return problem(503, "DEAL_WEBHOOK_SECRET is not set; Baton refuses unsigned deal webhooks")
    body = await request.read()
    try:
        verify(
            secret.get_secret_value(), timestamp=request.headers.get("X-Baton-Timestamp"),
            signature=request.headers.get("X-Baton-Signature"), body=body, now=time.time(),
        )
    except SignatureError as exc:
        return problem(401, exc.reason)
    try:
        event = DealEvent.model_validate_json(body)
    except ValidationError as exc:
        return problem(422, "the body does not match the deal webhook format", details=_errors(exc))
    deal = event.deal.to_deal()
    cmd = OpenHandoff(deal=deal, actor=Actor.system("crm"), event_id=event.event_id)
    try:
        change = await asyncio.to_thread(baton.deals.stage_changed, cmd)
    except BatonError as exc:
        log.warning("deal %s not opened: %s", deal.id, exc)
        return problem(422, str(exc))
    if baton.dispatcher is not None:
        baton.dispatcher.wake()
    return web.json_response(_stage_answer(change), status=202 if change.outcome is not Outcome.EXISTING else 200)


def _stage_answer(change: StageChange) -> dict[str, Any]:
    """202 for anything new (opened, held, resumed, ignored), 200 for the same deal again."""
    if change.outcome is Outcome.IGNORED and change.handoff_id is None:
        return {"ok": True, "ignored": change.note}
    body: dict[str, Any] = {"ok": True, "handoff_id": change.handoff_id, "created": change.created,
                            "outcome": change.outcome.value}
    if change.note:
        body["note"] = change.note
    if change.ignored_fields:
        body["ignored_fields"] = change.ignored_fields
    return body


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]
