"""Every message Baton posts goes through the outbox: listeners answer the person in front of
them (modals, ephemeral notes, their Home tab) and leave channels and DMs to the dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

from bot.slack import ids
from bot.slack.views import deal_form
from core.machine import Status
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, buttons, slack_world

ANSWERS_TO_THE_CLICKER = {"views.open", "views.update", "views.push", "chat.postEphemeral", "views.publish"}


def assert_only_answers_to_the_clicker(w: SlackWorld, since: int) -> None:
    written = {c.method for c in w.writes(since)}
    assert written <= ANSWERS_TO_THE_CLICKER, written - ANSWERS_TO_THE_CLICKER


async def test_listeners_only_answer_the_person_who_acted_and_all_posting_is_left_to_the_outbox(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        channel = w.channel_of(handoff_id)
        w.sim.workspace.channels[channel].members.append(w.other_csm)
        since = len(w.sim.calls)

        with w.deliveries_held():
            await w.fill_packet(HYBRID_PACKET[:2])
            await w.open_modal(w.ae, ids.PACKET_BACK, in_view=True)  # views.update
            for values in HYBRID_PACKET[1:]:
                assert not (await w.people.submit(w.ae, values)).errors
            assert w.baton.service.get(handoff_id).status is Status.SUBMITTED
            await w.people.open_home(w.ae)
            await w.settle(lambda: w.sim.home(w.ae) is not None)
            await w.people.command(w.ae, "open 006-HAND-9")
            await w.modal_shown(w.ae, ids.OPEN_DEAL_FORM)
            done = await w.people.submit(w.ae, {deal_form.DEAL_NAME_BLOCK: "Pilot", deal_form.ACCOUNT_BLOCK: "Initech",
                                                deal_form.AMOUNT_BLOCK: "5000", deal_form.AE_BLOCK: w.ae})
            assert not done.errors and w.baton.service.find(text="Initech")
            assert_only_answers_to_the_clicker(w, since)
            assert ids.FILL_PACKET in buttons(w.card(handoff_id))  # the card waits for the dispatcher

        await w.deliver()
        assert {ids.ACCEPT, ids.ESCALATE} <= buttons(w.dm(w.csm)[-1])
        assert any(ids.FILL_PACKET in buttons(m) and "Initech" in m["text"] for m in w.dm(w.ae))
        since = len(w.sim.calls)

        with w.deliveries_held():
            await w.people.click(w.other_csm, ids.ACCEPT, channel=channel)
            await w.settle(lambda: bool(w.sim.ephemerals(w.other_csm)))
            await w.people.click(w.csm, ids.ACCEPT, channel=channel)
            await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.ACCEPTED)
            assert_only_answers_to_the_clicker(w, since)
            assert ids.ACCEPT in buttons(w.card(handoff_id))

        await w.deliver()
        assert ids.ACCEPT not in buttons(w.card(handoff_id)) and "Accepted by" in json.dumps(w.card(handoff_id))
        assert any("now belongs to" in json.dumps(m.get("blocks")) for m in w.sim.messages(channel))
