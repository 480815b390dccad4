"""`baton crm check` against the fake HubSpot: says what works and exactly what is wrong."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.crm.fakes.hubspot import HubSpotState, build_fake_hubspot
from tests.integration.test_deal_webhook import REPO

TOKEN = "pat-na1-check-not-real"


@pytest.fixture
def fake_url() -> Iterator[str]:
    state = HubSpotState(token=TOKEN)
    state.add_owner("201", "ana.silva@example.com")
    state.deals["9001"] = {"dealname": "Northwind", "dealstage": "closedwon", "amount": "10"}
    state.deal_companies["9001"] = ["5001"]
    state.companies["5001"] = {"name": "Northwind", "hubspot_owner_id": "201"}
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(build_fake_hubspot(state))
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def crm_check(url: str, token: str, *args: str, config: Path = REPO / "app.yaml") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": token, "HUBSPOT_API_URL": url, "HUBSPOT_CLIENT_SECRET": "s",
           "BATON_PUBLIC_URL": "https://baton.example.com", "BATON_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "bot.cli", "crm", "check", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=60, check=False)


def test_good_credentials_and_deal_pass(fake_url: str) -> None:
    out = crm_check(fake_url, TOKEN, "--deal", "9001")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok  HubSpot owner ana.silva@example.com: id 201" in out.stdout and "'Northwind'" in out.stdout


def test_a_wrong_token_is_named(fake_url: str) -> None:
    out = crm_check(fake_url, "pat-wrong", "--deal", "9001")
    assert out.returncode == 1 and "401 INVALID_AUTHENTICATION" in out.stdout and "HUBSPOT_ACCESS_TOKEN" in out.stdout
    assert "pat-wrong" not in out.stdout


def test_a_prefill_property_the_deal_lacks_is_named(fake_url: str, tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text() + "\ncrm:\n  hubspot:\n    prefill:\n"
                      "      success_metrics: success_criteria\n")
    out = crm_check(fake_url, TOKEN, "--deal", "9001", config=config)
    assert out.returncode == 1 and "success_metrics <- success_criteria" in out.stdout
