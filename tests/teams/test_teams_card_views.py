"""The handoff card as each person's Teams client shows it (Universal Actions' user-specific
views): the card's refresh names who may act, their client asks Baton for their own view with
the buttons, everyone else sees the status; a click answers 200 with the card as it now reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from tests.teams.teams_world import TeamsWorld, teams_world


def titles(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


async def invoked(w: TeamsWorld, activity: dict[str, Any]) -> dict[str, Any]:
    status, body = await w.post(activity)
    assert status == 200 and body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    return dict(body["value"])


async def test_the_csm_sees_accept_and_escalate_everyone_else_the_status_and_accept_updates_the_card(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7301")
        await w.deliver()
        await w.fill_packet("ana", handoff_id)
        await w.deliver()
        root = w.thread_of(handoff_id).split("=", 1)[1]
        shared = w.card_now(handoff_id)
        assert titles(shared) == ["View packet"] and "Waiting for the CSM" in json.dumps(shared)
        assert shared["refresh"]["userIds"] == [w.people["carl"]["id"]]
        for who in ("ana", "olga", "maria"):  # their clients show the card as sent
            with pytest.raises(ValueError, match="does not refresh"):
                w.acts.refresh_from(w.people[who], shared, thread=root)

        mine = await invoked(w, w.acts.refresh_from(w.people["carl"], shared, thread=root))
        assert {"Accept", "Escalate", "View packet"} <= set(titles(mine)) and "refresh" not in mine
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED  # looking changes nothing

        accepted = await invoked(w, w.acts.card_action_from(w.people["carl"], mine, "Accept", thread=root))
        assert "Accepted by carl@example.com" in json.dumps(accepted) and "Accept" not in titles(accepted)
        assert w.baton.service.get(handoff_id).status is Status.ACCEPTED
        await w.deliver()
        after = w.card_now(handoff_id)
        assert "Accepted by carl@example.com" in json.dumps(after) and "Accept" not in titles(after)
        with pytest.raises(ValueError, match=r"not Action\.Execute"):  # a dialog button sends no invoke
            w.acts.card_action_from(w.people["carl"], mine, "Escalate")


async def test_a_second_accept_from_a_stale_view_is_answered_with_the_card_as_it_now_reads(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-7302")
        await w.deliver()
        await w.fill_packet("ana", handoff_id)
        await w.deliver()
        mine = await invoked(w, w.acts.refresh_from(w.people["carl"], w.card_now(handoff_id)))
        await invoked(w, w.acts.card_action_from(w.people["carl"], mine, "Accept"))
        again = await invoked(w, w.acts.card_action_from(w.people["carl"], mine, "Accept"))  # a double click
        assert again["body"][0]["text"] == "Nothing to do: this handoff is already accepted."
        assert [a.action for a in w.baton.service.get(handoff_id).audit].count("accept") == 1
