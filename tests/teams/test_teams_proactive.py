"""Proactive sends through the SDK to the simulator's connector: a thread per deal in the channel
with people @mentioned, a message in a known conversation, a card updated in place."""

from __future__ import annotations

from typing import Any

from bot.teams.directory import TeamsPerson
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.handler import card
from bot.teams.proactive import card_message
from bot.teams.simulator import TeamsSimulator
from bot.teams.simulator.activities import CHANNEL_ID, user


def person(data: dict[str, Any]) -> TeamsPerson:
    return TeamsPerson(user_id=data["id"], aad_object_id=data["aadObjectId"], name=data["name"], email=data["email"])


async def test_a_thread_per_deal_mentions_people_then_is_replied_to_and_its_card_updated(
        sim: TeamsSimulator, endpoint: TeamsEndpoint) -> None:
    ana, carl = person(user("Ana Lopez")), person(user("Carl Diaz"))
    first = card_message(card("Acme renewal: handoff to CS"), [ana, carl], text="New handoff:")
    posted = await endpoint.messenger.open_thread(service_url=sim.service_url, tenant_id=sim.tenant_id,
                                                  channel_id=CHANNEL_ID, first=first)
    conversation_id = posted.reference.conversation.id
    assert conversation_id.startswith(CHANNEL_ID + ";messageid=") and posted.activity_id
    [opened] = sim.sent_to(conversation_id)
    assert "<at>Ana Lopez</at>" in opened.activity["text"] and "<at>Carl Diaz</at>" in opened.activity["text"]
    assert {e["mentioned"]["id"] for e in opened.activity["entities"]} == {ana.user_id, carl.user_id}
    assert opened.activity["attachments"][0]["content"]["type"] == "AdaptiveCard"

    await endpoint.messenger.send(posted.reference, card_message(card("Packet due Friday"), [ana]))
    await endpoint.messenger.update(posted, card_message(card("Acme renewal: accepted by Carl")))
    sent = sim.sent_to(conversation_id)
    assert [s.method for s in sent] == ["POST", "POST", "PUT"]
    assert sent[2].activity_id == posted.activity_id
    assert "accepted" in sent[2].activity["attachments"][0]["content"]["body"][0]["text"]


async def test_a_throttled_proactive_send_waits_and_lands_once(sim: TeamsSimulator, endpoint: TeamsEndpoint) -> None:
    posted = await endpoint.messenger.open_thread(service_url=sim.service_url, tenant_id=sim.tenant_id,
                                                  channel_id=CHANNEL_ID, first=card_message(card("Globex")))
    conversation_id = posted.reference.conversation.id
    sim.throttle_next(conversation_id, times=2, retry_after=1)
    await endpoint.messenger.send(posted.reference, card_message(card("nudge")))
    assert sim.throttled.count(conversation_id) == 2
    assert [s.method for s in sim.sent_to(conversation_id)] == ["POST", "POST"]
