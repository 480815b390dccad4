"""The deal webhook over real HTTP: signed requests in, JSON answers out, one handoff per deal."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import bootstrap
from bot.http_server import build_app
from bot.settings import Settings
from bot.webhook_signing import sign
from tests.fakes import FrozenClock

SECRET = "whsec-test-not-a-real-secret"
REPO = Path(__file__).resolve().parents[2]


def deal_event(event_id: str = "evt-1", **deal: Any) -> dict[str, Any]:
    body = {
        "id": "D-100", "name": "Acme renewal", "account": "Acme", "amount": 18000, "currency": "USD",
        "stage": "Closed Won", "closed_at": "2026-11-02T13:00:00Z", "ae_email": "ana@example.com",
        "csm_email": None, "segment": None, "crm_url": "https://crm.example.com/deals/D-100",
        "fields": {"contract_signed": True},
    }
    body.update(deal)
    return {"event_id": event_id, "deal": body}


def signed(body: bytes, *, at: float | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(at if at is not None else time.time()))
    return {"X-Baton-Timestamp": ts, "X-Baton-Signature": sign(secret, ts, body),
            "Content-Type": "application/json"}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'baton.db'}", config_path=REPO / "app.yaml",
        deal_webhook_secret=SECRET,  # type: ignore[arg-type]
    )
    baton = bootstrap(settings, clock=FrozenClock())
    async with TestClient(TestServer(build_app(baton))) as client:
        yield client


async def post(client: TestClient[Any, Any], payload: Any, **kw: Any) -> tuple[int, dict[str, Any]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = kw.pop("headers", None) or signed(body, **kw)
    response = await client.post("/webhooks/deals", data=body, headers=headers)
    return response.status, await response.json()


async def test_a_closed_deal_opens_a_handoff_and_the_same_deal_again_returns_it(client: TestClient[Any, Any]) -> None:
    status, first = await post(client, deal_event("evt-1"))
    assert status == 202 and first["created"] is True
    status, again = await post(client, deal_event("evt-1"))
    assert status == 200 and again["handoff_id"] == first["handoff_id"]
    status, reclosed = await post(client, deal_event("evt-2"))
    assert status == 200 and reclosed["handoff_id"] == first["handoff_id"]
    metrics = await (await client.get("/metrics")).text()
    assert 'baton_handoffs{status="opened"} 1' in metrics


async def test_a_bad_signature_is_refused_with_a_reason(client: TestClient[Any, Any]) -> None:
    body = json.dumps(deal_event()).encode()
    status, answer = await post(client, body, headers=signed(body, secret="someone-else"))
    assert status == 401 and answer["error"] == "signature does not match"


async def test_a_stale_timestamp_is_refused_even_when_signed(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, deal_event(), at=time.time() - 3600)
    assert status == 401 and "seconds from now" in answer["error"]


async def test_missing_signature_headers_are_refused(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, deal_event(), headers={"Content-Type": "application/json"})
    assert status == 401 and "X-Baton-Signature" in answer["error"]


async def test_malformed_json_gets_a_422_with_a_reason(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, b'{"event_id": "x", "deal": ')
    assert status == 422 and answer["ok"] is False


async def test_unknown_fields_and_bad_values_are_named(client: TestClient[Any, Any]) -> None:
    payload = deal_event(amount="lots", surprise=1)
    status, answer = await post(client, payload)
    assert status == 422
    named = {d["field"] for d in answer["details"]}
    assert {"deal.amount", "deal.surprise"} <= named


async def test_a_stage_that_is_not_the_trigger_is_acknowledged_and_ignored(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, deal_event(stage="Negotiation"))
    assert status == 202 and "handoff_id" not in answer and "Negotiation" in answer["ignored"]


async def test_crm_values_that_fail_validation_are_reported_not_fatal(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, deal_event(fields={"contract_signed": True, "nonsense": "x"}))
    assert status == 202 and answer["ignored_fields"] == {"nonsense": "not a field of this playbook"}


async def test_healthz_reports_the_database(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json())["database"] == "reachable"


async def test_a_body_over_the_size_limit_gets_a_413_with_a_json_reason(client: TestClient[Any, Any]) -> None:
    from bot.http_server import MAX_WEBHOOK_BYTES

    payload = deal_event(name="x" * (MAX_WEBHOOK_BYTES + 10))
    status, answer = await post(client, json.dumps(payload).encode())
    assert status == 413
    assert answer == {"ok": False, "error": f"the body is larger than {MAX_WEBHOOK_BYTES} bytes",
                      "limit_bytes": MAX_WEBHOOK_BYTES}
