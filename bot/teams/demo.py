"""`baton demo --teams`: the handoff story played in Microsoft Teams, against the in-process Teams
simulator, through Baton's real HTTP server with real RS256 tokens on every request.

Baton is added to the team; a deal closes (signed webhook); Baton opens the deal's thread with
its card and the people @mentioned and tells the CSM in their personal chat; the AE fills the
packet in a dialog (a bad email is pointed out under its field); the AE's click on Accept is
refused; the CSM accepts from the brief and the card in the thread updates in place; a forged
token is refused. It prints what each person sees, cards rendered as text.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import default_config_path, load_playbook
from bot.http_server import build_app
from bot.settings import Settings
from bot.teams.config import TeamsConfig
from bot.teams.simulator import TeamsSimulator, TokenKind
from bot.teams.simulator.activities import CHANNEL_ID, Activities, user
from bot.webhook_signing import sign
from core.playbook import FieldSpec, FieldType, Platform, Playbook, Roles, TeamsPlaces

WEBHOOK_SECRET = "demo-webhook-secret"


def _render(activity: dict[str, Any]) -> str:
    """A message as a person reads it: its text, then each card's text, facts and buttons."""
    lines = [str(activity["text"])] if activity.get("text") else []
    for attachment in activity.get("attachments") or []:
        lines += _card_lines(attachment.get("content") or {})
    return "\n".join(lines)


_DATE_TIME = re.compile(r"\{\{DATE\(([0-9T:-]+)Z, SHORT\)\}\} \{\{TIME\([0-9T:-]+Z\)\}\}")


def _shown(line: str) -> str:
    """Teams renders DATE()/TIME() in the reader's zone; the demo shows UTC."""
    return _DATE_TIME.sub(lambda m: m.group(1).replace("T", " ")[:16] + " UTC", line)


def _card_lines(card: dict[str, Any]) -> list[str]:
    lines = []
    for block in card.get("body", []):
        if block.get("type") == "TextBlock":
            lines.append(_shown(str(block.get("text", ""))))
        elif block.get("type") == "FactSet":
            lines += [f"{fact['title']}: {fact['value']}" for fact in block["facts"]]
        elif block.get("type", "").startswith("Input."):
            lines.append(f"[{block.get('label')}] {block.get('value', '') or ''}".rstrip())
        elif block.get("type") == "Image":
            lines.append(f"(chart: {block.get('altText', '')[:80]}…)")
    buttons = [a.get("title", "") for a in card.get("actions", [])]
    if buttons:
        lines.append("  ".join(f"[ {b} ]" for b in buttons))
    return lines


def _playbook() -> Playbook:
    shipped = load_playbook(default_config_path())
    return shipped.model_copy(update={
        "segments": [s.model_copy(update={"platform": Platform.TEAMS}) for s in shipped.segments],
        "roles": Roles(sales_managers=["maria@example.com"], cs_managers=["liam@example.com"]),
        "teams": TeamsPlaces(channel_id=CHANNEL_ID),
    })


def _typed(spec: FieldSpec) -> str:
    return {FieldType.DATE: "2027-03-31", FieldType.NUMBER: "5", FieldType.MONEY: "1000",
            FieldType.EMAIL: "it@northwind.example", FieldType.URL: "https://crm.example.com/deals/D-100",
            FieldType.CHECKBOX: "true", FieldType.SELECT: (spec.options or [""])[0],
            FieldType.MULTI_SELECT: (spec.options or [""])[0], FieldType.USER: "jordan@northwind.example",
            FieldType.USERS: "jordan@northwind.example"}.get(spec.type, "Written down in the kickoff notes.")


def run_teams_demo(out: TextIO) -> int:
    return asyncio.run(_demo(out))


async def _demo(out: TextIO) -> int:
    def sees(who: str, where: str, text: str) -> None:
        out.write(f"\n  {who} sees {where}:\n" + textwrap.indent(text.rstrip(), "    | ") + "\n")

    sim = TeamsSimulator().start()
    acts = Activities(sim)
    people = {name: user(full, email=f"{name}@example.com") for name, full in
              (("ana", "Ana Lopez"), ("carl", "Carl Diaz"), ("maria", "Maria Gomez"), ("liam", "Liam Chen"))}
    for member in people.values():
        sim.add_member(CHANNEL_ID, member)
    carl_chat = sim.install_personal(people["carl"])
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'baton.db'}",
                            deal_webhook_secret=WEBHOOK_SECRET)  # type: ignore[arg-type]
        baton = bootstrap(settings, playbook=_playbook(), teams=config)
        assert baton.teams is not None and baton.dispatcher is not None
        runner = web.AppRunner(build_app(baton, teams=baton.teams.endpoint), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                async def post(activity: dict[str, Any], kind: TokenKind = TokenKind.GOOD) -> tuple[int, Any]:
                    async with http.post(f"{base}/api/messages", json=activity, headers=sim.auth(kind)) as response:
                        body = await response.json() if response.content_type == "application/json" else None
                        return response.status, body

                out.write("=== Maria adds Baton to the Revenue team\n")
                status, _ = await post(acts.installed(people["maria"]))
                out.write(f"  /api/messages answered {status}\n")

                out.write("\n=== The CRM says Northwind Traders closed (signed webhook)\n")
                deal = {"id": "D-100", "name": "Platform expansion", "account": "Northwind Traders",
                        "amount": 60000, "currency": "USD", "stage": "Closed Won",
                        "closed_at": datetime.now(UTC).isoformat(), "ae_email": "ana@example.com",
                        "csm_email": "carl@example.com", "segment": None, "crm_url": None, "fields": {}}
                body = json.dumps({"event_id": "evt-demo-1", "deal": deal}).encode()
                ts = str(int(time.time()))
                async with http.post(f"{base}/webhooks/deals", data=body, headers={
                        "X-Baton-Timestamp": ts, "X-Baton-Signature": sign(WEBHOOK_SECRET, ts, body),
                        "Content-Type": "application/json"}) as response:
                    handoff_id = (await response.json())["handoff_id"]
                    out.write(f"  /webhooks/deals answered {response.status}: handoff {handoff_id}\n")
                await baton.dispatcher.drain()
                thread = baton.teams.app.refs.all(handoff_id)["teams.thread"]
                sent = sim.sent_to(thread)
                sees("Everyone in Handoffs", "a new thread", _render(sent[0].activity))
                sees("Carl Diaz (CSM)", "in his chat with Baton", _render(sim.sent_to(carl_chat)[-1].activity))
                sees("Ana Lopez (AE)", "an @mention in the thread", _render(sent[-1].activity))

                out.write("\n=== Ana opens the packet dialog and types a bad email on the People step\n")
                status, opened = await post(acts.task_fetch(people["ana"], {"verb": "fill_packet",
                                                                            "handoff_id": handoff_id}))
                sees("Ana", f"a dialog titled {opened['task']['value']['title']!r} ({status})",
                     "\n".join(_card_lines(opened["task"]["value"]["card"]["content"])[:6]) + "\n…")
                sections = baton.playbook.sections
                step = next(i for i, s in enumerate(sections) if s.id == "people")
                status, answer = await post(acts.task_submit(people["ana"], {
                    "dialog": "packet", "handoff_id": handoff_id, "step": step, "move": "next",
                    "implementation_contact_name": "Jordan Lee", "implementation_contact_email": "jordan@"}))
                card = answer["task"]["value"]["card"]["content"]
                sees("Ana", "the same step again, the error under its field",
                     "\n".join(line for line in _card_lines(card) if "mail" in line.lower()))

                out.write("\n=== Ana fills every step and submits\n")
                for index, section in enumerate(sections):
                    values = {f.id: _typed(f) for f in section.fields}
                    move = "submit" if index == len(sections) - 1 else "next"
                    status, answer = await post(acts.task_submit(people["ana"], {
                        "dialog": "packet", "handoff_id": handoff_id, "step": index, "move": move, **values}))
                out.write(f"  the dialog closes with: {answer['task']['value']}\n")
                await baton.dispatcher.drain()
                brief = _render(sim.sent_to(carl_chat)[-1].activity).splitlines()
                sees("Carl", "the brief in his chat", "\n".join([*brief[:4], "…", brief[-1]]))

                out.write("\n=== Ana clicks Accept on the card; then Carl does\n")
                _, refused = await post(acts.card_action(people["ana"], "accept", {"handoff_id": handoff_id}))
                sees("Ana (only she)", "her copy of the card", _card_lines(refused["value"])[0])
                _, accepted = await post(acts.card_action(people["carl"], "accept", {"handoff_id": handoff_id}))
                sees("Carl", "his copy of the card", "\n".join(_card_lines(accepted["value"])))
                await baton.dispatcher.drain()
                card_id = baton.teams.app.refs.all(handoff_id)["teams.card"]
                now = [s for s in sim.sent_to(thread) if s.activity_id == card_id][-1]
                sees("Everyone in Handoffs", f"the card, updated in place ({now.method})", _render(now.activity))

                out.write("\n=== Someone posts with a forged token\n")
                status, body = await post(acts.message(people["ana"], "help"), TokenKind.BAD_SIGNATURE)
                out.write(f"  /api/messages answered {status} {body}\n")
        finally:
            await runner.cleanup()
            baton.engine.dispose()
            sim.stop()
    out.write("\nDone: the handoff ran in Teams; ownership moved to carl@example.com.\n")
    return 0
