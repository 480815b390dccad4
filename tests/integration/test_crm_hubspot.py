"""HubSpot both ways against a strict fake HubSpot: signed webhook batches in, the company owner
written back when the CSM accepts, exactly once, and never over an owner someone changed."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session

from bot.bootstrap import Baton, bootstrap
from bot.crm.fakes.hubspot import HubSpotState, build_fake_hubspot
from bot.crm.hubspot import signature_v3
from bot.settings import Settings
from core.machine import Status
from storage.outbox import Outbox
from tests.fakes import FrozenClock
from tests.integration.crm_world import COMPLETE, accept, app_without_background_dispatch
from tests.integration.test_deal_webhook import REPO

CLIENT_SECRET = "hubspot-app-secret-not-real"
TOKEN = "pat-na1-not-a-real-token"
PUBLIC = "https://baton.example.com"
AE, CSM = "sam.rep@example.com", "ana.silva@example.com"


@dataclass
class World:
    client: TestClient[Any, Any]
    baton: Baton
    hubspot: HubSpotState
    clock: FrozenClock

    async def post(self, events: list[dict[str, Any]], *, age_ms: int = 0, secret: str = CLIENT_SECRET,
                   ) -> tuple[int, dict[str, Any]]:
        body = json.dumps(events).encode()
        ts = str(int(time.time() * 1000) - age_ms)
        sig = signature_v3(secret, method="POST", uri=f"{PUBLIC}/webhooks/hubspot", body=body, timestamp=ts)
        response = await self.client.post("/webhooks/hubspot", data=body, headers={
            "Content-Type": "application/json", "X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": ts})
        return response.status, await response.json()

    async def drain(self, rounds: int = 30) -> None:
        assert self.baton.dispatcher is not None
        for _ in range(rounds):
            await self.baton.dispatcher.drain_once()
            self.clock.advance(seconds=15)  # past HubSpot's ten-second window and any backoff

    def handoff_of(self, deal_id: str) -> Any:
        found = [h for h in self.baton.service.find(text="Northwind", limit=10) if h.deal.id == deal_id]
        assert len(found) <= 1
        return found[0] if found else None

    def dead(self) -> list[str]:
        from sqlalchemy import select

        from storage.tables import OUTBOX
        with Session(self.baton.engine) as s:
            return [r.last_error for r in s.execute(select(OUTBOX).where(OUTBOX.c.status == "dead"))]


def stage_event(event_id: int, stage: str = "closedwon", deal: int = 9001) -> dict[str, Any]:
    return {"eventId": event_id, "subscriptionId": 42, "portalId": 62515, "appId": 1001,
            "occurredAt": 1764920000000 + event_id, "subscriptionType": "deal.propertyChange",
            "attemptNumber": 0, "objectId": deal, "changeSource": "CRM", "propertyName": "dealstage",
            "propertyValue": stage}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    hubspot = HubSpotState(token=TOKEN)
    hubspot.add_owner("101", AE)
    hubspot.add_owner("301", "rita.revops@example.com")
    hubspot.add_owner("201", CSM)
    hubspot.deals["9001"] = {"dealname": "Northwind platform", "amount": "18000", "dealstage": "closedwon",
                             "closedate": "2026-11-02T13:00:00Z", "hubspot_owner_id": "101",
                             "deal_currency_code": "EUR", "success_criteria": "Order entry under 2 minutes."}
    hubspot.deal_companies["9001"] = ["5001"]
    hubspot.deal_contacts["9001"] = ["7001"]
    hubspot.companies["5001"] = {"name": "Northwind", "hubspot_owner_id": "101"}
    hubspot.contacts["7001"] = {"firstname": "Priya", "lastname": "Natarajan", "email": "priya@northwind.example",
                                "jobtitle": "COO"}
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text() + (
        "\ncrm:\n  hubspot:\n    prefill:\n      success_metrics: success_criteria\n      kickoff_date: kickoff\n"
        "    status_property: baton_handoff_status\n"))
    async with TestServer(build_fake_hubspot(hubspot)) as fake:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'baton.db'}", config_path=config, public_url=PUBLIC,
            hubspot_client_secret=CLIENT_SECRET, hubspot_access_token=TOKEN,  # type: ignore[arg-type]
            hubspot_api_url=str(fake.make_url("")),
        )
        clock = FrozenClock()
        baton = bootstrap(settings, clock=clock)
        assert baton.dispatcher is not None
        baton.dispatcher.backoff = lambda attempt: 1.0
        async with TestClient(TestServer(app_without_background_dispatch(baton))) as client:
            yield World(client, baton, hubspot, clock)


async def test_a_mixed_batch_opens_one_handoff_from_what_hubspot_knows(world: World) -> None:
    batch = [stage_event(1), {**stage_event(2), "propertyName": "amount", "propertyValue": "19000"},
             {"eventId": 3, "subscriptionType": "contact.creation", "objectId": 7001, "portalId": 62515}]
    status, answer = await world.post(batch)
    assert status == 200 and answer == {"ok": True, "received": 3, "recorded": 1, "duplicates": 0, "skipped": 2}
    await world.drain()
    handoff = world.handoff_of("9001")
    assert handoff.ae.email == AE and handoff.deal.account == "Northwind" and handoff.deal.currency == "EUR"
    assert handoff.packet["success_metrics"] == "Order entry under 2 minutes."  # prefilled from the CRM
    assert "Priya Natarajan" in handoff.packet.get("stakeholders", "")


async def test_a_crm_value_that_fails_the_field_rules_is_left_out_and_listed(world: World) -> None:
    world.hubspot.deals["9001"]["kickoff"] = "next Tuesday-ish"
    await world.post([stage_event(1)])
    await world.drain()
    handoff = world.handoff_of("9001")
    assert "kickoff_date" not in handoff.packet and handoff.packet["success_metrics"]
    listed = next(a for a in world.baton.service.get(handoff.id).audit if a.action == "crm_prefill_ignored")
    assert set(listed.detail) == {"kickoff_date"}


async def test_redelivery_and_reordering_make_one_handoff(world: World) -> None:
    await world.post([stage_event(2), stage_event(1)])
    status, again = await world.post([stage_event(1), stage_event(2)])
    assert status == 200 and again["duplicates"] == 2 and again["recorded"] == 0
    await world.drain()
    assert len([h for h in world.baton.service.find(text="Northwind") if h.deal.id == "9001"]) == 1


async def test_a_late_lost_event_does_not_undo_the_current_won_stage(world: World) -> None:
    await world.post([stage_event(1)])
    await world.drain()
    await world.post([stage_event(0, "closedlost")])  # older, delivered late: the deal is Closed Won now
    await world.drain()
    assert world.handoff_of("9001").status is Status.OPENED


async def test_stage_changes_of_deals_baton_never_opened_cost_no_api_call(world: World) -> None:
    await world.post([stage_event(5, "appointmentscheduled", deal=4242)])
    await world.drain()
    assert world.hubspot.calls == []


@pytest.mark.parametrize(("age_ms", "secret", "why"), [
    (0, "someone-else", "signature does not match"),
    (6 * 60 * 1000, CLIENT_SECRET, "older than 5 minutes"),
])
async def test_bad_and_stale_signatures_are_refused(world: World, age_ms: int, secret: str, why: str) -> None:
    status, answer = await world.post([stage_event(1)], age_ms=age_ms, secret=secret)
    assert status == 401 and why in answer["error"]


async def test_a_batch_over_100_events_is_refused(world: World) -> None:
    status, answer = await world.post([stage_event(i) for i in range(101)])
    assert status == 413 and "100" in answer["error"]


async def test_accept_writes_the_csm_as_company_owner_exactly_once(world: World) -> None:
    await world.post([stage_event(1)])
    await world.drain()
    handoff = world.handoff_of("9001")
    _fill(world, handoff.id)
    calls_before = len(world.hubspot.calls)
    accept(world.baton, handoff.id)
    await world.drain()
    assert world.hubspot.companies["5001"]["hubspot_owner_id"] == "201"
    assert world.hubspot.companies["5001"]["baton_handoff_status"] == "accepted"
    assert len(world.hubspot.writes) == 1
    # Open read the deal, its owner, company and contact (4); the write re-reads the company, looks
    # the CSM up among owners and PATCHes (3): seven HubSpot calls per handoff with one contact.
    assert calls_before == 4 and len(world.hubspot.calls) - calls_before == 3
    audit = [a.action for a in world.baton.service.get(handoff.id).audit]
    assert audit[-1] == "crm_owner_written"


async def test_a_crash_mid_write_still_writes_once(world: World) -> None:
    await world.post([stage_event(1)])
    await world.drain()
    handoff = world.handoff_of("9001")
    _fill(world, handoff.id)
    world.hubspot.fail_after_write = 1
    accept(world.baton, handoff.id)
    await world.drain()
    assert world.hubspot.companies["5001"]["hubspot_owner_id"] == "201" and len(world.hubspot.writes) == 1
    assert [a.action for a in world.baton.service.get(handoff.id).audit].count("crm_owner_written") == 1


async def test_a_429_storm_is_waited_out(world: World) -> None:
    world.hubspot.storm = 25
    await world.post([stage_event(1)])
    await world.drain(rounds=60)
    handoff = world.handoff_of("9001")
    _fill(world, handoff.id)
    world.hubspot.storm = 25
    accept(world.baton, handoff.id)
    await world.drain(rounds=60)
    assert world.hubspot.companies["5001"]["hubspot_owner_id"] == "201" and not world.dead()


async def test_an_owner_changed_meanwhile_is_not_overwritten_and_revops_is_told(world: World) -> None:
    await world.post([stage_event(1)])
    await world.drain()
    handoff = world.handoff_of("9001")
    _fill(world, handoff.id)
    world.hubspot.companies["5001"]["hubspot_owner_id"] = "301"  # someone reassigned it in HubSpot
    accept(world.baton, handoff.id)
    await world.drain()
    assert world.hubspot.companies["5001"]["hubspot_owner_id"] == "301" and world.hubspot.writes == []
    last = world.baton.service.get(handoff.id).audit[-1]
    assert last.action == "crm_owner_changed" and "did not overwrite" in last.detail["message"]
    with Session(world.baton.engine) as s:
        kinds = [m.kind for m in Outbox(s).pending(500, world.clock.now() + __import__("datetime").timedelta(days=1))]
    assert "CrmNoted" in kinds  # the managers' channel hears it (when chat is configured)


async def test_a_csm_without_a_hubspot_user_is_reported(world: World) -> None:
    world.hubspot.owners = [o for o in world.hubspot.owners if o["email"] != CSM]
    await world.post([stage_event(1)])
    await world.drain()
    handoff = world.handoff_of("9001")
    _fill(world, handoff.id)
    accept(world.baton, handoff.id)
    await world.drain()
    assert world.hubspot.writes == []
    assert world.baton.service.get(handoff.id).audit[-1].action == "crm_owner_missing"


async def test_a_lost_deal_holds_and_a_rewon_deal_resumes_the_same_handoff(world: World) -> None:
    await world.post([stage_event(1)])
    await world.drain()
    first = world.handoff_of("9001")
    world.hubspot.deals["9001"]["dealstage"] = "closedlost"
    await world.post([stage_event(2, "closedlost")])
    await world.drain()
    assert world.baton.service.get(first.id).status is Status.ON_HOLD
    assert world.baton.sla.plan(world.baton.service.get(first.id)) == []
    world.hubspot.deals["9001"]["dealstage"] = "closedwon"
    await world.post([stage_event(3, "closedwon")])
    await world.drain()
    resumed = world.baton.service.get(first.id)
    assert resumed.status is Status.DRAFTING and resumed.packet["success_metrics"] == "Order entry under 2 minutes."


def _fill(world: World, handoff_id: str) -> None:
    from core.commands import SaveDraft
    from core.people import Actor

    handoff = world.baton.service.get(handoff_id)
    values = {k: v for k, v in COMPLETE.items() if k in {f.id for f in world.baton.playbook.fields}}
    world.baton.service.save_draft(SaveDraft(handoff_id, Actor("U_AE", handoff.ae.email), values))
