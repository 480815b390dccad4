"""Exceptions over signed HTTP: an AE asks to send an incomplete packet, a manager decides in
the handoff's thread, and nobody else (least of all the AE) can decide it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.slack import ids
from core.machine import Status
from tests.integration.slack_world import SlackWorld, buttons, slack_world

REASON = "Customer's IT contact is on leave until January; the kickoff cannot wait."


async def ask_for_an_exception_from_the_card(w: SlackWorld, handoff_id: str) -> None:
    form = await w.open_modal(w.ae, ids.REQUEST_OVERRIDE, channel=w.channel_of(handoff_id))
    assert form["callback_id"] == ids.OVERRIDE_FORM
    no_reason = await w.people.submit(w.ae, {ids.OVERRIDE_REASON_BLOCK: "  "})
    assert ids.OVERRIDE_REASON_BLOCK in no_reason.errors
    answer = await w.people.submit(w.ae, {ids.OVERRIDE_REASON_BLOCK: REASON})
    assert answer.status == 200 and not answer.errors and w.people.top_view(w.ae) is None


async def refused(w: SlackWorld, user: str, action_id: str, channel: str) -> str:
    """Click, and return the ephemeral answer the person got."""
    before = len(w.sim.ephemerals(user))
    answer = await w.people.click(user, action_id, channel=channel)
    assert answer.status == 200
    await w.settle(lambda: len(w.sim.ephemerals(user)) > before)
    return str(w.sim.ephemerals(user)[-1]["text"])


async def test_a_manager_approves_an_exception_asked_in_the_handoff_thread_and_nobody_else_can(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        channel = w.channel_of(handoff_id)
        await ask_for_an_exception_from_the_card(w, handoff_id)
        assert w.baton.service.get(handoff_id).status is Status.OVERRIDE_REQUESTED
        await w.deliver()

        request = next(m for m in w.sim.messages(channel) if ids.APPROVE_OVERRIDE in buttons(m))
        assert request.get("thread_ts") == w.baton_refs(handoff_id)["slack.card_ts"]  # in the card's thread
        assert {ids.APPROVE_OVERRIDE, ids.DENY_OVERRIDE} <= buttons(request)
        assert "IT contact is on leave" in json.dumps(request["blocks"])
        assert f"<@{w.manager}>" in request["text"]  # the managers are called in

        w.sim.workspace.channels[channel].members.append(w.other_csm)
        not_a_manager = await refused(w, w.other_csm, ids.APPROVE_OVERRIDE, channel)
        assert not_a_manager == "You can't approve this exception: only a sales or CS manager can do that."
        own_request = await refused(w, w.ae, ids.APPROVE_OVERRIDE, channel)
        assert own_request == "You can't approve this exception: only a sales or CS manager can do that."
        assert w.baton.service.get(handoff_id).status is Status.OVERRIDE_REQUESTED

        await w.people.click(w.manager, ids.APPROVE_OVERRIDE, channel=channel)
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.SUBMITTED)
        await w.deliver()
        decided = next(m for m in w.sim.messages(channel) if m["ts"] == request["ts"])
        assert not buttons(decided)
        assert f"Approved by <@{w.manager}>" in json.dumps(decided["blocks"])
        brief = w.dm(w.csm)[-1]
        assert {ids.ACCEPT, ids.ESCALATE} <= buttons(brief)
        assert "exception approved by" in json.dumps(brief["blocks"])
        assert any("approved the exception" in t for t in w.texts(w.dm(w.ae)))


async def test_a_manager_denies_an_exception_asked_from_the_packet_review_and_the_ae_is_told(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        channel = w.channel_of(handoff_id)

        await w.fill_packet([{"customer_goals": "Consolidate order systems."}])
        while (view := w.people.top_view(w.ae)) is not None and view["callback_id"] == ids.PACKET_STEP:
            assert not (await w.people.submit(w.ae)).errors
        review = w.people.top_view(w.ae)
        assert review is not None and "Packet not complete" in review["title"]["text"]
        assert w.baton.service.get(handoff_id).status is Status.DRAFTING

        form = await w.open_modal(w.ae, ids.REQUEST_OVERRIDE, in_view=True)
        assert form["callback_id"] == ids.OVERRIDE_FORM
        answer = await w.people.submit(w.ae, {ids.OVERRIDE_REASON_BLOCK: REASON})
        assert not answer.errors and w.people.top_view(w.ae) is None  # the whole stack is closed
        await w.deliver()

        request = next(m for m in w.sim.messages(channel) if ids.DENY_OVERRIDE in buttons(m))
        await w.people.click(w.cs_manager, ids.DENY_OVERRIDE, channel=channel)
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.DRAFTING)
        await w.deliver()
        decided = next(m for m in w.sim.messages(channel) if m["ts"] == request["ts"])
        assert not buttons(decided) and f"Denied by <@{w.cs_manager}>" in json.dumps(decided["blocks"])
        assert any("denied the exception" in t for t in w.texts(w.dm(w.ae)))
        assert {ids.FILL_PACKET, ids.REQUEST_OVERRIDE} <= buttons(w.card(handoff_id))


async def test_a_manager_who_is_the_deals_ae_cannot_approve_their_own_exception(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal(ae_email="maria.gomez@example.com")
        handoff_id = opened["handoff_id"]
        await w.deliver()
        channel = w.channel_of(handoff_id)
        await w.open_modal(w.manager, ids.REQUEST_OVERRIDE, channel=channel)
        assert not (await w.people.submit(w.manager, {ids.OVERRIDE_REASON_BLOCK: REASON})).errors
        await w.deliver()

        own = await refused(w, w.manager, ids.APPROVE_OVERRIDE, channel)
        assert "own" in own
        assert w.baton.service.get(handoff_id).status is Status.OVERRIDE_REQUESTED
        await w.people.click(w.cs_manager, ids.APPROVE_OVERRIDE, channel=channel)
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.SUBMITTED)
