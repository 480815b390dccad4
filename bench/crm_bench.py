"""Time from the CSM's Accept to the owner written in a (fake) HubSpot, through the real outbox.

    python bench/crm_bench.py [--handoffs 50] [--crm hubspot|salesforce]

Starts the strict fake HubSpot and a Baton on a temporary SQLite file with its dispatcher running
as `baton serve` runs it (real clock), opens N handoffs through signed HubSpot webhooks, then
accepts them one after another and measures, per handoff, from the accept call returning to the
PATCH landing in the fake. Also counts CRM calls per handoff. Prints p50/p99. With `--crm salesforce`
the same through Outbound Messages and the fake Salesforce.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import bootstrap
from bot.crm.fakes.hubspot import HubSpotState, build_fake_hubspot
from bot.crm.hubspot import signature_v3
from bot.http_server import build_app
from bot.settings import Settings
from core.commands import AcceptHandoff, OpenHandoff, SaveDraft, SubmitPacket  # noqa: F401
from core.people import Actor

SECRET, TOKEN, PUBLIC = "bench-secret", "bench-token", "https://baton.example.com"
REPO = Path(__file__).resolve().parents[1]
PACKET = {
    "customer_goals": "Consolidate order systems.", "why_they_bought": "EU data residency.",
    "success_metrics": "Order entry under 2 minutes.", "kickoff_date": "2026-11-09", "go_live_date": "2027-03-31",
    "promises": "Two admin trainings.", "implementation_contact_name": "Priya Natarajan",
    "implementation_contact_email": "priya@northwind.example", "risks": "Change freeze.",
    "billing_confirmed": True, "contract_signed": True,
}


async def run(n: int) -> None:
    hubspot = HubSpotState(token=TOKEN, max_per_interval=10_000)
    hubspot.add_owner("101", "sam.rep@example.com")
    for i, email in enumerate(["ana.silva@example.com", "ben.okafor@example.com", "chloe.martin@example.com"]):
        hubspot.add_owner(str(201 + i), email)
    for i in range(n):
        deal, company = str(9000 + i), str(5000 + i)
        hubspot.deals[deal] = {"dealname": f"Bench deal {i}", "amount": "18000", "dealstage": "closedwon",
                               "closedate": "2026-11-02T13:00:00Z", "hubspot_owner_id": "101"}
        hubspot.deal_companies[deal] = [company]
        hubspot.companies[company] = {"name": f"Bench {i}", "hubspot_owner_id": "101"}
    with tempfile.TemporaryDirectory() as tmp:
        async with TestServer(build_fake_hubspot(hubspot)) as fake:
            settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", config_path=REPO / "app.yaml",
                                public_url=PUBLIC, hubspot_client_secret=SECRET,  # type: ignore[arg-type]
                                hubspot_access_token=TOKEN,  # type: ignore[arg-type]
                                hubspot_api_url=str(fake.make_url("")))
            baton = bootstrap(settings)
            async with TestClient(TestServer(build_app(baton))) as client:
                events = [{"eventId": i, "subscriptionType": "deal.propertyChange", "objectId": 9000 + i,
                           "propertyName": "dealstage", "propertyValue": "closedwon"} for i in range(n)]
                acks = []
                for start in range(0, n, 100):
                    body = json.dumps(events[start:start + 100]).encode()
                    ts = str(int(time.time() * 1000))
                    sig = signature_v3(SECRET, method="POST", uri=f"{PUBLIC}/webhooks/hubspot", body=body,
                                       timestamp=ts)
                    sent = time.perf_counter()
                    r = await client.post("/webhooks/hubspot", data=body, headers={
                        "X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": ts})
                    assert r.status == 200, await r.text()
                    acks.append((time.perf_counter() - sent) * 1000)
                handoffs = await _wait_for_handoffs(baton, n)
                open_calls = len(hubspot.calls)
                latencies = []
                for h in handoffs:
                    await asyncio.to_thread(baton.service.save_draft, SaveDraft(h.id, Actor("U_AE", h.ae.email),
                                                                                dict(PACKET)))
                    await asyncio.to_thread(baton.service.submit, SubmitPacket(h.id, Actor("U_AE", h.ae.email)))
                    await asyncio.to_thread(baton.service.accept, AcceptHandoff(h.id, Actor("U_CSM", h.csm.email)))
                    accepted = time.perf_counter()
                    assert baton.dispatcher is not None
                    baton.dispatcher.wake()
                    company = str(5000 + int(h.deal.id) - 9000)
                    while company not in hubspot.written_at:
                        await asyncio.sleep(0.001)
                    latencies.append((hubspot.written_at[company] - accepted) * 1000)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"webhook batches of up to 100 events answered in {max(acks):.0f} ms at most")
    print(f"handoffs: {n}; HubSpot calls per handoff: open {open_calls / n:.1f}, "
          f"write {(len(hubspot.calls) - open_calls) / n:.1f}")
    print(f"accept -> owner written in the fake HubSpot: p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")


async def _wait_for_handoffs(baton: object, n: int) -> list:  # type: ignore[type-arg]
    from bot.bootstrap import Baton
    assert isinstance(baton, Baton)
    for _ in range(3000):
        found = await asyncio.to_thread(baton.service.find, text="Bench", limit=n + 10)
        if len(found) >= n:
            return found
        await asyncio.sleep(0.01)
    raise TimeoutError("handoffs did not open")


async def run_salesforce(n: int) -> None:
    from bot.crm.fakes.salesforce import SalesforceState, build_fake_salesforce

    org = "00D5e000000AbCdEAK"
    sf = SalesforceState(client_id="bench-id", client_secret="bench-secret")
    sf.users = {"0055e00000AeAeAAAA": {"Email": "sam.rep@example.com", "IsActive": True}}
    for i, email in enumerate(["ana.silva@example.com", "ben.okafor@example.com", "chloe.martin@example.com"]):
        sf.users[f"0055e00000Cs{i:04d}AA"] = {"Email": email, "IsActive": True}
    for i in range(n):
        opp, acc = f"0065e0000{i:07d}AA", f"0015e0000{i:07d}AA"
        sf.accounts[acc] = {"Name": f"Bench {i}", "OwnerId": "0055e00000AeAeAAAA"}
        sf.opportunities[opp] = {"Id": opp, "Name": f"Bench deal {i}", "StageName": "Closed Won", "Amount": 18000,
                                 "CloseDate": "2026-11-02", "AccountId": acc, "OwnerId": "0055e00000AeAeAAAA"}
    written: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with TestServer(build_fake_salesforce(sf)) as fake:
            settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", config_path=REPO / "app.yaml",
                                salesforce_org_id=org, salesforce_login_url=str(fake.make_url("")),
                                salesforce_client_id="bench-id",
                                salesforce_client_secret="bench-secret")  # type: ignore[arg-type]
            baton = bootstrap(settings)
            async with TestClient(TestServer(build_app(baton))) as client:
                for i in range(n):
                    opp = f"0065e0000{i:07d}AA"
                    body = (f'<?xml version="1.0"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">'
                            f'<e:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
                            f"<OrganizationId>{org}</OrganizationId><Notification><Id>04l{i:015d}</Id>"
                            f'<sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{opp}</sf:Id>'
                            f"<sf:StageName>Closed Won</sf:StageName></sObject></Notification></notifications>"
                            f"</e:Body></e:Envelope>").encode()
                    r = await client.post("/webhooks/salesforce", data=body, headers={"Content-Type": "text/xml"})
                    assert r.status == 200, await r.text()
                handoffs = await _wait_for_handoffs(baton, n)
                open_calls = len(sf.calls)
                latencies = []
                for h in handoffs:
                    await asyncio.to_thread(baton.service.save_draft, SaveDraft(h.id, Actor("U_AE", h.ae.email),
                                                                                dict(PACKET)))
                    await asyncio.to_thread(baton.service.submit, SubmitPacket(h.id, Actor("U_AE", h.ae.email)))
                    await asyncio.to_thread(baton.service.accept, AcceptHandoff(h.id, Actor("U_CSM", h.csm.email)))
                    accepted = time.perf_counter()
                    assert baton.dispatcher is not None
                    baton.dispatcher.wake()
                    acc = sf.opportunities[h.deal.id]["AccountId"]
                    while sf.accounts[acc]["OwnerId"] == "0055e00000AeAeAAAA":
                        await asyncio.sleep(0.001)
                    written[acc] = time.perf_counter()
                    latencies.append((written[acc] - accepted) * 1000)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"handoffs: {n}; Salesforce calls per handoff: open {open_calls / n:.1f} (token included), "
          f"write {(len(sf.calls) - open_calls) / n:.1f}")
    print(f"accept -> owner written in the fake Salesforce: p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {p99:.1f} ms (polled every 1 ms), max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--handoffs", type=int, default=50)
    parser.add_argument("--crm", choices=["hubspot", "salesforce"], default="hubspot")
    args = parser.parse_args()
    asyncio.run(run(args.handoffs) if args.crm == "hubspot" else run_salesforce(args.handoffs))
