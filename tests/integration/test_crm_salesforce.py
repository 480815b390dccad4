"""Salesforce both ways against a strict fake: Outbound Messages in (Ack only once recorded), the
Account owner written back on Accept, expired sessions and API limits survived."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Baton, bootstrap
from bot.crm.fakes.salesforce import SalesforceState, build_fake_salesforce
from bot.settings import Settings
from core.machine import Status
from tests.fakes import FrozenClock
from tests.integration.crm_world import COMPLETE, accept, app_without_background_dispatch
from tests.integration.test_deal_webhook import REPO

ORG = "00D5e000000AbCdEAK"
OPP, ACCOUNT = "0065e00000AbCdEAAZ", "0015e00000AbCdEAAZ"
AE_ID, CSM_ID, OTHER_ID = "0055e00000AeAeAAAA", "0055e00000CsCsAAAA", "0055e00000OtOtAAAA"


def outbound(*notes: tuple[str, str], org: str = ORG) -> bytes:
    body = "".join(
        f"<Notification><Id>{nid}</Id><sObject xsi:type=\"sf:Opportunity\" "
        f"xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\"><sf:Id>{OPP}</sf:Id>"
        f"<sf:StageName>{stage}</sf:StageName><sf:AccountId>{ACCOUNT}</sf:AccountId></sObject></Notification>"
        for nid, stage in notes)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org}</OrganizationId><ActionId>04k5e000000AbCdAAK</ActionId>"
        '<SessionId xsi:nil="true"/><EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/60.0</EnterpriseUrl>'
        f"{body}</notifications></soapenv:Body></soapenv:Envelope>").encode()


@dataclass
class World:
    client: TestClient[Any, Any]
    baton: Baton
    sf: SalesforceState
    clock: FrozenClock

    async def post(self, body: bytes) -> tuple[int, str]:
        r = await self.client.post("/webhooks/salesforce", data=body, headers={"Content-Type": "text/xml"})
        return r.status, await r.text()

    async def drain(self, rounds: int = 20) -> None:
        assert self.baton.dispatcher is not None
        for _ in range(rounds):
            await self.baton.dispatcher.drain_once()
            self.clock.advance(seconds=61)

    def handoff(self) -> Any:
        found = [h for h in self.baton.service.find(text="Northwind", limit=10) if h.deal.id == OPP]
        assert len(found) <= 1
        return found[0] if found else None


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    sf = SalesforceState(client_id="3MVG9-client", client_secret="sf-secret-not-real")
    sf.users = {AE_ID: {"Email": "sam.rep@example.com", "IsActive": True},
                CSM_ID: {"Email": "ana.silva@example.com", "IsActive": True},
                OTHER_ID: {"Email": "rita@example.com", "IsActive": True}}
    sf.accounts[ACCOUNT] = {"Name": "Northwind", "OwnerId": AE_ID}
    sf.opportunities[OPP] = {"Id": OPP, "Name": "Northwind platform", "StageName": "Closed Won", "Amount": 18000,
                             "CloseDate": "2026-11-02", "AccountId": ACCOUNT, "OwnerId": AE_ID}
    sf.contact_roles[OPP] = [{"Role": "Economic Buyer", "IsPrimary": True, "Contact": {
        "FirstName": "Priya", "LastName": "Natarajan", "Email": "priya@northwind.example", "Title": "COO"}}]
    async with TestServer(build_fake_salesforce(sf)) as fake:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'baton.db'}", config_path=REPO / "app.yaml",
            salesforce_org_id=ORG, salesforce_login_url=str(fake.make_url("")),
            salesforce_client_id="3MVG9-client", salesforce_client_secret="sf-secret-not-real",  # type: ignore[arg-type]
        )
        clock = FrozenClock()
        baton = bootstrap(settings, clock=clock)
        assert baton.dispatcher is not None
        baton.dispatcher.backoff = lambda attempt: 1.0
        async with TestClient(TestServer(app_without_background_dispatch(baton))) as client:
            yield World(client, baton, sf, clock)


async def test_a_closed_won_notification_is_acked_and_opens_one_handoff(world: World) -> None:
    status, text = await world.post(outbound(("04l1", "Closed Won")))
    assert status == 200 and "<Ack>true</Ack>" in text
    await world.post(outbound(("04l1", "Closed Won")))  # redelivered: no Ack came through in time
    await world.drain()
    handoff = world.handoff()
    assert handoff.ae.email == "sam.rep@example.com" and handoff.deal.account == "Northwind"
    assert "Priya Natarajan" in handoff.packet.get("stakeholders", "")


async def test_another_org_and_unsafe_xml_are_refused(world: World) -> None:
    status, text = await world.post(outbound(("04l1", "Closed Won"), org="00D000000000001AAA"))
    assert status == 403 and "OrganizationId" in text
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    status, text = await world.post(bomb)
    assert status == 400 and "DTD" in text


async def test_accept_writes_the_account_owner_once_through_an_expired_session_and_limits(world: World) -> None:
    await world.post(outbound(("04l1", "Closed Won")))
    await world.drain()
    handoff = world.handoff()
    from core.commands import SaveDraft
    from core.people import Actor
    values = {k: v for k, v in COMPLETE.items() if k in {f.id for f in world.baton.playbook.fields}}
    world.baton.service.save_draft(SaveDraft(handoff.id, Actor("U_AE", handoff.ae.email), values))
    world.sf.expire_sessions()
    world.sf.limit = 3
    accept(world.baton, handoff.id)
    await world.drain()
    assert world.sf.accounts[ACCOUNT]["OwnerId"] == CSM_ID and len(world.sf.writes) == 1
    assert world.baton.service.get(handoff.id).audit[-1].action == "crm_owner_written"


async def test_an_owner_changed_in_salesforce_is_not_overwritten(world: World) -> None:
    await world.post(outbound(("04l1", "Closed Won")))
    await world.drain()
    handoff = world.handoff()
    from core.commands import SaveDraft
    from core.people import Actor
    values = {k: v for k, v in COMPLETE.items() if k in {f.id for f in world.baton.playbook.fields}}
    world.baton.service.save_draft(SaveDraft(handoff.id, Actor("U_AE", handoff.ae.email), values))
    world.sf.accounts[ACCOUNT]["OwnerId"] = OTHER_ID
    accept(world.baton, handoff.id)
    await world.drain()
    assert world.sf.accounts[ACCOUNT]["OwnerId"] == OTHER_ID and world.sf.writes == []
    assert world.baton.service.get(handoff.id).audit[-1].action == "crm_owner_changed"


async def test_redelivered_and_reordered_notifications_follow_the_current_stage(world: World) -> None:
    await world.post(outbound(("04l1", "Closed Won")))
    await world.drain()
    world.sf.opportunities[OPP]["StageName"] = "Closed Lost"
    await world.post(outbound(("04l2", "Closed Lost")))
    await world.post(outbound(("04l2", "Closed Lost")))  # redelivered
    await world.drain()
    assert world.handoff().status is Status.ON_HOLD
    world.sf.opportunities[OPP]["StageName"] = "Closed Won"
    await world.post(outbound(("04l3", "Closed Won"), ("04l0", "Closed Lost")))  # a stale one, late
    await world.drain()
    handoff = world.handoff()
    assert handoff.status is Status.DRAFTING and [a.action for a in handoff.audit].count("hold") == 1


async def test_crm_check_names_a_prefill_field_salesforce_does_not_have(world: World, tmp_path: Path) -> None:
    from bot.config import load_playbook
    from bot.crm.check import check_crm

    config = tmp_path / "sf.yaml"
    config.write_text((REPO / "app.yaml").read_text() + "\ncrm:\n  salesforce:\n    prefill:\n"
                      "      success_metrics: Success_Criteria__c\n")
    lines: list[str] = []
    code = await check_crm(world.baton.settings, load_playbook(config), deal_id=OPP, owner_email=None,
                           say=lines.append)
    assert code == 1
    assert any("INVALID_FIELD" in line and "Success_Criteria__c" in line for line in lines)
    assert any(line.startswith("ok  Salesforce user ana.silva@example.com") for line in lines)
    assert not any("sf-secret-not-real" in line for line in lines)
