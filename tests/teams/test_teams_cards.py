"""Universal Actions cards as Teams receives them: posted through the simulator's connector
(which validates Adaptive Cards), clicked as `adaptiveCard/action` invokes."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.teams.cards import Button, text, universal_card
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.proactive import card_message
from bot.teams.simulator import TeamsSimulator
from bot.teams.simulator.activities import CHANNEL_ID, Activities, user


async def test_a_card_with_execute_buttons_and_a_csm_only_refresh_is_accepted_by_teams_and_clickable(
        sim: TeamsSimulator, endpoint: TeamsEndpoint, acts: Activities, client: TestClient[Any, Any]) -> None:
    csm = user("Carl Diaz")
    card = universal_card([text("Acme renewal", weight="Bolder"), text("Waiting for the CSM")],
                          [Button("Accept", "accept", {"handoff": "H-1"}, "positive"),
                           Button("Escalate", "escalate", {"handoff": "H-1"}, "destructive")],
                          refresh_for=[csm["id"]], refresh_data={"handoff": "H-1"})
    posted = await endpoint.messenger.open_thread(service_url=sim.service_url, tenant_id=sim.tenant_id,
                                                  channel_id=CHANNEL_ID, first=card_message(card))
    sent = sim.sent_to(posted.reference.conversation.id)[0].activity["attachments"][0]["content"]
    assert sent["refresh"]["userIds"] == [csm["id"]] and sent["refresh"]["action"]["verb"] == "refresh"
    accept = sent["actions"][0]
    assert accept["type"] == "Action.Execute" and accept["fallback"]["type"] == "Action.Submit"
    assert float(sent["version"]) >= 1.4

    click = acts.card_action(csm, accept["verb"], accept["data"])
    response = await client.post("/api/messages", json=click, headers=sim.auth())
    assert response.status == 200 and "accept" in (await response.json())["value"]["body"][0]["text"]


def test_teams_limits_automatic_refresh_to_60_users() -> None:
    with pytest.raises(ValueError, match="60"):
        universal_card([text("x")], refresh_for=[f"29:{i}" for i in range(61)])
