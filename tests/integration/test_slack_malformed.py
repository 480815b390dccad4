"""Broken but correctly signed Slack requests: each is answered fast with a 2xx or 4xx, the person
who clicked is told privately what happened, and the log gets one line, never a traceback."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack import ids
from bot.slack.simulator.driver import FORM, SlackPeople
from tests.integration.slack_world import HYBRID_PACKET, slack_world


async def post_signed(people: SlackPeople, body: str) -> tuple[int, Any, float]:
    started = time.monotonic()
    answer = await people._send(body, FORM)
    return answer.status, answer.body, time.monotonic() - started


async def test_a_payload_that_is_not_json_is_answered_400_with_a_reason(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        caplog.set_level(logging.INFO)
        status, body, took = await post_signed(w.people, "payload=not-json")
        assert status == 400 and took < 1.0
        assert isinstance(body, dict) and body["ok"] is False and "JSON" in body["error"]
        assert "Traceback" not in caplog.text


@pytest.mark.parametrize(("value", "told"), [
    ("garbage", "couldn't read that button"),
    (json.dumps({"h": "h-does-not-exist", "v": ids.PAYLOAD_VERSION}), "can't find that handoff"),
    (json.dumps({"h": "h", "v": ids.PAYLOAD_VERSION, "step": "two"}), "couldn't read that button"),
])
async def test_a_click_naming_nothing_baton_knows_is_acked_and_explained_privately(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str, told: str) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        await w.deliver()
        await w.fill_packet(HYBRID_PACKET)
        await w.deliver()
        caplog.set_level(logging.INFO)
        channel = w.channel_of(opened["handoff_id"])
        card = w.card(opened["handoff_id"])
        block_id = next(b["block_id"] for b in card["blocks"] if b["type"] == "actions"
                        for e in b["elements"] if e["action_id"] == ids.ACCEPT)
        payload = w.people._base("block_actions", w.csm) | {
            "container": {"type": "message", "message_ts": card["ts"], "channel_id": channel},
            "channel": {"id": channel, "name": channel}, "message": card, "state": {"values": {}},
            "actions": [{"action_id": ids.ACCEPT, "block_id": block_id, "type": "button", "value": value,
                         "action_ts": str(time.time())}],
            "response_url": f"{w.sim.api_url}response/x",
        }
        status, _, took = await post_signed(w.people, urlencode({"payload": json.dumps(payload)}))
        assert status == 200 and took < 1.0
        await w.people.until(lambda: bool(w.sim.ephemerals(w.csm)), what="an ephemeral explanation")
        said = " ".join(m.get("text", "") for m in w.sim.ephemerals(w.csm))
        assert told in said and "Nothing was changed" in said
        assert w.baton.service.get(opened["handoff_id"]).status.value == "submitted"
        refused = [r for r in caplog.records if r.name.startswith("bot.slack") and r.levelno >= logging.WARNING]
        assert len(refused) <= 1 and all(r.exc_info is None for r in refused), [r.getMessage() for r in refused]
        assert "Traceback" not in caplog.text


HOSTILE = "\u202eNorth\u200bwind\x00 Traders\u2066"


async def test_invisible_controls_from_the_crm_and_the_packet_never_reach_slack(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        status, opened = await w.close_deal(account=HOSTILE, name="Platform\u202d expansion\ufeff")
        assert status == 202
        await w.deliver()
        handoff = w.baton.service.get(opened["handoff_id"])
        assert (handoff.deal.account, handoff.deal.name) == ("Northwind Traders", "Platform expansion")
        card = json.dumps(w.card(opened["handoff_id"]), ensure_ascii=False)
        assert "Northwind Traders" in card
        assert not any(ch in card for ch in "\u202e\u202d\u200b\x00\u2066\ufeff")

        steps = [dict(step) for step in HYBRID_PACKET]
        text_field = next((step, key) for step in steps for key, value in step.items()
                          if isinstance(value, str) and len(value) > 20)
        step, key = text_field
        step[key] = "\u202e" + step[key] + "\u200b\x00"
        await w.fill_packet(steps)
        await w.deliver()
        saved = w.baton.service.get(opened["handoff_id"]).packet[key]
        assert saved == HYBRID_PACKET[steps.index(step)][key].strip()
