"""A Baton serving Teams only, against the Teams simulator, through the real HTTP stack: deals
arrive on the signed webhook, people act with JWT-signed activities on /api/messages, and the
outbox delivers to the simulator's connector."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Baton, bootstrap
from bot.config import default_config_path, load_playbook
from bot.http_server import build_app
from bot.settings import Settings
from bot.teams.config import TeamsConfig
from bot.teams.simulator import TeamsSimulator
from bot.teams.simulator.activities import CHANNEL_ID, Activities, user
from bot.teams.simulator.server import Sent
from bot.webhook_signing import sign
from core.playbook import FieldSpec, FieldType, Platform, Playbook, Roles, TeamsPlaces
from tests.fakes import FrozenClock

WEBHOOK_SECRET = "teams-world-webhook-secret"
MANAGERS_CHANNEL = "19:revenue-leads@thread.tacv2"


def teams_playbook(**segment_update: Any) -> Playbook:
    shipped = load_playbook(default_config_path())
    segments = [s.model_copy(update={"platform": Platform.TEAMS, **segment_update}) for s in shipped.segments]
    return shipped.model_copy(update={
        "segments": segments,
        "roles": Roles(sales_managers=["maria@example.com"], cs_managers=["liam@example.com"],
                       revops=["rita@example.com"]),
        "teams": TeamsPlaces(channel_id=CHANNEL_ID, managers_channel_id=MANAGERS_CHANNEL),
    })


def valid_value(spec: FieldSpec) -> Any:
    """A value the playbook accepts for this field, typed as a person would in the dialog."""
    return {
        FieldType.TEXT: "Jordan Lee, VP Operations", FieldType.LONG_TEXT: "A clear, specific answer written down.",
        FieldType.NUMBER: "10", FieldType.MONEY: "1000", FieldType.DATE: "2027-03-31",
        FieldType.SELECT: (spec.options or [""])[0], FieldType.MULTI_SELECT: (spec.options or [""])[0],
        FieldType.USER: "jordan@acme.example", FieldType.USERS: "jordan@acme.example",
        FieldType.EMAIL: "it@acme.example", FieldType.URL: "https://acme.example/crm/1",
        FieldType.CHECKBOX: "true",
    }[spec.type]


@dataclass
class TeamsWorld:
    sim: TeamsSimulator
    baton: Baton
    client: TestClient[Any, Any]
    acts: Activities
    people: dict[str, dict[str, Any]]
    since: int = 0  # the simulator serves the whole session: this world's messages start here

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=activity, headers=self.sim.auth())
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body

    async def close_deal(self, *, deal_id: str = "D-7001", account: str = "Acme Robotics", amount: int = 60000,
                         fields: dict[str, Any] | None = None, ae_email: str = "ana@example.com") -> str:
        deal = {"id": deal_id, "name": "Platform expansion", "account": account, "amount": amount,
                "currency": "USD", "stage": "Closed Won", "closed_at": "2026-11-02T15:00:00Z",
                "ae_email": ae_email, "csm_email": "carl@example.com", "segment": None,
                "crm_url": None, "fields": fields or {}}
        body = json.dumps({"event_id": f"evt-{deal_id}", "deal": deal}).encode()
        ts = str(int(time.time()))
        response = await self.client.post("/webhooks/deals", data=body, headers={
            "X-Baton-Timestamp": ts, "X-Baton-Signature": sign(WEBHOOK_SECRET, ts, body),
            "Content-Type": "application/json"})
        assert response.status == 202, await response.text()
        return str((await response.json())["handoff_id"])

    async def deliver(self) -> None:
        assert self.baton.dispatcher is not None
        await self.baton.dispatcher.drain()

    def thread_of(self, handoff_id: str) -> str:
        return self.baton_refs(handoff_id)["teams.thread"]

    def baton_refs(self, handoff_id: str) -> dict[str, str]:
        from storage.chat_refs import ChatRefs

        return ChatRefs(self.baton.engine).all(handoff_id)

    def sent(self, conversation_id: str) -> list[Sent]:
        """What the bot sent to a conversation in this world (not in earlier tests)."""
        return [s for s in self.sim.sent[self.since:] if s.conversation_id == conversation_id]

    def card_now(self, handoff_id: str) -> dict[str, Any]:
        """The handoff card as the thread shows it now (its last POST or PUT)."""
        card_id = self.baton_refs(handoff_id)["teams.card"]
        versions = [s for s in self.sent(self.thread_of(handoff_id)) if s.activity_id == card_id]
        return dict(versions[-1].activity["attachments"][0]["content"])

    async def fetch(self, who: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        status, body = await self.post(self.acts.task_fetch(self.people[who], data))
        assert status == 200, body
        return body["task"]["value"]["title"], body["task"]["value"]["card"]["content"]

    async def submit(self, who: str, data: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.post(self.acts.task_submit(self.people[who], data))
        assert status == 200, body
        return dict(body["task"])

    async def click(self, who: str, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.post(self.acts.card_action(self.people[who], verb, data))
        assert status == 200 and body["statusCode"] == 200, body
        return dict(body["value"])

    async def say(self, who: str, text: str, *, in_channel: bool = False) -> str:
        activity = self.acts.message(self.people[who], text, in_channel=in_channel, mention=in_channel)
        before = len(self.sim.sent)
        status, _ = await self.post(activity)
        assert status == 200
        replies = [s for s in self.sim.sent[before:] if s.conversation_id == activity["conversation"]["id"]]
        return "\n".join(str(r.activity.get("text") or json.dumps(r.activity.get("attachments"))) for r in replies)

    async def fill_packet(self, who: str, handoff_id: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """Open the packet dialog and go through every step with valid values; the last answer."""
        playbook = self.baton.playbook
        await self.fetch(who, {"verb": "fill_packet", "handoff_id": handoff_id})
        answer: dict[str, Any] = {}
        for step, section in enumerate(playbook.sections):
            typed = {f.id: (values or {}).get(f.id, valid_value(f)) for f in section.fields}
            move = "submit" if step == len(playbook.sections) - 1 else "next"
            answer = await self.submit(who, {"dialog": "packet", "handoff_id": handoff_id, "step": step,
                                             "move": move, **typed})
        return answer


@asynccontextmanager
async def teams_world(tmp_path: Path, sim: TeamsSimulator, *, playbook: Playbook | None = None,
                      **settings: Any) -> AsyncIterator[TeamsWorld]:
    """`settings` adds to Baton's Settings (OPENAI_API_KEY and OPENAI_BASE_URL for drafting, say)."""
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    options: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path / 'baton.db'}",
                               "deal_webhook_secret": WEBHOOK_SECRET, **settings}
    baton = bootstrap(Settings(**options), clock=FrozenClock(), playbook=playbook or teams_playbook(), teams=config)
    assert baton.teams is not None and baton.dispatcher is not None
    sim.uninstall_personal()  # the simulator serves the whole session; each world starts with no installs
    baton.dispatcher.backoff = lambda attempts: 0.05
    people = {name: user(full, email=f"{name}@example.com") for name, full in (
        ("ana", "Ana Lopez"), ("carl", "Carl Diaz"), ("maria", "Maria Gomez"), ("liam", "Liam Chen"),
        ("olga", "Olga Park"), ("rita", "Rita Ops"))}
    for member in people.values():
        if member not in sim._conversations[CHANNEL_ID].members:
            sim.add_member(CHANNEL_ID, member)
    async with TestClient(TestServer(build_app(baton, teams=baton.teams.endpoint))) as client:
        world = TeamsWorld(sim=sim, baton=baton, client=client, acts=Activities(sim), people=people,
                           since=len(sim.sent))
        for name in people:  # each person's 1:1 chat answers member lookups, as Teams' does
            sim.add_member(f"a:1personal-{people[name]['aadObjectId']}", people[name])
        status, _ = await world.post(world.acts.installed(people["maria"]))  # a manager adds Baton to the team
        assert status == 200
        yield world
