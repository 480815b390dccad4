"""Slack end to end: signed requests into the real server, the real Bolt app and slack_sdk
client out to the Slack simulator, from a closed deal to a flipped owner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.slack import ids
from core.machine import Status
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, buttons, slack_world


def card(w: SlackWorld, handoff_id: str) -> dict[str, Any]:
    refs = w.baton_refs(handoff_id)
    return next(m for m in w.sim.messages(refs["slack.channel"]) if m["ts"] == refs["slack.card_ts"])


async def fill_packet(w: SlackWorld, steps: list[dict[str, Any]]) -> None:
    await w.open_modal(w.ae, ids.FILL_PACKET)  # Baton opens it just after its ack
    for values in steps:
        answer = await w.people.submit(w.ae, values)
        assert answer.status == 200 and not answer.errors, answer.body


async def test_a_closed_deal_ends_with_the_csm_owning_the_account(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        status, opened = await w.close_deal()
        assert status == 202
        handoff_id = opened["handoff_id"]
        await w.deliver()

        assert any("New handoff" in t for t in w.texts(w.dm(w.csm)))
        channel = w.sim.channel_by_name("handoff-northwind-traders-006-nw-2291")
        assert channel is not None and channel.is_private
        assert {w.ae, w.csm, w.manager} <= set(channel.members)
        assert channel.pins and channel.bookmarks[0]["link"] == "https://crm.example.com/deals/006-NW-2291"
        assert {ids.FILL_PACKET, ids.SUBMIT_PACKET} <= buttons(card(w, handoff_id))

        await fill_packet(w, HYBRID_PACKET)
        assert "submitted" in json.dumps(w.people.top_view(w.ae)).lower()
        await w.deliver()
        brief = w.dm(w.csm)[-1]
        assert {ids.ACCEPT, ids.ESCALATE} <= buttons(brief)

        refused = await w.people.click(w.ae, ids.ACCEPT, channel=channel.id)
        assert refused.status == 200
        await w.settle(lambda: bool(w.sim.ephemerals(w.ae)))
        assert [e["text"] for e in w.sim.ephemerals(w.ae)] == [
            "You can't accept this handoff: only the assigned CSM can do that. This one is for dev.patel@example.com."]
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED

        await w.people.click(w.csm, ids.ACCEPT)
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.ACCEPTED)
        await w.deliver()
        handoff = w.baton.service.get(handoff_id)
        assert handoff.status is Status.ACCEPTED and handoff.owner.email == "dev.patel@example.com"
        updated = card(w, handoff_id)
        assert ids.ACCEPT not in buttons(updated) and ids.FILL_PACKET not in buttons(updated)
        assert "Accepted by" in json.dumps(updated["blocks"])
        brief_now = next(m for m in w.dm(w.csm) if m["ts"] == brief["ts"])
        assert ids.ACCEPT not in buttons(brief_now) and "Accepted" in json.dumps(brief_now["blocks"])
