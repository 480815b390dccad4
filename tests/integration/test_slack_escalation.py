"""The CSM's side of a handoff over signed HTTP: send the packet back, get it fixed, accept it;
and nobody else may do either."""

from __future__ import annotations

import json
from pathlib import Path

from bot.slack import ids
from bot.slack.views.packet import NOTE_BLOCK
from core.machine import Status
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, buttons, slack_world


async def submitted_handoff(w: SlackWorld) -> str:
    """A hybrid deal closed and its complete packet submitted, the brief in the CSM's DMs."""
    _, opened = await w.close_deal()
    await w.deliver()
    await w.fill_packet(HYBRID_PACKET)
    await w.deliver()
    return str(opened["handoff_id"])


async def test_an_escalated_packet_goes_back_to_the_ae_with_the_fields_highlighted_and_is_accepted_once_fixed(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        handoff_id = await submitted_handoff(w)

        form = await w.open_modal(w.csm, ids.ESCALATE)  # on the brief in the CSM's DMs
        assert form["callback_id"] == ids.ESCALATE_FORM

        empty = await w.people.submit(w.csm, {ids.ESCALATE_FIELDS_BLOCK: ["success_metrics"]})
        assert ids.ESCALATE_REASON_BLOCK in empty.errors  # a reason is required, shown inline
        answer = await w.people.submit(w.csm, {
            ids.ESCALATE_FIELDS_BLOCK: ["success_metrics", "go_live_date"],
            ids.ESCALATE_REASON_BLOCK: "Success metrics are vague and the go-live date is a guess.",
        })
        assert answer.status == 200 and not answer.errors
        assert w.people.top_view(w.csm) is None
        assert w.baton.service.get(handoff_id).status is Status.ESCALATED
        await w.deliver()

        to_ae = w.dm(w.ae)[-1]
        text = json.dumps(to_ae["blocks"])
        assert "Success metrics / first-value criteria" in text and "Go-live date" in text
        assert ids.FILL_PACKET in buttons(to_ae) and "Fix the packet" in text
        old_brief = w.dm(w.csm)[-1]
        assert ids.ACCEPT not in buttons(old_brief) and "Sent back" in json.dumps(old_brief["blocks"])
        assert "Sent back by" in json.dumps(w.card(handoff_id)["blocks"])

        first = await w.open_modal(w.ae, ids.FILL_PACKET)  # "Fix the packet" in the AE's DMs
        note = next(b for b in first["blocks"] if b.get("block_id") == NOTE_BLOCK)
        assert "Sent back by the CSM" in note["text"]["text"] and "Go-live date" in note["text"]["text"]
        await w.people.submit(w.ae)  # step 1 unchanged
        second = w.people.top_view(w.ae)
        assert second is not None
        flagged = {b["block_id"] for b in second["blocks"]
                   if b.get("type") == "input" and b["label"]["text"].startswith("⚠️")}
        assert flagged == {"success_metrics", "go_live_date"}

        fixed = await w.people.submit(w.ae, {"success_metrics": "Order entry under 2 minutes for 90% of orders.",
                                             "go_live_date": "2027-02-15"})
        assert not fixed.errors
        while (view := w.people.top_view(w.ae)) is not None and view["callback_id"] == ids.PACKET_STEP:
            assert not (await w.people.submit(w.ae)).errors
        handoff = w.baton.service.get(handoff_id)
        assert handoff.status is Status.SUBMITTED
        assert str(handoff.packet["go_live_date"]) == "2027-02-15"
        await w.deliver()

        new_brief = w.dm(w.csm)[-1]
        assert new_brief["ts"] != old_brief["ts"] and {ids.ACCEPT, ids.ESCALATE} <= buttons(new_brief)
        assert any("resubmitted" in t for t in w.texts(w.dm(w.csm)))
        await w.people.click(w.csm, ids.ACCEPT)
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.ACCEPTED)
        await w.deliver()
        assert "Accepted by" in json.dumps(w.card(handoff_id)["blocks"])


async def test_only_the_assigned_csm_can_accept_or_escalate_and_outsiders_are_told_the_role_not_the_address(
        tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        handoff_id = await submitted_handoff(w)
        channel = w.channel_of(handoff_id)
        w.sim.workspace.channels[channel].members.append(w.other_csm)  # a teammate invited later

        for action in (ids.ACCEPT, ids.ESCALATE):
            before = len(w.sim.ephemerals(w.other_csm))
            answer = await w.people.click(w.other_csm, action, channel=channel)
            assert answer.status == 200
            await w.settle(lambda n=before: len(w.sim.ephemerals(w.other_csm)) > n)
            refusal = w.sim.ephemerals(w.other_csm)[-1]
            assert refusal["channel"] == channel
            assert refusal["text"].endswith("only the assigned CSM can do that.")
            assert "dev.patel@example.com" not in refusal["text"]  # not their handoff: no address
        assert w.people.top_view(w.other_csm) is None  # no escalate form opened for them
        handoff = w.baton.service.get(handoff_id)
        assert handoff.status is Status.SUBMITTED and not handoff.escalations

        before = len(w.sim.ephemerals(w.ae))  # the deal's AE is party to it: told which CSM it is for
        await w.people.click(w.ae, ids.ACCEPT, channel=channel)
        await w.settle(lambda: len(w.sim.ephemerals(w.ae)) > before)
        assert w.sim.ephemerals(w.ae)[-1]["text"] == (
            "You can't accept this handoff: only the assigned CSM can do that. This one is for dev.patel@example.com.")
