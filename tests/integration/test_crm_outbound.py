"""Signed outbound webhooks through the outbox, for any CRM: one per milestone, at least once,
independent of chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Baton, bootstrap
from bot.config import ConfigError
from bot.delivery import RetryLater
from bot.settings import Settings
from core.commands import CancelHandoff, EscalateHandoff, SubmitPacket
from core.events import Event
from core.people import Actor
from tests.fakes import FrozenClock
from tests.integration.crm_world import COMPLETE, Receiver, accept, app_without_background_dispatch
from tests.integration.test_deal_webhook import REPO, SECRET, deal_event, post

OUT_SECRET = "outbound-test-secret-not-real"
World = tuple[TestClient[Any, Any], Baton, Receiver]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    receiver = Receiver(OUT_SECRET)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    async with TestServer(app) as crm:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'baton.db'}", config_path=REPO / "app.yaml",
            deal_webhook_secret=SECRET,  # type: ignore[arg-type]
            outbound_webhook_url=str(crm.make_url("/hook")),
            outbound_webhook_secret=OUT_SECRET,  # type: ignore[arg-type]
        )
        baton = bootstrap(settings, clock=FrozenClock())
        assert baton.dispatcher is not None
        baton.dispatcher.backoff = lambda attempt: 0.0
        async with TestClient(TestServer(app_without_background_dispatch(baton))) as client:
            yield client, baton, receiver


async def drain(baton: Baton, rounds: int = 20) -> None:
    assert baton.dispatcher is not None
    clock = baton.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(rounds):
        await baton.dispatcher.drain_once()
        clock.advance(seconds=61)  # past any Retry-After the receiver asked for


async def test_each_milestone_is_posted_signed_with_an_event_id(world: World) -> None:
    client, baton, receiver = world
    _, opened = await post(client, deal_event("evt-1", fields=COMPLETE))
    hid = opened["handoff_id"]
    handoff = baton.service.get(hid)
    accept(baton, hid)
    await drain(baton)
    assert receiver.types() == ["handoff.opened", "handoff.packet_submitted", "handoff.accepted"]
    accepted = receiver.of("handoff.accepted")
    assert accepted["data"] == {"old_owner_email": "ana@example.com", "new_owner_email": handoff.csm.email}
    assert accepted["handoff"]["owner_email"] == handoff.csm.email and accepted["deal"]["id"] == "D-100"
    ids = [r["event_id"] for r in receiver.received]
    assert len(set(ids)) == 3 and all(i.endswith("@webhook") for i in ids)


async def test_escalation_cancellation_and_hold_are_posted_too(world: World) -> None:
    client, baton, receiver = world
    _, opened = await post(client, deal_event("evt-1", fields=COMPLETE))
    hid = opened["handoff_id"]
    handoff = baton.service.get(hid)
    baton.service.submit(SubmitPacket(hid, Actor("U_AE", handoff.ae.email)))
    baton.service.escalate(EscalateHandoff(hid, Actor("U_CSM", handoff.csm.email), reason="Who signs off?", fields=()))
    await post(client, deal_event("evt-2", stage="Closed Lost"))
    baton.service.cancel(CancelHandoff(hid, Actor.system("revops"), reason="Customer walked away"))
    await drain(baton)
    assert receiver.types()[-3:] == ["handoff.escalated", "handoff.on_hold", "handoff.cancelled"]
    assert receiver.of("handoff.escalated")["data"]["reason"] == "Who signs off?"
    assert receiver.of("handoff.cancelled")["data"] == {"reason": "Customer walked away"}


async def test_a_receiver_outage_is_retried_and_delivered_at_least_once(world: World) -> None:
    client, baton, receiver = world
    receiver.fail_next = [503, 429, 500]
    await post(client, deal_event("evt-1"))
    await drain(baton)
    assert receiver.refused == 3 and receiver.types() == ["handoff.opened"]


async def test_a_chat_outage_does_not_hold_the_webhook(world: World) -> None:
    client, baton, receiver = world
    chat_attempts: list[str] = []

    async def chat_down(event: Event, key: str) -> None:
        chat_attempts.append(key)
        raise RetryLater(0.0, "Slack is down")

    assert baton.dispatcher is not None
    baton.dispatcher.register("chat", chat_down)
    _, opened = await post(client, deal_event("evt-1", fields=COMPLETE))
    accept(baton, opened["handoff_id"])
    await drain(baton)
    assert receiver.types() == ["handoff.opened", "handoff.packet_submitted", "handoff.accepted"]
    assert chat_attempts and all(k == chat_attempts[0] for k in chat_attempts), "chat stays on its first message"


def test_an_outbound_url_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", config_path=REPO / "app.yaml",
                        outbound_webhook_url="https://hooks.example.com/baton")
    with pytest.raises(ConfigError, match="BATON_OUTBOUND_WEBHOOK_SECRET"):
        bootstrap(settings, clock=FrozenClock())

