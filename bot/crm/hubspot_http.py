"""`POST /webhooks/hubspot`: a HubSpot app's webhook batch, verified (v3), recorded, answered fast.

HubSpot times out after a few seconds and retries, so the handler only checks the signature,
validates the batch and records each event in the outbox (deduplicated on `eventId`); reading
the deal and opening the handoff happen after the answer, through the outbox's "crm" target.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.crm.hubspot import HubSpotSignatureError, verify_v3
from bot.settings import Settings
from core.crm import CrmDealChanged
from core.ports import Clock
from storage.outbox import Routes, enqueue

CRM = "crm"
MAX_BATCH = 100


class HubSpotEvent(BaseModel):
    """One webhook event as HubSpot sends it (fields Baton does not use are allowed and ignored)."""

    model_config = ConfigDict(extra="allow")

    eventId: int
    subscriptionType: str
    objectId: int
    portalId: int | None = None
    occurredAt: int | None = None
    propertyName: str | None = None
    propertyValue: str | None = None


BATCH = TypeAdapter(list[HubSpotEvent])
Handler = Callable[[web.Request], Awaitable[web.Response]]
DEAL_EVENTS = frozenset({"deal.propertyChange", "deal.creation"})


def _refuse(status: int, reason: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": reason, **extra}, status=status)


def hubspot_webhook(*, settings: Settings, engine: Engine, clock: Clock, wake: Callable[[], None]) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        if settings.hubspot_client_secret is None or not settings.public_url:
            return _refuse(503, "HUBSPOT_CLIENT_SECRET and BATON_PUBLIC_URL must be set to verify HubSpot")
        body = await request.read()
        uri = settings.public_url.rstrip("/") + request.path_qs
        try:
            verify_v3(settings.hubspot_client_secret.get_secret_value(), method=request.method, uri=uri, body=body,
                      timestamp=request.headers.get("X-HubSpot-Request-Timestamp"),
                      signature=request.headers.get("X-HubSpot-Signature-v3"), now_ms=int(time.time() * 1000))
        except HubSpotSignatureError as exc:
            return _refuse(401, str(exc))
        try:
            batch = BATCH.validate_json(body)
        except ValidationError as exc:
            return _refuse(400, "the body is not a HubSpot webhook batch", details=[
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in exc.errors(include_url=False, include_input=False)])
        if len(batch) > MAX_BATCH:
            return _refuse(413, f"a HubSpot batch has at most {MAX_BATCH} events, this one {len(batch)}")
        events = [_event(e, clock.now()) for e in batch if _wanted(e)]
        recorded = await asyncio.to_thread(_record, engine, events, clock.now())
        wake()
        return web.json_response({"ok": True, "received": len(batch), "recorded": recorded,
                                  "duplicates": len(events) - recorded, "skipped": len(batch) - len(events)})

    return handle


def _wanted(e: HubSpotEvent) -> bool:
    if e.subscriptionType not in DEAL_EVENTS:
        return False
    return e.subscriptionType == "deal.creation" or e.propertyName == "dealstage"


def _event(e: HubSpotEvent, now: datetime) -> CrmDealChanged:
    # One queue per deal: its events are processed in the order HubSpot sent them.
    return CrmDealChanged(handoff_id=f"hubspot-deal:{e.objectId}", seq=0, at=now, actor_id="system:hubspot",
                          crm="hubspot", deal_id=str(e.objectId), stage=e.propertyValue or "",
                          event_id=str(e.eventId))


def _record(engine: Engine, events: list[CrmDealChanged], now: datetime) -> int:
    with Session(engine) as session, session.begin():
        return enqueue(session, events, now=now, routes=Routes({CRM: None}))


