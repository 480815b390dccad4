"""`@Baton open [deal id]`: a deal typed in by hand in Teams, as Slack's `/handoff open` does,
through /api/messages with JWT-signed activities; the button, the dialog and its checks are
what a Teams client would show and send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from tests.teams.teams_world import TeamsWorld, teams_world


async def ask(w: TeamsWorld, who: str, text: str, *, in_channel: bool = False) -> dict[str, Any]:
    """The card Baton answers a command with."""
    activity = w.acts.message(w.people[who], text, in_channel=in_channel, mention=in_channel)
    before = len(w.sim.sent)
    assert (await w.post(activity))[0] == 200
    [reply] = [s.activity for s in w.sim.sent[before:] if s.conversation_id == activity["conversation"]["id"]]
    return dict(reply["attachments"][0]["content"])


async def dialog(w: TeamsWorld, activity: dict[str, Any]) -> dict[str, Any]:
    status, body = await w.post(activity)
    assert status == 200, body
    return dict(body["task"])


def error_under(card: dict[str, Any], input_id: str) -> str | None:
    """The error line right under an input (after its hint, if any), as the person sees it."""
    body = card["body"]
    at = next(n for n, b in enumerate(body) if b.get("id") == input_id)
    for element in body[at + 1:]:
        if element.get("id"):
            return None
        if element.get("color") == "Attention":
            return str(element["text"])
    return None


async def test_open_offers_a_button_whose_dialog_opens_the_handoff_and_its_thread(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        await w.say("ana", "hello")  # Baton learns Ana's email from her first message
        prompt = await ask(w, "ana", "open D-8001")
        fetch = w.acts.task_fetch_from(w.people["ana"], prompt, "Open a handoff", in_channel=False)
        opened = await dialog(w, fetch)
        form = opened["value"]["card"]["content"]
        assert opened["value"]["title"] == "Open a handoff"
        values = {b["id"]: b.get("value") for b in form["body"] if b.get("id")}
        assert values["deal_id"] == "D-8001" and values["ae_email"] == "ana@example.com"

        typed = {"name": "Platform rollout", "account": "Initech", "amount": "48000", "close_date": "2026-11-02",
                 "csm_email": "carl@example.com"}
        done = await dialog(w, w.acts.dialog_submit(w.people["ana"], form, "Open", typed, in_channel=False))
        assert done == {"type": "message", "value": "Handoff opened for Initech (deal D-8001). The AE gets the "
                                                   "packet to fill and the CSM hears about it in a moment."}
        [handoff] = w.baton.service.find(text="D-8001")
        assert handoff.status is Status.OPENED and handoff.csm.email == "carl@example.com"
        assert handoff.ae.email == "ana@example.com" and handoff.deal.amount == 48000
        await w.deliver()
        assert "Initech" in json.dumps(w.card_now(handoff.id))  # its thread and card in the handoffs channel

        again = await dialog(w, w.acts.dialog_submit(w.people["ana"], form, "Open", typed, in_channel=False))
        assert again["value"] == "Already open: deal D-8001 has a handoff, so Baton did not open a second one."
        assert len(w.baton.service.find(text="D-8001")) == 1


async def test_bad_values_come_back_under_their_fields_with_the_typing_kept(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        prompt = await ask(w, "maria", "open", in_channel=True)  # in the channel too
        form = (await dialog(w, w.acts.task_fetch_from(w.people["maria"], prompt, "Open a handoff")))
        card = form["value"]["card"]["content"]
        typed = {"deal_id": "D-8002", "name": "Rollout", "account": "Umbrella", "amount": "-10",
                 "ae_email": "ana at example", "csm_email": "", "close_date": "2026-11-02"}
        answer = await dialog(w, w.acts.dialog_submit(w.people["maria"], card, "Open", typed))
        again = answer["value"]["card"]["content"]
        assert error_under(again, "amount") == "Enter the amount as a number of zero or more."
        assert error_under(again, "ae_email") == "The AE must be an email address, like ana@example.com."
        assert error_under(again, "account") is None and error_under(again, "csm_email") is None
        kept = {b["id"]: b.get("value") for b in again["body"] if b.get("id")}
        assert (kept["account"], kept["amount"], kept["ae_email"]) == ("Umbrella", "-10", "ana at example")
        assert w.baton.service.find(text="D-8002") == []


async def test_a_teams_client_does_not_send_a_dialog_with_a_required_input_empty(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        prompt = await ask(w, "ana", "open")
        form = (await dialog(w, w.acts.task_fetch_from(w.people["ana"], prompt, "Open a handoff", in_channel=False)))
        with pytest.raises(ValueError, match="required inputs empty"):
            w.acts.dialog_submit(w.people["ana"], form["value"]["card"]["content"], "Open", {"deal_id": "D-1"})
        # A forged submit that skips the client's check is refused by Baton all the same.
        forged = w.acts.task_submit(w.people["ana"], {"dialog": "open_deal", "deal_id": "D-1"}, in_channel=False)
        card = (await dialog(w, forged))["value"]["card"]["content"]
        assert error_under(card, "name") == "The deal name is required."
        assert error_under(card, "ae_email") == "The AE is required."
