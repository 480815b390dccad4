"""The whole handoff in Teams, through /api/messages with JWT-signed activities and the outbox
delivering to the simulator's connector: thread and card, the packet dialog, Accept / Escalate,
the card updated in place, and refusals only the clicker sees."""

from __future__ import annotations

import json
from pathlib import Path

from bot.teams.simulator import TeamsSimulator
from bot.teams.simulator.activities import CHANNEL_ID
from core.machine import Status
from tests.teams.teams_world import teams_world


def texts(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def verbs(card: dict) -> set[str]:
    return {a.get("verb") or a.get("data", {}).get("verb") for a in card.get("actions", [])}


async def test_a_deal_in_teams_opens_a_thread_with_its_card_and_the_people_mentioned(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal()
        await w.deliver()
        thread = w.thread_of(handoff_id)
        assert thread.startswith(CHANNEL_ID + ";messageid=")
        first = w.sent(thread)[0].activity
        mentioned = {e["mentioned"]["id"] for e in first["entities"]}
        assert {w.people[p]["id"] for p in ("ana", "carl", "maria", "liam")} <= mentioned
        card = first["attachments"][0]["content"]
        assert "Acme Robotics" in texts(card) and "Waiting for the packet" in texts(card)
        assert w.people["ana"]["id"] in card["refresh"]["userIds"]  # the AE gets their own view
        # Neither has Baton installed personally: both are told by @mention in the thread.
        told = [s.activity for s in w.sent(thread)[1:]]
        assert any("New handoff coming your way" in texts(a) and w.people["carl"]["id"] in texts(a) for a in told)
        assert any("Fill the handoff packet" in texts(a) for a in told)


async def test_the_ae_fills_the_packet_the_csm_escalates_then_accepts_and_the_card_follows(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        carl_chat = sim.install_personal(w.people["carl"])
        handoff_id = await w.close_deal(deal_id="D-7002")
        await w.deliver()
        assert any("New handoff coming your way" in texts(s.activity) for s in w.sent(carl_chat))

        title, card = await w.fetch("ana", {"verb": "fill_packet", "handoff_id": handoff_id})
        assert title == "Handoff packet" and "Step 1 of" in texts(card)
        done = await w.fill_packet("ana", handoff_id)
        assert done["type"] == "message" and done["value"].startswith("Submitted")
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED
        await w.deliver()
        brief = w.sent(carl_chat)[-1].activity["attachments"][0]["content"]
        assert {"accept", "escalate"} <= verbs(brief)

        refused = await w.click("ana", "accept", {"handoff_id": handoff_id})
        assert refused["body"][0]["text"] == ("You can't accept this handoff: only the assigned CSM can do that. "
                                              "This one is for carl@example.com.")
        outsider = await w.click("olga", "accept", {"handoff_id": handoff_id})
        assert outsider["body"][0]["text"] == "You can't accept this handoff: only the assigned CSM can do that."
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED

        _, form = await w.fetch("carl", {"verb": "escalate", "handoff_id": handoff_id})
        assert "Send Acme Robotics back" in texts(form)
        again = await w.submit("carl", {"dialog": "escalate", "handoff_id": handoff_id,
                                        "fields": "success_metrics", "reason": ""})
        assert "Say what the AE should fix." in texts(again)
        sent_back = await w.submit("carl", {"dialog": "escalate", "handoff_id": handoff_id,
                                            "fields": "success_metrics", "reason": "Metrics are vague"})
        assert sent_back["value"].startswith("Sent back")
        assert w.baton.service.get(handoff_id).status is Status.ESCALATED
        await w.deliver()
        assert "Sent back" in texts(w.card_now(handoff_id))

        _, reopened = await w.fetch("ana", {"verb": "fill_packet", "handoff_id": handoff_id})
        assert "Step 2 of" in texts(reopened) and "⚠️ Success metrics" in texts(reopened)  # the flagged step
        assert (await w.fill_packet("ana", handoff_id))["value"].startswith("Submitted")
        await w.deliver()

        accepted = await w.click("carl", "accept", {"handoff_id": handoff_id})
        assert "Accepted by carl@example.com" in texts(accepted) and "accept" not in verbs(accepted)
        handoff = w.baton.service.get(handoff_id)
        assert handoff.status is Status.ACCEPTED and handoff.owner.email == "carl@example.com"
        await w.deliver()
        card_now = w.card_now(handoff_id)
        assert "Accepted by carl@example.com" in texts(card_now)
        assert card_now["refresh"]["userIds"] == [w.people["carl"]["id"]]  # next: Carl records the first touch
        assert [s.method for s in w.sent(w.thread_of(handoff_id))].count("PUT") >= 2  # updated in place


async def test_a_bad_value_is_shown_under_its_field_and_the_valid_typing_is_kept(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7003")
        people_step = next(i for i, s in enumerate(w.baton.playbook.sections) if s.id == "people")
        answer = await w.submit("ana", {"dialog": "packet", "handoff_id": handoff_id, "step": people_step,
                                        "move": "next", "implementation_contact_name": "Jordan Lee",
                                        "implementation_contact_email": "not-an-email"})
        card = answer["value"]["card"]["content"]
        errors = [(n, b["text"]) for n, b in enumerate(card["body"]) if b.get("color") == "Attention"]
        assert len(errors) == 1
        at, message = errors[0]
        field_above = next(b["id"] for b in reversed(card["body"][:at]) if b.get("id"))
        assert field_above == "implementation_contact_email" and "email" in message.lower()
        typed = next(b for b in card["body"] if b.get("id") == "implementation_contact_email")
        assert typed["value"] == "not-an-email"  # what they typed stays, to correct
        assert w.baton.service.get(handoff_id).packet.get("implementation_contact_name") == "Jordan Lee"
        assert "implementation_contact_email" not in w.baton.service.get(handoff_id).packet


async def test_a_client_without_universal_actions_clicks_through_the_action_submit_fallback(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7004")
        await w.deliver()
        await w.fill_packet("ana", handoff_id)

        def replies(activity: dict) -> list[str]:
            return [str(s.activity.get("text")) for s in w.sent(activity["conversation"]["id"])]

        refused = w.acts.card_submit(w.people["olga"], {"verb": "accept", "handoff_id": handoff_id})
        assert (await w.post(refused))[0] == 200
        assert replies(refused)[-1] == "You can't accept this handoff: only the assigned CSM can do that."
        accept = w.acts.card_submit(w.people["carl"], {"verb": "accept", "handoff_id": handoff_id})
        assert (await w.post(accept))[0] == 200
        assert replies(accept)[-1] == "Done."
        assert w.baton.service.get(handoff_id).status is Status.ACCEPTED
