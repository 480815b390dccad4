"""The packet and its forms as Teams dialogs, clicked as a Teams client would: reopening where
the AE stopped, read-only for everyone else, forms that open only for who may send them, and
typing kept when a form comes back with an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from tests.teams.teams_world import TeamsWorld, teams_world, valid_value


def texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def step_of(w: TeamsWorld, who: str, handoff_id: str) -> tuple[str, dict[str, Any]]:
    _, card = await w.fetch(who, {"verb": "fill_packet", "handoff_id": handoff_id})
    return card["body"][1]["text"], card


async def test_the_packet_reopens_at_the_step_where_the_ae_stopped_and_reads_only_for_others(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7201")
        sections = w.baton.playbook.sections
        where, card = await step_of(w, "ana", handoff_id)
        assert where.startswith(f"Step 1 of {len(sections)}: {sections[0].title} · saved at every step")
        typed = {f.id: valid_value(f) for f in sections[0].fields}
        nxt = w.acts.dialog_submit(w.people["ana"], card, "Next →", typed)
        status, body = await w.post(nxt)
        assert status == 200 and body["task"]["value"]["card"]["content"]["body"][1]["text"].startswith("Step 2 of")
        # Ana closes the dialog (Teams tells the bot nothing) and opens it again later.
        where, _ = await step_of(w, "ana", handoff_id)
        assert where.startswith(f"Step 2 of {len(sections)}: {sections[1].title}")
        assert all(w.baton.service.get(handoff_id).packet.get(f) for f in typed)  # saved at the step

        where, read_only = await step_of(w, "olga", handoff_id)
        assert where.startswith("Step 1 of") and "read-only" in where
        assert not [b for b in read_only["body"] if str(b.get("type", "")).startswith("Input.")]
        assert "Submit packet" not in texts(read_only)


async def test_only_the_ae_opens_the_exception_form_and_only_the_csm_the_escalation(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7202")
        _, refused = await w.fetch("carl", {"verb": "request_override", "handoff_id": handoff_id})
        assert refused["body"][0]["text"].startswith("You can't ask for an exception: only the account executive")
        assert "actions" not in refused or refused["actions"] == []
        title, form = await w.fetch("ana", {"verb": "request_override", "handoff_id": handoff_id})
        assert title == "Ask for an exception" and "Ask a manager to override" in texts(form)
        back = await w.submit("olga", {"dialog": "review", "handoff_id": handoff_id, "move": "back"})  # forged
        assert "read-only" in texts(back) and "Input." not in texts(back)
        _, not_yet = await w.fetch("carl", {"verb": "escalate", "handoff_id": handoff_id})
        assert "Send the packet back" not in texts(not_yet) and "Nothing to do" in texts(not_yet)


async def test_an_escalation_without_a_reason_comes_back_with_the_fields_still_picked(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7203")
        await w.fill_packet("ana", handoff_id)
        _, ae = await w.fetch("ana", {"verb": "escalate", "handoff_id": handoff_id})
        assert ae["body"][0]["text"] == ("You can't send this handoff back: only the assigned CSM can do that. "
                                         "This one is for carl@example.com.")
        _, outsider = await w.fetch("olga", {"verb": "escalate", "handoff_id": handoff_id})
        assert outsider["body"][0]["text"] == "You can't send this handoff back: only the assigned CSM can do that."
        _, form = await w.fetch("carl", {"verb": "escalate", "handoff_id": handoff_id})
        sent = w.acts.dialog_submit(w.people["carl"], form, "Send back",
                                    {"fields": "success_metrics,risks", "reason": "  "})
        status, body = await w.post(sent)
        again = body["task"]["value"]["card"]["content"]
        assert status == 200 and "Say what the AE should fix." in texts(again)
        picked = next(b for b in again["body"] if b.get("id") == "fields")
        assert picked["value"] == "success_metrics,risks"
        done = w.acts.dialog_submit(w.people["carl"], again, "Send back", {"reason": "Metrics are vague"})
        status, body = await w.post(done)
        assert status == 200 and body["task"]["value"].startswith("Sent back")
        handoff = w.baton.service.get(handoff_id)
        assert handoff.status is Status.ESCALATED
        assert handoff.escalations[-1].fields == ("success_metrics", "risks")
