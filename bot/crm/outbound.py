"""Signed outbound webhooks, so a Zapier, Make or n8n step can write a handoff back to any CRM.

One POST per event, signed like the inbound deal webhook (`X-Baton-Timestamp`, `X-Baton-Signature:
v1=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` keyed by BATON_OUTBOUND_WEBHOOK_SECRET), with an
`event_id` that stays the same across retries: delivery is at least once, so receivers dedupe on it.
Messages come from the outbox's "webhook" target, independent of chat.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from bot.delivery import RetryLater, Undeliverable
from bot.webhook_signing import sign
from core import events as ev
from core.handoff import Handoff

WEBHOOK = "webhook"
USER_AGENT = "Baton-Webhook/1"
TIMEOUT = aiohttp.ClientTimeout(total=10)

# What each event is called on the wire, and what it adds to the common envelope.
TYPES: Mapping[type[ev.Event], str] = {
    ev.HandoffOpened: "handoff.opened",
    ev.PacketSubmitted: "handoff.packet_submitted",
    ev.HandoffEscalated: "handoff.escalated",
    ev.OwnershipFlipped: "handoff.accepted",
    ev.HandoffCancelled: "handoff.cancelled",
    ev.SlaBreached: "handoff.sla_breached",
    ev.HandoffPutOnHold: "handoff.on_hold",
    ev.HandoffResumed: "handoff.resumed",
}
EVENT_NAMES = frozenset(t.__name__ for t in TYPES)


def _data(event: ev.Event) -> dict[str, Any]:
    match event:
        case ev.PacketSubmitted(complete=complete, overridden=overridden, resubmission=again):
            return {"complete": complete, "overridden": overridden, "resubmission": again}
        case ev.HandoffEscalated(fields=fields, reason=reason):
            return {"missing_fields": list(fields), "reason": reason}
        case ev.OwnershipFlipped(from_email=old, to_email=new):
            return {"old_owner_email": old, "new_owner_email": new}
        case ev.HandoffCancelled(reason=reason):
            return {"reason": reason}
        case ev.SlaBreached(timer=timer):
            return {"timer": timer}
        case ev.HandoffPutOnHold(stage=stage, reason=reason):
            return {"stage": stage, "reason": reason}
        case ev.HandoffResumed(stage=stage):
            return {"stage": stage}
        case _:
            return {}


def payload(event: ev.Event, key: str, handoff: Handoff) -> dict[str, Any]:
    """The body of one outbound webhook (README has an example per type)."""
    deal = handoff.deal
    return {
        "event_id": key,
        "type": TYPES[type(event)],
        "occurred_at": event.at.isoformat(),
        "actor": event.actor_id,
        "handoff": {
            "id": handoff.id, "status": handoff.status.value, "segment": handoff.segment,
            "ae_email": handoff.ae.email, "csm_email": handoff.csm.email, "owner_email": handoff.owner.email,
        },
        "deal": {"id": deal.id, "name": deal.name, "account": deal.account, "crm_url": deal.crm_url},
        "data": _data(event),
    }


class OutboundWebhook:
    """The outbox's "webhook" target: POST, signed; 2xx delivered, 429/5xx retried, other 4xx parked."""

    def __init__(self, *, url: str, secret: str, load: Callable[[str], Handoff],
                 now: Callable[[], float] = time.time) -> None:
        self._url = url
        self._secret = secret
        self._load = load
        self._now = now

    async def deliver(self, event: ev.Event, key: str) -> None:
        if type(event) not in TYPES:
            return
        handoff = await asyncio.to_thread(self._load, event.handoff_id)
        body = json.dumps(payload(event, key, handoff), separators=(",", ":")).encode()
        ts = str(int(self._now()))
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Baton-Timestamp": ts,
                   "X-Baton-Signature": sign(self._secret, ts, body), "X-Baton-Event-Id": key}
        try:
            # A session per delivery: webhooks are few (a handful per handoff) and nothing leaks.
            async with aiohttp.ClientSession(timeout=TIMEOUT) as http, \
                    http.post(self._url, data=body, headers=headers) as response:
                await self._settle(response)
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise RetryLater(5.0, f"webhook receiver unreachable: {type(exc).__name__}") from exc

    async def _settle(self, response: aiohttp.ClientResponse) -> None:
        if 200 <= response.status < 300:
            return
        text = (await response.text())[:200]
        if response.status == 429 or response.status >= 500 or response.status == 408:
            wait = _retry_after(response.headers.get("Retry-After"))
            raise RetryLater(wait, f"webhook receiver answered {response.status}: {text}")
        raise Undeliverable(f"webhook receiver refused with {response.status}: {text}")


def _retry_after(value: str | None) -> float:
    try:
        return max(1.0, float(value)) if value else 5.0
    except ValueError:
        return 5.0
