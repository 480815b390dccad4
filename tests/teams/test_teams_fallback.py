"""The Action.Submit fallback (Teams clients without Universal Actions) clicked on the handoff
card in its thread: an Action.Submit has no private answer, so Baton tells the clicker in their
personal chat, or @mentions them with who may act by role, never the CSM's address; the thread
only ever shows the card, updated in place."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from tests.teams.teams_world import TeamsWorld, teams_world

ROLE_ONLY = "You can't accept this handoff: only the assigned CSM can do that."


async def settled(w: TeamsWorld, conversation: str, count: int) -> list[dict]:
    """What the conversation got, once `count` messages arrived (the refusal is sent after the answer)."""
    for _ in range(100):
        if len(w.sent(conversation)) >= count:
            break
        await asyncio.sleep(0.05)
    return [s.activity for s in w.sent(conversation)]


async def test_a_refused_action_submit_in_the_thread_reaches_only_the_clicker(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        ana_chat = sim.install_personal(w.people["ana"])
        handoff_id = await w.close_deal(deal_id="D-7101")
        await w.deliver()
        await w.fill_packet("ana", handoff_id)
        await w.deliver()
        thread = w.thread_of(handoff_id)
        root = thread.split("=", 1)[1]
        card_id = w.baton_refs(handoff_id)["teams.card"]
        in_thread = len(w.sent(thread))
        in_ana_chat = len(w.sent(ana_chat))

        def click(who: str) -> dict:
            return w.acts.card_submit(w.people[who], {"verb": "accept", "handoff_id": handoff_id}, thread=root,
                                      reply_to=card_id)

        # The AE has Baton in her personal scope: told there, and the thread hears nothing.
        status, _ = await w.post(click("ana"))
        assert status == 200
        told = await settled(w, ana_chat, in_ana_chat + 1)
        assert told[-1]["text"] == ROLE_ONLY
        # Olga has no personal chat with Baton: @mentioned in the thread with the role, no address.
        assert (await w.post(click("olga")))[0] == 200
        thread_now = await settled(w, thread, in_thread + 1)
        [mention] = thread_now[in_thread:]
        assert mention["text"].startswith(ROLE_ONLY) and "<at>Olga Park</at>" in mention["text"]
        assert [e["mentioned"]["id"] for e in mention["entities"]] == [w.people["olga"]["id"]]
        assert "carl@example.com" not in json.dumps(thread_now[in_thread:])
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED

        # The CSM's click acts; the thread gets the card updated in place and the delivery's usual
        # notice, no answer to the click.
        carl_clicks = click("carl")
        assert (await w.post(carl_clicks))[0] == 200
        await w.deliver()
        assert w.baton.service.get(handoff_id).status is Status.ACCEPTED
        new = w.sent(thread)[in_thread + 1:]
        assert any(s.activity_id == card_id and s.method == "PUT" for s in new)  # the card, in place
        assert not any(s.reply_to_id == carl_clicks["id"] for s in new)  # no answer to the click itself
        assert "Accepted by carl@example.com" in json.dumps(w.card_now(handoff_id))
