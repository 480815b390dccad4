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


async def test_telling_a_person_uses_their_chat_when_installed_and_an_at_mention_in_the_thread_otherwise(
        sim: TeamsSimulator, endpoint: TeamsEndpoint) -> None:
    thread = await endpoint.messenger.open_thread(service_url=sim.service_url, tenant_id=sim.tenant_id,
                                                  channel_id=CHANNEL_ID, first=card_message(card("Initech")))
    installed, not_installed = user("Ivy Park"), user("Noel West")
    chat_id = sim.install_personal(installed)

    posted = await endpoint.messenger.tell(person(installed), card_message(card("Your packet is due Friday")),
                                           service_url=sim.service_url, tenant_id=sim.tenant_id,
                                           thread=thread.reference)
    assert posted.reference.conversation.id == chat_id
    assert "due Friday" in sim.sent_to(chat_id)[-1].activity["attachments"][0]["content"]["body"][0]["text"]
    assert endpoint.directory.personal_chat(installed["aadObjectId"]) is not None  # next time: no create

    fallback = await endpoint.messenger.tell(person(not_installed), card_message(card("Please accept Initech")),
                                             service_url=sim.service_url, tenant_id=sim.tenant_id,
                                             thread=thread.reference)
    assert fallback.reference.conversation.id == thread.reference.conversation.id
    in_thread = sim.sent_to(thread.reference.conversation.id)[-1].activity
    assert "<at>Noel West</at>" in in_thread["text"]
    assert in_thread["entities"][0]["mentioned"]["id"] == not_installed["id"]
    assert "accept Initech" in in_thread["attachments"][0]["content"]["body"][0]["text"]


async def test_a_person_with_neither_a_chat_nor_a_thread_is_reported_not_skipped(
        sim: TeamsSimulator, endpoint: TeamsEndpoint) -> None:
    import pytest

    from bot.teams.proactive import NotReachable

    with pytest.raises(NotReachable):
        await endpoint.messenger.tell(person(user("Olga Rey")), card_message(card("hello")),
                                      service_url=sim.service_url, tenant_id=sim.tenant_id, thread=None)
