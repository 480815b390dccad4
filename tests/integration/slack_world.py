"""A whole Slack world for integration tests: the simulator, a real `baton` HTTP server wired
to it through SLACK_API_URL, and people who click, type and submit through signed requests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from bot.bootstrap import Baton, bootstrap
from bot.config import load_playbook
from bot.dispatcher import Deliver, OutboxDispatcher
from bot.http_server import build_app
from bot.settings import Settings
from bot.slack import ids
from bot.slack.ratelimit import SlackRateLimiter
from bot.slack.simulator.driver import SlackPeople
from bot.slack.simulator.simulator import Call, SlackSimulator
from bot.teams.config import TeamsConfig
from bot.webhook_signing import sign
from core.events import Event
from core.playbook import Playbook, Roles
from storage.chat_refs import ChatRefs

REPO = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "slack-signing-secret-for-tests"
WEBHOOK_SECRET = "deal-webhook-secret-for-tests"
# Web API methods that only read; everything else Baton calls changes what someone sees.
READS = frozenset({"auth.test", "users.info", "users.lookupByEmail", "conversations.list", "conversations.info",
                   "usergroups.users.list", "usergroups.list", "files.list", "files.info"})
UNLIMITED = 1000.0  # Baton's limiter speed when the simulator enforces no limits
FAST = 60.0  # Slack's rate windows in tests: a minute lasts a second (real time only for `slow` tests)


class ShiftedClock:
    """Real time plus an offset the test moves forward: due times pass without sleeping, and
    retries scheduled a second ahead still come due."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


class SlackWorld:
    def __init__(self, sim: SlackSimulator, baton: Baton, people: SlackPeople, server: TestServer,
                 clock: ShiftedClock) -> None:
        self.sim, self.baton, self.people, self.server, self.clock = sim, baton, people, server, clock
        ws = sim.workspace
        self.ae = next(u.id for u in ws.users.values() if u.email == "ana.ortiz@example.com")
        self.csm = next(u.id for u in ws.users.values() if u.email == "dev.patel@example.com")
        self.other_csm = next(u.id for u in ws.users.values() if u.email == "emma.jones@example.com")
        self.manager = next(u.id for u in ws.users.values() if u.email == "maria.gomez@example.com")
        self.cs_manager = next(u.id for u in ws.users.values() if u.email == "liam.chen@example.com")

    @property
    def dispatcher(self) -> OutboxDispatcher:
        assert self.baton.slack is not None
        return self.baton.slack.dispatcher

    async def deliver(self) -> None:
        """Let the dispatcher deliver everything committed so far."""
        assert self.baton.slack is not None
        await self.baton.slack.dispatcher.drain(timeout=60)

    async def settle(self, condition: Any, *, timeout: float = 10.0) -> None:
        """Wait until `condition()` holds: listeners finish their work after Slack has its ack."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("waited in vain for a listener to finish")
            await asyncio.sleep(0.02)

    async def open_modal(self, user: str, action_id: str, **where: Any) -> dict[str, Any]:
        """Click a button that opens a modal and wait for Baton's views.open to land."""
        before = self.people.top_view(user)
        answer = await self.people.click(user, action_id, **where)
        assert answer.status == 200, answer.body

        def opened() -> bool:
            view = self.people.top_view(user)
            return view is not None and (before is None or view["id"] != before["id"]
                                         or view["hash"] != before["hash"])

        await self.settle(opened)
        view = self.people.top_view(user)
        assert view is not None
        return view

    async def modal_shown(self, user: str, callback_id: str) -> dict[str, Any]:
        """Wait for the modal Baton opens after acking (a slash command's, say) and return it."""
        def shown() -> bool:
            view = self.people.top_view(user)
            return view is not None and view["callback_id"] == callback_id

        await self.settle(shown)
        view = self.people.top_view(user)
        assert view is not None
        return view

    async def fill_packet(self, steps: list[dict[str, Any]], *, action_id: str = ids.FILL_PACKET) -> None:
        """The AE opens the packet and submits one step after another with these values."""
        await self.open_modal(self.ae, action_id)
        for values in steps:
            answer = await self.people.submit(self.ae, values)
            assert answer.status == 200 and not answer.errors, answer.body

    def card(self, handoff_id: str) -> dict[str, Any]:
        refs = self.baton_refs(handoff_id)
        return next(m for m in self.sim.messages(refs["slack.channel"]) if m["ts"] == refs["slack.card_ts"])

    @contextmanager
    def deliveries_held(self) -> Iterator[None]:
        """The dispatcher claims but sends nothing until the block ends (to see what listeners
        themselves write to Slack)."""
        assert self.baton.slack is not None
        dispatcher = self.baton.slack.dispatcher
        original: Deliver = dispatcher._deliver
        gate = asyncio.Event()

        async def held(event: Event, key: str) -> None:
            await gate.wait()
            await original(event, key)

        dispatcher._deliver = held
        try:
            yield
        finally:
            dispatcher._deliver = original
            gate.set()

    def writes(self, since: int = 0) -> list[Call]:
        """The calls that changed something in Slack, from `sim.calls[since]` on."""
        return [c for c in self.sim.calls[since:] if c.method not in READS]

    async def close_deal(self, *, deal_id: str = "006-NW-2291", amount: int = 60000, event_id: str = "evt-1",
                         account: str = "Northwind Traders", **extra: Any) -> tuple[int, dict[str, Any]]:
        deal = {"id": deal_id, "name": "Platform expansion", "account": account, "amount": amount,
                "currency": "USD", "stage": "Closed Won", "closed_at": "2026-11-02T15:00:00Z",
                "ae_email": "ana.ortiz@example.com", "csm_email": "dev.patel@example.com", "segment": None,
                "crm_url": f"https://crm.example.com/deals/{deal_id}", "fields": {"contract_signed": True}}
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
        return ChatRefs(self.baton.engine).all(handoff_id)

    def dm(self, user: str) -> list[dict[str, Any]]:
        return self.sim.ims(user)

    def texts(self, messages: list[dict[str, Any]]) -> list[str]:
        return [json.dumps(m.get("blocks") or []) + m.get("text", "") for m in messages]


HYBRID_PACKET: list[dict[str, Any]] = [
    {"customer_goals": "Consolidate three regional order systems by Q2.",
     "why_they_bought": "EU data residency."},
    {"success_metrics": "Order entry under 2 minutes.", "kickoff_date": "2026-11-09", "go_live_date": "2027-03-31"},
    {"promises": "Two admin trainings; 12% discount on year one."},
    {"implementation_contact_name": "Priya Natarajan",
     "implementation_contact_email": "priya@northwind.example"},
    {"risks": "IT change freeze Dec 15 to Jan 10."},
    {"billing_confirmed": True},
]


def buttons(message: dict[str, Any]) -> set[str]:
    """The action ids of every button in a message's action rows."""
    return {element.get("action_id") for block in message.get("blocks") or [] if block.get("type") == "actions"
            for element in block.get("elements", [])}


def test_playbook() -> Playbook:
    """The shipped playbook, with managers who exist in the simulated workspace."""
    shipped = load_playbook(REPO / "app.yaml")
    roles = Roles(sales_managers=["maria.gomez@example.com"], cs_managers=["liam.chen@example.com"],
                  revops=["revops@example.com"])
    return shipped.model_copy(update={"roles": roles})


@asynccontextmanager
async def slack_world(tmp_path: Path, *, rate_limits: bool = True, time_scale: float = FAST,
                      database_url: str | None = None, retry_seconds: float | None = None,
                      limiter_speed: float | None = None, playbook: Playbook | None = None,
                      teams: TeamsConfig | None = None) -> AsyncIterator[SlackWorld]:
    """`time_scale` runs Slack's rate windows (and Baton's limiter) that much faster: by default
    60x, so tests do not wait out Slack's limits in real time (pass 1.0, and mark the test
    `slow`, to measure pacing at Slack's own speed);
    `limiter_speed` makes Baton's limiter believe otherwise; `retry_seconds` replaces the
    dispatcher's exponential backoff after a failure; `teams` serves Teams from the same Baton."""
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
    clock = ShiftedClock()
    baton = bootstrap(settings, playbook=playbook or test_playbook(), clock=clock, teams=teams)
    assert baton.slack is not None
    speed = limiter_speed or (time_scale if rate_limits else UNLIMITED)
    if speed != 1.0:
        baton.slack.caller.limiter = SlackRateLimiter(speed=speed)
    if retry_seconds is not None:
        baton.slack.dispatcher.backoff = lambda attempt: retry_seconds
    server = TestServer(build_app(baton, teams=baton.teams.endpoint if baton.teams else None))
    await server.start_server()
    try:
        async with SlackPeople(sim, url=str(server.make_url("/slack/events")), signing_secret=SIGNING_SECRET) as people:
            yield SlackWorld(sim, baton, people, server, clock)
    finally:
        await server.close()
        await sim.stop()
        baton.engine.dispose()
