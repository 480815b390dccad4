"""What the CRM tests share: a Baton on SQLite with the HTTP app, signed deal webhooks, a way to
fill, submit and accept a handoff the way the AE and CSM would, and a webhook receiver."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.bootstrap import Baton
from bot.webhook_signing import verify
from core.commands import AcceptHandoff, SubmitPacket
from core.people import Actor
from tests.integration.slack_world import HYBRID_PACKET

COMPLETE: dict[str, Any] = {k: v for step in HYBRID_PACKET for k, v in step.items()} | {"contract_signed": True}


def accept(baton: Baton, handoff_id: str) -> None:
    """The AE submits a complete packet and the CSM accepts: ownership flips."""
    handoff = baton.service.get(handoff_id)
    baton.service.submit(SubmitPacket(handoff_id, Actor("U_AE", handoff.ae.email)))
    baton.service.accept(AcceptHandoff(handoff_id, Actor("U_CSM", handoff.csm.email)))


@dataclass
class Receiver:
    """A Zapier-like endpoint: checks Baton's signature, can fail on purpose, records what it got."""

    secret: str
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before accepting
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        verify(self.secret, timestamp=request.headers.get("X-Baton-Timestamp"),
               signature=request.headers.get("X-Baton-Signature"), body=body,
               now=float(request.headers["X-Baton-Timestamp"]))
        if self.fail_next:
            self.refused += 1
            return web.json_response({"error": "busy"}, status=self.fail_next.pop(0), headers={"Retry-After": "0"})
        self.received.append(json.loads(body))
        self.arrived.set()
        return web.json_response({"ok": True})

    def types(self) -> list[str]:
        return [r["type"] for r in self.received]

    def of(self, kind: str) -> Mapping[str, Any]:
        return next(r for r in self.received if r["type"] == kind)


def app_without_background_dispatch(baton: Baton) -> web.Application:
    """The real HTTP app, minus its background dispatcher: the test drains the outbox itself,
    moving the frozen clock, which would otherwise expire the background task's leases mid-flight."""
    from bot.http_server import build_app

    dispatcher, baton.dispatcher = baton.dispatcher, None
    try:
        return build_app(baton)
    finally:
        baton.dispatcher = dispatcher
