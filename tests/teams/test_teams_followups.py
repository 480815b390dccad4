"""After acceptance, in Teams: the CSM records the first touch from the card, sets the kickoff
date, gives the AE feedback and rates the packet in dialogs; a nudge's Snooze works in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from storage.timers import TimerStore
from tests.teams.teams_world import TeamsWorld, teams_world


def texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def accepted(w: TeamsWorld, deal_id: str) -> str:
    handoff_id = await w.close_deal(deal_id=deal_id)
    await w.deliver()
    await w.fill_packet("ana", handoff_id)
    await w.click("carl", "accept", {"handoff_id": handoff_id})
    await w.deliver()
    assert w.baton.service.get(handoff_id).status is Status.ACCEPTED
    return handoff_id


async def test_the_csm_records_every_follow_up_and_the_ae_hears_the_feedback(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        ana_chat = sim.install_personal(w.people["ana"])
        handoff_id = await accepted(w, "D-FU-1")
        mine = await w.click("carl", "refresh", {"handoff_id": handoff_id})
        assert {"record_first_touch", "set_kickoff"} <= {a["data"]["verb"] for a in mine["actions"]}

        _, not_yours = await w.fetch("ana", {"verb": "set_kickoff", "handoff_id": handoff_id})
        assert "Only the assigned CSM records follow-ups" in texts(not_yours)
        touched = await w.click("carl", "record_first_touch", {"handoff_id": handoff_id})
        assert "record_first_touch" not in texts(touched.get("actions", []))
        assert w.baton.service.get(handoff_id).milestones.first_touch_at is not None

        title, form = await w.fetch("carl", {"verb": "set_kickoff", "handoff_id": handoff_id})
        assert title == "Kickoff date" and any(b.get("type") == "Input.Date" for b in form["body"])
        done = await w.submit("carl", {"dialog": "followup", "milestone": "kickoff", "handoff_id": handoff_id,
                                       "on": "2026-11-20"})
        assert done["value"] == "Recorded the kickoff date for Acme Robotics."
        assert str(w.baton.service.get(handoff_id).milestones.kickoff_on) == "2026-11-20"

        empty = await w.submit("carl", {"dialog": "followup", "milestone": "feedback", "handoff_id": handoff_id,
                                        "went_well": "", "missing": ""})
        assert "What went well or what context was missing is needed." in texts(empty)
        await w.submit("carl", {"dialog": "followup", "milestone": "feedback", "handoff_id": handoff_id,
                                "went_well": "Clear goals", "missing": "The billing contact"})
        await w.deliver()
        feedback = [s.activity for s in w.sent(ana_chat) if "feedback on your handoff" in texts(s.activity)]
        assert len(feedback) == 1 and "What was missing: The billing contact" in texts(feedback[0])

        rated = await w.submit("carl", {"dialog": "followup", "milestone": "checkin", "handoff_id": handoff_id,
                                        "rating": "4", "repeat_asks": "billing_confirmed"})
        assert rated["value"].startswith("Recorded the 30-day check-in")
        milestones = w.baton.service.get(handoff_id).milestones
        assert milestones.rating == 4 and tuple(milestones.repeat_asks) == ("billing_confirmed",)


async def test_a_nudge_offers_the_next_step_and_snooze_for_the_person_it_is_for(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        ana_chat = sim.install_personal(w.people["ana"])
        handoff_id = await w.close_deal(deal_id="D-FU-2")
        await w.deliver()
        with Session(w.baton.engine) as session:
            due = min(s["fire_at"] for s in TimerStore(session).steps(handoff_id)
                      if s["timer"] == "packet_due" and s["status"] == "pending")
        w.baton.clock.advance(seconds=(due - w.baton.clock.now()).total_seconds() + 1)  # type: ignore[attr-defined]
        w.baton.sla.sweep(w.baton.clock.now())
        await w.deliver()
        nudge = next(s.activity for s in w.sent(ana_chat) if "Reminder" in texts(s.activity))
        card = nudge["attachments"][0]["content"]
        actions = [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
        assert [a["title"] for a in actions] == ["Fill packet", f"Snooze {w.baton.playbook.nudges.snooze}"]
        snooze = actions[1]["data"]
        refused = await w.click("olga", "snooze", snooze)
        assert "only the person a reminder is for can snooze it" in texts(refused)
        snoozed = await w.click("ana", "snooze", snooze)
        assert "Snoozed: Baton will remind you about Acme Robotics again" in texts(snoozed)
