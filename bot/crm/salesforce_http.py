"""`POST /webhooks/salesforce`: Salesforce Outbound Messages on Opportunity.

The Organization Id must be ours (SALESFORCE_ORG_ID); each notification is recorded in the
outbox, deduplicated on its notification Id (Salesforce redelivers until it gets an Ack, and may
reorder), and only once that is committed does Baton answer `<Ack>true</Ack>`. Reading the
Opportunity and opening the handoff happen after, through the outbox's "crm" target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.crm.hubspot_http import CRM, Handler
from bot.crm.salesforce import ACK, OutboundMessageError, parse_outbound, same_org
from bot.settings import Settings
from core.crm import CrmDealChanged
from core.ports import Clock
from storage.outbox import Routes, enqueue

MAX_NOTIFICATIONS = 100


def salesforce_webhook(*, settings: Settings, engine: Engine, clock: Clock, wake: Callable[[], None]) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        if not settings.salesforce_org_id:
            return web.json_response({"ok": False, "error": "SALESFORCE_ORG_ID is not set"}, status=503)
        try:
            message = parse_outbound(await request.read())
        except OutboundMessageError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        if not same_org(message.organization_id, settings.salesforce_org_id):
            return web.json_response({"ok": False, "error": "OrganizationId is not SALESFORCE_ORG_ID"}, status=403)
        if len(message.notifications) > MAX_NOTIFICATIONS:
            return web.json_response({"ok": False, "error": f"at most {MAX_NOTIFICATIONS} notifications"},
                                     status=413)
        now = clock.now()
        events = [_event(n.id, n.object_id, n.stage, now) for n in message.notifications]
        await asyncio.to_thread(_record, engine, events, now)  # durable before the Ack
        wake()
        return web.Response(text=ACK, content_type="text/xml")

    return handle


def _event(note_id: str, opportunity_id: str, stage: str, now: datetime) -> CrmDealChanged:
    return CrmDealChanged(handoff_id=f"salesforce-opportunity:{opportunity_id}", seq=0, at=now,
                          actor_id="system:salesforce", crm="salesforce", deal_id=opportunity_id, stage=stage,
                          event_id=note_id)


def _record(engine: Engine, events: list[CrmDealChanged], now: datetime) -> int:
    with Session(engine) as session, session.begin():
        return enqueue(session, events, now=now, routes=Routes({CRM: None}))
