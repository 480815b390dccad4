"""The deal changes its mind, through the signed /webhooks/deals route: hold, no nudges, resume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Baton, bootstrap
from bot.http_server import build_app
from bot.settings import Settings
from core.machine import Status
from tests.fakes import FrozenClock
from tests.integration.test_deal_webhook import REPO, SECRET, deal_event, post

World = tuple[TestClient[Any, Any], Baton, FrozenClock]


async def _world(tmp_path: Path, config: Path) -> AsyncIterator[World]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'baton.db'}", config_path=config,
        deal_webhook_secret=SECRET,  # type: ignore[arg-type]
    )
    clock = FrozenClock()
    baton = bootstrap(settings, clock=clock)
    async with TestClient(TestServer(build_app(baton))) as client:
        yield client, baton, clock


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(tmp_path, REPO / "app.yaml"):
        yield w


@pytest.fixture
async def cancelling(tmp_path: Path) -> AsyncIterator[World]:
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text() + "\ndeal_left_stage: cancel\n")
    async for w in _world(tmp_path, config):
        yield w


async def test_a_lost_deal_is_held_nobody_is_nudged_and_a_rewon_deal_resumes_intact(world: World) -> None:
    client, baton, clock = world
    fields = {"contract_signed": True, "customer_goals": "Cut onboarding time in half"}
    status, opened = await post(client, deal_event("evt-1", fields=fields))
    assert status == 202 and opened["created"] is True
    handoff_id = opened["handoff_id"]
    assert baton.sla.plan(baton.service.get(handoff_id)), "an open handoff has its packet timer"

    status, lost = await post(client, deal_event("evt-2", stage="Closed Lost", fields=fields))
    assert status == 202 and lost["outcome"] == "held" and lost["handoff_id"] == handoff_id
    held = baton.service.get(handoff_id)
    assert held.status is Status.ON_HOLD and baton.sla.plan(held) == []
    clock.advance(days=10)
    report = baton.sla.sweep()
    assert report.fired == 0 and report.breaches == 0, "a held handoff nudges nobody"

    status, rewon = await post(client, deal_event("evt-3", stage="closedwon", fields=fields))
    assert status == 202 and rewon["outcome"] == "resumed" and rewon["handoff_id"] == handoff_id
    resumed = baton.service.get(handoff_id)
    assert resumed.status is Status.DRAFTING
    assert resumed.packet["customer_goals"] == "Cut onboarding time in half" and resumed.packet["contract_signed"] is True
    timers = baton.sla.plan(resumed)
    assert timers and all(t.started_at == clock.now() for t in timers if t.timer == "packet_due")
    actions = [a.action for a in resumed.audit]
    assert actions[-2:] == ["hold", "resume"]


async def test_a_lost_deal_is_cancelled_with_a_note_when_the_playbook_says_so(cancelling: World) -> None:
    client, baton, _ = cancelling
    _, opened = await post(client, deal_event("evt-1"))
    status, lost = await post(client, deal_event("evt-2", stage="Closed Lost"))
    assert status == 202 and lost["outcome"] == "cancelled" and "Closed Lost" in lost["note"]
    cancelled = baton.service.get(opened["handoff_id"])
    assert cancelled.status is Status.CANCELLED and "Closed Lost" in cancelled.audit[-1].detail["reason"]


async def test_a_second_lost_event_keeps_it_on_hold_once(world: World) -> None:
    client, baton, _ = world
    _, opened = await post(client, deal_event("evt-1"))
    _, first = await post(client, deal_event("evt-9", stage="Closed Lost"))
    status, again = await post(client, deal_event("evt-10", stage="closed-lost"))
    assert first["outcome"] == "held" and status == 202 and again["note"] == "already on hold"
    assert [a.action for a in baton.service.get(opened["handoff_id"]).audit].count("hold") == 1


async def test_a_deal_never_seen_in_another_stage_is_ignored(world: World) -> None:
    client, _, _ = world
    status, answer = await post(client, deal_event("evt-1", stage="Negotiation"))
    assert status == 202 and "handoff_id" not in answer and "Negotiation" in answer["ignored"]
