"""A whole Slack world for integration tests: the simulator, a real `baton` HTTP server wired
to it through SLACK_API_URL, and people who click, type and submit through signed requests."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from bot.bootstrap import Baton, bootstrap
from bot.config import load_playbook
from bot.http_server import build_app
from bot.settings import Settings
from bot.slack.simulator.driver import SlackPeople
from bot.slack.simulator.simulator import SlackSimulator
from bot.webhook_signing import sign
from core.playbook import Playbook, Roles

REPO = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "slack-signing-secret-for-tests"
WEBHOOK_SECRET = "deal-webhook-secret-for-tests"


class SlackWorld:
    def __init__(self, sim: SlackSimulator, baton: Baton, people: SlackPeople, server: TestServer) -> None:
        self.sim, self.baton, self.people, self.server = sim, baton, people, server
        ws = sim.workspace
        self.ae = next(u.id for u in ws.users.values() if u.email == "ana.ortiz@example.com")
        self.csm = next(u.id for u in ws.users.values() if u.email == "dev.patel@example.com")
        self.other_csm = next(u.id for u in ws.users.values() if u.email == "emma.jones@example.com")
        self.manager = next(u.id for u in ws.users.values() if u.email == "maria.gomez@example.com")

    async def deliver(self) -> None:
        """Let the dispatcher deliver everything committed so far."""
        assert self.baton.slack is not None
        await self.baton.slack.dispatcher.drain(timeout=60)

    async def close_deal(self, *, deal_id: str = "006-NW-2291", amount: int = 60000, event_id: str = "evt-1",
                         account: str = "Northwind Traders", **extra: Any) -> tuple[int, dict[str, Any]]:
        deal = {"id": deal_id, "name": "Platform expansion", "account": account, "amount": amount,
                "currency": "USD", "stage": "Closed Won", "closed_at": "2026-11-02T15:00:00Z",
                "ae_email": "ana.ortiz@example.com", "csm_email": "dev.patel@example.com", "segment": None,
                "crm_url": "https://crm.example.com/deals/006-NW-2291", "fields": {"contract_signed": True}}
        deal.update(extra)
        body = json.dumps({"event_id": event_id, "deal": deal}).encode()
        ts = str(int(time.time()))
        async with self.people._session.post(  # type: ignore[union-attr]
            str(self.server.make_url("/webhooks/deals")), data=body,
            headers={"X-Baton-Timestamp": ts, "X-Baton-Signature": sign(WEBHOOK_SECRET, ts, body),
                     "Content-Type": "application/json"},
        ) as response:
            return response.status, await response.json()

    def channel_of(self, handoff_id: str) -> str:
        return self.baton_refs(handoff_id)["slack.channel"]

    def baton_refs(self, handoff_id: str) -> dict[str, str]:
        from storage.chat_refs import ChatRefs

        return ChatRefs(self.baton.engine).all(handoff_id)

    def dm(self, user: str) -> list[dict[str, Any]]:
        return self.sim.ims(user)

    def texts(self, messages: list[dict[str, Any]]) -> list[str]:
        return [json.dumps(m.get("blocks") or []) + m.get("text", "") for m in messages]


def test_playbook() -> Playbook:
    """The shipped playbook, with managers who exist in the simulated workspace."""
    shipped = load_playbook(REPO / "app.yaml")
    roles = Roles(sales_managers=["maria.gomez@example.com"], cs_managers=["liam.chen@example.com"],
                  revops=["revops@example.com"])
    return shipped.model_copy(update={"roles": roles})


@asynccontextmanager
async def slack_world(tmp_path: Path, *, rate_limits: bool = True, time_scale: float = 1.0,
                      database_url: str | None = None) -> AsyncIterator[SlackWorld]:
    sim = SlackSimulator(rate_limits=rate_limits, time_scale=time_scale)
    for name, email in [("ana", "ana.ortiz@example.com"), ("dev", "dev.patel@example.com"),
                        ("emma", "emma.jones@example.com"), ("maria", "maria.gomez@example.com"),
                        ("liam", "liam.chen@example.com"), ("rita", "revops@example.com")]:
        sim.add_user(name, email)
    sim.add_channel("revops", members=[])
    await sim.start()
    settings = Settings(
        database_url=database_url or f"sqlite:///{tmp_path / 'baton.db'}",
        slack_bot_token=sim.bot_token, slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        slack_api_url=sim.api_url, deal_webhook_secret=WEBHOOK_SECRET,  # type: ignore[arg-type]
    )
    baton = bootstrap(settings, playbook=test_playbook())
    server = TestServer(build_app(baton))
    await server.start_server()
    try:
        async with SlackPeople(sim, url=str(server.make_url("/slack/events")), signing_secret=SIGNING_SECRET) as people:
            yield SlackWorld(sim, baton, people, server)
    finally:
        await server.close()
        await sim.stop()
        baton.engine.dispose()
