"""`baton demo`: one whole handoff in Slack, from a closed deal to a flipped owner, no accounts.

Everything real runs: the HTTP server, the Bolt app, signed requests, the SQLite database,
the outbox dispatcher and slack_sdk's client. Only Slack itself is the in-process simulator,
and the people are the simulator's driver clicking and typing. What each person sees is
Slack's Block Kit rendered as text.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from aiohttp import ClientSession, web

from bot.bootstrap import Baton, bootstrap
from bot.config import PACKAGED_CONFIG, load_playbook
from bot.http_server import build_app
from bot.settings import Settings
from bot.slack import ids
from bot.slack.simulator import SlackSimulator, render_message, render_view
from bot.slack.simulator.driver import SlackPeople
from bot.webhook_signing import sign, verify
from core.machine import Status

SIGNING_SECRET = "demo-signing-secret"
WEBHOOK_SECRET = "demo-webhook-secret"
OUTBOUND_SECRET = "demo-outbound-secret"
PEOPLE = {"ana": ("ana.ortiz@example.com", "Ana Ortiz", "AE"), "dev": ("dev.patel@example.com", "Dev Patel", "CSM"),
          "maria": ("maria.gomez@example.com", "Maria Gomez", "sales manager"),
          "rita": ("revops@example.com", "Rita Okoye", "RevOps")}
DEAL = {"id": "006-NW-2291", "name": "Platform expansion", "account": "Northwind Traders", "amount": 60000,
        "currency": "USD", "stage": "Closed Won",
        "ae_email": "ana.ortiz@example.com", "csm_email": "dev.patel@example.com", "segment": None,
        "crm_url": "https://crm.example.com/deals/006-NW-2291", "fields": {"contract_signed": True}}


def packet_steps(today: date) -> list[dict[str, Any]]:
    """What Ana types in the first four steps (the fourth with a typo in the email)."""
    return [
        {"customer_goals": "Consolidate three regional order systems onto one platform by Q2.",
         "why_they_bought": "EU data residency; the incumbent could not offer it."},
        {"success_metrics": "Order entry under 2 minutes; 3 regions live within 4 months.",
         "kickoff_date": (today + timedelta(days=7)).isoformat(),
         "go_live_date": (today + timedelta(days=120)).isoformat()},
        {"promises": "Two admin trainings included; 12% discount on year one; SSO at no charge."},
        {"implementation_contact_name": "Priya Natarajan", "implementation_contact_email": "priya(at)northwind"},
    ]


def run_demo(out: TextIO) -> int:
    return asyncio.run(_demo(out))


class Show:
    """Prints scenes and what a person sees, indented under their name."""

    def __init__(self, out: TextIO, sim: SlackSimulator) -> None:
        self.out, self.sim = out, sim

    def scene(self, title: str) -> None:
        self.out.write(f"\n=== {title}\n")

    def note(self, text: str) -> None:
        self.out.write(f"  {text}\n")

    def sees(self, who: str, where: str, text: str) -> None:
        name, role = PEOPLE[who][1], PEOPLE[who][2]
        self.out.write(f"\n  {name} ({role}) sees {where}:\n")
        self.out.write(textwrap.indent(text.rstrip(), "    | ") + "\n")

    def message(self, who: str, where: str, message: dict[str, Any]) -> None:
        self.sees(who, where, render_message(message, users=self.sim.user_names()))

    def view(self, who: str, view: dict[str, Any] | None, errors: dict[str, str] | None = None) -> None:
        if view is not None:
            self.sees(who, "a modal", render_view(view, users=self.sim.user_names(), errors=errors))


class DemoCrm:
    """The CRM's side of the outbound webhook, as a Zapier/Make step would do it: verify Baton's
    signature, and on `handoff.accepted` set the account owner to the new owner's email."""

    def __init__(self) -> None:
        self.owners = {DEAL["account"]: str(DEAL["ae_email"])}
        self.log: list[str] = []

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        verify(OUTBOUND_SECRET, timestamp=request.headers.get("X-Baton-Timestamp"),
               signature=request.headers.get("X-Baton-Signature"), body=body, now=time.time())
        event = json.loads(body)
        self.log.append(f"{event['type']} ({event['event_id']})")
        if event["type"] == "handoff.accepted":
            self.owners[event["deal"]["account"]] = event["data"]["new_owner_email"]
        return web.json_response({"ok": True})


async def _demo(out: TextIO) -> int:
    sim = SlackSimulator()
    crm = DemoCrm()
    crm_app = web.Application()
    crm_app.router.add_post("/hook", crm.hook)
    crm_runner = web.AppRunner(crm_app, access_log=None)
    await crm_runner.setup()
    crm_site = web.TCPSite(crm_runner, "127.0.0.1", 0)
    await crm_site.start()
    crm_url = f"http://127.0.0.1:{crm_runner.addresses[0][1]}/hook"
    users = {key: sim.add_user(key, email, real_name=name) for key, (email, name, _) in PEOPLE.items()}
    sim.add_channel("revops", members=[users["maria"], users["rita"]])
    await sim.start()
    with tempfile.TemporaryDirectory(prefix="baton-demo-") as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", config_path=PACKAGED_CONFIG,
            slack_bot_token=sim.bot_token, slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
            slack_api_url=sim.api_url, deal_webhook_secret=WEBHOOK_SECRET,  # type: ignore[arg-type]
            outbound_webhook_url=crm_url, outbound_webhook_secret=OUTBOUND_SECRET,  # type: ignore[arg-type]
        )
        baton = bootstrap(settings, playbook=load_playbook(PACKAGED_CONFIG))
        runner = web.AppRunner(build_app(baton), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with SlackPeople(sim, url=f"{url}/slack/events", signing_secret=SIGNING_SECRET) as people:
                await _story(Show(out, sim), sim, baton, people, users, url, crm)
        finally:
            await runner.cleanup()
            await crm_runner.cleanup()
            await sim.stop()
            baton.engine.dispose()
    return 0


async def _story(show: Show, sim: SlackSimulator, baton: Baton, people: SlackPeople,
                 users: dict[str, str], url: str, crm: DemoCrm) -> None:
    assert baton.slack is not None
    deliver = baton.slack.dispatcher.drain
    ana, dev, maria = users["ana"], users["dev"], users["maria"]
    show.out.write("Baton demo: a real Baton server, a simulated Slack workspace, one handoff.\n")

    show.scene("The CRM reports Northwind Traders, Platform expansion: Closed Won, USD 60,000")
    status, answer = await _webhook(url, "crm-evt-1")
    show.note(f"POST /webhooks/deals (signed) -> {status} {json.dumps(answer)}")
    status, again = await _webhook(url, "crm-evt-1")
    show.note(f"The CRM delivers it again -> {status}, same handoff: {again['handoff_id'] == answer['handoff_id']}")
    handoff_id = answer["handoff_id"]
    await deliver()
    show.message("dev", "a DM from Baton", sim.ims(dev)[-1])
    channel = baton.service.get(handoff_id)
    refs = _refs(baton, handoff_id)
    room = sim.workspace.channels[refs["slack.channel"]]
    members = ", ".join(sorted(sim.workspace.users[m].name for m in room.members if m != sim.bot_user_id))
    show.note(f"Baton created #{room.name} (private: {room.is_private}; members: {members}), "
              f"pinned the card and bookmarked the CRM record.")
    show.message("ana", f"the pinned card in #{room.name}", _card(sim, refs))

    show.scene("Ana (AE) fills the packet from her DM, one step at a time")
    await people.click(ana, ids.FILL_PACKET)
    await people.until(people.modal_is(ana, ids.PACKET_STEP), what="the packet modal")
    show.view("ana", people.top_view(ana))
    for values in packet_steps(datetime.now(UTC).date()):
        result = await people.submit(ana, values)
    show.view("ana", people.top_view(ana), errors=result.errors)
    result = await people.submit(ana, {"implementation_contact_email": "priya.natarajan@northwind.example"})
    show.note("She fixes the email; Baton saves the step and moves on.")
    await people.submit(ana, {})
    result = await people.submit(ana, {"billing_confirmed": True})
    show.view("ana", people.top_view(ana))

    show.scene("Ana asks a manager for an exception: the risks are still unknown")
    await people.click(ana, ids.REQUEST_OVERRIDE, in_view=True)
    await people.until(people.modal_is(ana, ids.OVERRIDE_FORM), what="the exception form")
    await people.submit(ana, {"override_reason": "Their IT lead is out until Monday; risks come after kickoff."})
    await deliver()
    request = _last_in(sim, refs["slack.channel"], ids.APPROVE_OVERRIDE)
    show.message("maria", f"in #{room.name}", request)
    await people.click(dev, ids.APPROVE_OVERRIDE, channel=room.id)
    await people.until(lambda: bool(_private(sim, dev)), what="Baton's answer to Dev")
    show.sees("dev", "(only to him)", _private(sim, dev)[-1])
    await people.click(maria, ids.APPROVE_OVERRIDE, channel=room.id)
    await people.until(lambda: baton.service.get(handoff_id).status is Status.SUBMITTED, what="the approval")
    await deliver()
    show.message("maria", "the request, updated", next(m for m in sim.messages(room.id) if m["ts"] == request["ts"]))

    show.scene("Dev (CSM) reads the brief and accepts")
    show.message("dev", "a DM from Baton", _last_in(sim, _im(sim, dev), ids.ACCEPT))
    await people.click(ana, ids.ACCEPT, channel=room.id)
    await people.until(lambda: bool(_private(sim, ana)), what="Baton's answer to Ana")
    show.sees("ana", "(only to her)", _private(sim, ana)[-1])
    await people.click(dev, ids.ACCEPT)
    await people.until(lambda: baton.service.get(handoff_id).status is Status.ACCEPTED, what="the acceptance")
    await deliver()
    show.message("ana", f"the card in #{room.name}", _card(sim, refs))
    show.message("ana", f"in #{room.name}", sim.messages(room.id)[-1])
    await people.click(ana, ids.VIEW_PACKET, channel=room.id)
    await people.until(lambda: people.top_view(ana) is not None, what="the read-only packet")
    show.note("Ana can still open the packet, read-only: " + _title(people.top_view(ana)))

    final = baton.service.get(handoff_id)
    show.scene("What RevOps can check")
    show.note(f"Audit trail of {final.id}: " + ", ".join(e.action for e in final.audit))
    approver = sim.workspace.users[str(final.overrides[-1].decided_by)].real_name
    show.note(f"Exception recorded: {final.overrides[-1].reason!r}, approved by {approver}")
    calls = sum(1 for c in sim.calls if c.method == "conversations.create")
    show.note(f"Slack calls made: {len(sim.calls)} (one channel created: {calls == 1}); "
              f"deal {channel.deal.id} opened once despite the redelivery.")
    await deliver()
    show.scene("The CRM, written back")
    show.note("Baton's signed outbound webhooks reached the CRM step: " + ", ".join(crm.log))
    show.note(f"CRM account {final.deal.account}: owner is now {crm.owners[final.deal.account]} "
              f"(was {final.ae.email})")
    show.out.write(f"\nDone: {final.deal.account} is owned by {final.owner.email}; the handoff is {final.status}.\n")


async def _webhook(url: str, event_id: str) -> tuple[int, dict[str, Any]]:
    closed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    body = json.dumps({"event_id": event_id, "deal": {**DEAL, "closed_at": closed_at}}).encode()
    ts = str(int(time.time()))
    headers = {"X-Baton-Timestamp": ts, "X-Baton-Signature": sign(WEBHOOK_SECRET, ts, body),
               "Content-Type": "application/json"}
    async with ClientSession() as session, session.post(f"{url}/webhooks/deals", data=body, headers=headers) as r:
        return r.status, await r.json()


def _refs(baton: Baton, handoff_id: str) -> dict[str, str]:
    from storage.chat_refs import ChatRefs

    return ChatRefs(baton.engine).all(handoff_id)


def _card(sim: SlackSimulator, refs: dict[str, str]) -> dict[str, Any]:
    return next(m for m in sim.messages(refs["slack.channel"]) if m["ts"] == refs["slack.card_ts"])


def _im(sim: SlackSimulator, user: str) -> str:
    found = sim.workspace.im_with(user)
    assert found is not None
    return found.id


def _last_in(sim: SlackSimulator, channel: str, action_id: str) -> dict[str, Any]:
    for message in reversed(sim.messages(channel)):
        if action_id in json.dumps(message.get("blocks") or []):
            return message
    raise LookupError(action_id)


def _private(sim: SlackSimulator, user: str) -> list[str]:
    """What Baton told this person alone: ephemeral messages."""
    return [str(e.get("text", "")) for e in sim.ephemerals(user)]


def _title(view: dict[str, Any] | None) -> str:
    return str((view or {}).get("title", {}).get("text", "no modal"))
