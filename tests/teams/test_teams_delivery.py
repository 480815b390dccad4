"""Teams delivery details a person notices: the managers get Approve / Deny on the handoff card
itself while an exception waits (and lose them once it is decided)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from tests.teams.teams_world import teams_world
from tests.teams.test_teams_decisions import ask_for_an_exception


def titles(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


async def test_managers_see_approve_and_deny_on_the_handoff_card_while_an_exception_waits(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-8301")
        await w.deliver()
        await ask_for_an_exception(w, handoff_id)
        card = w.card_now(handoff_id)
        managers = {w.people["maria"]["id"], w.people["liam"]["id"]}
        assert managers <= set(card["refresh"]["userIds"])
        assert "Approve" not in titles(card)  # the thread's status card: no decision buttons for everyone

        mine = await w.click("liam", "refresh", {"handoff_id": handoff_id})
        assert titles(mine)[-2:] == ["Approve", "Deny"]
        olga = await w.click("olga", "refresh", {"handoff_id": handoff_id})
        assert "Approve" not in titles(olga)

        refused = await w.click("ana", "approve", {"handoff_id": handoff_id})
        assert refused["body"][0]["text"] == "You can't approve this exception: only a sales or CS manager can do that."
        decided = await w.click("liam", "approve", {"handoff_id": handoff_id})
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED
        assert "Approve" not in titles(decided)
        await w.deliver()
        after = w.card_now(handoff_id)
        assert not managers & set(after.get("refresh", {}).get("userIds", []))
        assert "Submitted with a manager's approved exception." in json.dumps(after)
