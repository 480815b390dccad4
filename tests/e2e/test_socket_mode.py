"""`baton serve` over Socket Mode: a real process started as a deployment starts it, with
SLACK_APP_TOKEN and no signing secret, talking to the Slack simulator's Web API and websocket.

Slack traffic (a slash command, clicks, modal submissions) reaches Baton only through the
socket, and Baton's acks carry the answers; the deal webhook still comes over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo import packet_steps
from bot.slack import ids
from bot.slack.simulator import SlackSimulator
from bot.slack.simulator.driver import SlackPeople
from bot.slack.views.text import help_text
from bot.webhook_signing import sign

BATON = str(Path(sys.executable).parent / "baton")
REPO = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "deal-webhook-secret-for-socket-mode"
DEAL = {"id": "006-SM-1", "name": "Platform expansion", "account": "Northwind Traders", "amount": 60000,
        "currency": "USD", "stage": "Closed Won", "closed_at": "2026-11-02T15:00:00Z",
        "ae_email": "ana.ortiz@example.com", "csm_email": "dev.patel@example.com", "segment": None,
        "crm_url": "https://crm.example.com/deals/006-SM-1", "fields": {"contract_signed": True}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class Served:
    def __init__(self, sim: SlackSimulator, port: int, process: subprocess.Popen[str]) -> None:
        self.sim, self.port, self.process = sim, port, process
        ws = sim.workspace
        self.ae = next(u.id for u in ws.users.values() if u.email == DEAL["ae_email"])
        self.csm = next(u.id for u in ws.users.values() if u.email == DEAL["csm_email"])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    sim = SlackSimulator()
    for name, email in [("ana", "ana.ortiz@example.com"), ("dev", "dev.patel@example.com"),
                        ("maria", "maria.gomez@example.com"), ("rita", "revops@example.com")]:
        sim.add_user(name, email)
    sim.add_channel("revops", members=[])
    with sim.run_in_thread() as running:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_"))}
        env |= {"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
                "BATON_CONFIG": str(REPO / "app.yaml"), "DEAL_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "SLACK_BOT_TOKEN": sim.bot_token, "SLACK_APP_TOKEN": sim.app_token,
                "SLACK_API_URL": running.api_url}  # and no SLACK_SIGNING_SECRET
        log = (tmp_path / "baton.log").open("w")
        process = subprocess.Popen([BATON, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while sim.socket_mode.connections == 0:
                assert process.poll() is None, (tmp_path / "baton.log").read_text()
                assert time.monotonic() < deadline, "baton serve opened no Socket Mode connection"
                time.sleep(0.1)
            yield Served(sim, port, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            finally:
                log.close()
    output = (tmp_path / "baton.log").read_text()
    assert sim.app_token not in output and sim.bot_token not in output  # secrets never reach the log


async def _until(condition: Callable[[], bool], *, timeout: float = 15.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f}s for {what}"
        await asyncio.sleep(0.05)


async def test_baton_serve_takes_slack_traffic_over_socket_mode(served: Served) -> None:
    sim = served.sim
    connect = [c for c in sim.calls if c.method == "apps.connections.open"]
    assert len(connect) == 1 and sim.socket_mode.connects == 1  # with the app-level token

    status, _ = _request(served.url("/slack/events"), data=b"{}", headers={"Content-Type": "application/json"})
    assert status == 404  # no HTTP endpoint for Slack in Socket Mode

    async with SlackPeople(sim, socket_mode=True) as people:
        # A slash command: the help text comes back as the ack's payload.
        answer = await people.command(served.ae, "help")
        assert answer.status == 200 and isinstance(answer.body, dict), answer
        assert answer.body["text"] == help_text(llm_enabled=False)
        envelope = sim.socket_mode.envelopes[-1]
        assert envelope.type == "slash_commands" and envelope.accepts_response_payload
        assert envelope.ack_seconds is not None and envelope.ack_seconds < 3

        # The CRM closes a deal (HTTP, signed): a handoff opens and the CSM hears of it in a DM.
        body = json.dumps({"event_id": "crm-sm-1", "deal": DEAL}).encode()
        ts = str(int(time.time()))
        status, text = _request(served.url("/webhooks/deals"), data=body, headers={
            "X-Baton-Timestamp": ts, "X-Baton-Signature": sign(WEBHOOK_SECRET, ts, body),
            "Content-Type": "application/json"})
        assert status == 202, text
        assert json.loads(text)["handoff_id"].startswith("ho_")
        await _until(lambda: bool(sim.ims(served.csm)), what="the CSM's DM")
        assert "New handoff coming your way" in json.dumps(sim.ims(served.csm))

        # The AE clicks Fill packet in her DM: Baton acks over the socket and opens the modal.
        await _until(lambda: any(ids.FILL_PACKET in json.dumps(m.get("blocks")) for m in sim.ims(served.ae)),
                     what="the Fill packet button")
        opens = sum(c.method == "views.open" for c in sim.calls)
        answer = await people.click(served.ae, ids.FILL_PACKET)
        assert answer.status == 200 and answer.body == ""
        assert sim.socket_mode.envelopes[-1].type == "interactive"
        assert not sim.socket_mode.envelopes[-1].accepts_response_payload  # a click's answer has none
        await people.until(people.modal_is(served.ae, ids.PACKET_STEP), what="the packet modal")
        assert sum(c.method == "views.open" for c in sim.calls) == opens + 1

        # Modal submissions: Baton's response_action travels in the ack's payload, and the
        # driver applies it as Slack's client would (update: the next step; errors: stay).
        steps = packet_steps(datetime.now(UTC).date())
        for values in steps[:3]:
            before = people.top_view(served.ae)
            answer = await people.submit(served.ae, values)
            assert answer.status == 200 and not answer.errors, answer
            assert isinstance(answer.body, dict) and answer.body["response_action"] == "update"
            after = people.top_view(served.ae)
            assert after is not None and before is not None and after["id"] == before["id"]
            assert after["blocks"] != before["blocks"]
        answer = await people.submit(served.ae, steps[3])  # a typo in the contact's email
        assert answer.status == 200 and answer.errors, answer
        assert any("email" in message for message in answer.errors.values())
        assert sim.socket_mode.envelopes[-1].accepts_response_payload  # view_submission

    assert all(e.acked for e in sim.socket_mode.envelopes)
    assert sim.socket_mode.strays == []  # every message Baton sent acked an open envelope
    assert served.process.poll() is None
