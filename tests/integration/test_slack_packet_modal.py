"""The packet modal over signed HTTP: closing it halfway keeps what was typed, opening it again
starts where the AE stopped with everything filled in, and a bad value is pointed out under its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.slack import ids
from tests.integration.slack_world import HYBRID_PACKET, slack_world


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """What each input of a modal shows before anyone types."""
    shown: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            element = block["element"]
            shown[block["block_id"]] = (element.get("initial_value") or element.get("initial_date")
                                        or element.get("initial_options") or element.get("initial_option"))
    return shown


async def test_a_packet_closed_halfway_keeps_the_valid_typing_and_reopens_filled_in(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()

        await w.fill_packet(HYBRID_PACKET[:2])
        third = w.people.top_view(w.ae)
        assert third is not None and set(initial_values(third)) == {"promises", "discount_percent"}
        closed = await w.people.close(w.ae, {"promises": "Two admin trainings.", "discount_percent": "150"})
        assert closed.status == 200 and w.people.top_view(w.ae) is None
        await w.settle(lambda: "promises" in w.baton.service.get(handoff_id).packet)
        packet = w.baton.service.get(handoff_id).packet
        assert packet["promises"] == "Two admin trainings." and "discount_percent" not in packet  # 150 > 100

        # Reopened where the AE stopped (step 3), with what they typed; Back shows the earlier steps filled in.
        again = await w.open_modal(w.ae, ids.FILL_PACKET, channel=w.channel_of(handoff_id))
        assert again["title"]["text"] == "Packet 3/6"
        assert initial_values(again)["promises"] == "Two admin trainings."
        assert initial_values(again)["discount_percent"] is None
        second = await w.open_modal(w.ae, ids.PACKET_BACK, in_view=True)
        assert second["title"]["text"] == "Packet 2/6"
        assert initial_values(second)["success_metrics"] == HYBRID_PACKET[1]["success_metrics"]
        assert initial_values(second)["go_live_date"] == "2027-03-31"
        first = await w.open_modal(w.ae, ids.PACKET_BACK, in_view=True)
        assert initial_values(first)["customer_goals"] == HYBRID_PACKET[0]["customer_goals"]

        # Having gone back to step 1 and closed, the packet reopens at step 1.
        await w.people.close(w.ae)
        await w.settle(lambda: w.baton_refs(handoff_id).get("packet.step") == "0")
        assert (await w.open_modal(w.ae, ids.FILL_PACKET, channel=w.channel_of(handoff_id)))["title"]["text"] == (
            "Packet 1/6")


async def test_a_bad_email_is_shown_under_its_field_and_nothing_of_that_step_is_saved(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        await w.fill_packet(HYBRID_PACKET[:3])

        answer = await w.people.submit(w.ae, {"implementation_contact_name": "Priya Natarajan",
                                              "implementation_contact_email": "priya at northwind"})
        assert answer.status == 200 and answer.body["response_action"] == "errors"
        assert set(answer.errors) == {"implementation_contact_email"}
        assert "email address" in answer.errors["implementation_contact_email"]
        view = w.people.top_view(w.ae)
        assert view is not None and "implementation_contact_email" in initial_values(view)  # still on that step
        packet = w.baton.service.get(handoff_id).packet
        assert "implementation_contact_name" not in packet and "implementation_contact_email" not in packet

        fixed = await w.people.submit(w.ae, {"implementation_contact_email": "priya@northwind.example"})
        assert not fixed.errors
        packet = w.baton.service.get(handoff_id).packet
        assert packet["implementation_contact_name"] == "Priya Natarajan"  # the driver kept what was typed
        assert packet["implementation_contact_email"] == "priya@northwind.example"
