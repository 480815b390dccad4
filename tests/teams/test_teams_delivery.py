"""Teams delivery details a person notices: the managers get Approve / Deny on the handoff card
itself while an exception waits (and lose them once it is decided); a quarter-end burst of deals
opens every thread once, paced under Teams' limits instead of drawing 429s; a thread Teams
keeps throttling goes back to the outbox uncounted and opens once."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from core.playbook import TeamsPlaces
from storage.tables import OUTBOX
from tests.fakes import FrozenClock
from tests.teams.teams_world import TeamsWorld, teams_playbook, teams_world
from tests.teams.test_teams_decisions import ask_for_an_exception


def titles(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


async def test_managers_see_approve_and_deny_on_the_handoff_card_while_an_exception_waits(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-8301")
        await w.deliver()
        await ask_for_an_exception(w, handoff_id)
        card = w.card_now(handoff_id)
        managers = {w.people["maria"]["id"], w.people["liam"]["id"]}
        assert managers <= set(card["refresh"]["userIds"])
        assert "Approve" not in titles(card)  # the thread's status card: no decision buttons for everyone

        mine = await w.click("liam", "refresh", {"handoff_id": handoff_id})
        assert titles(mine)[-2:] == ["Approve", "Deny"]
        olga = await w.click("olga", "refresh", {"handoff_id": handoff_id})
        assert "Approve" not in titles(olga)

        refused = await w.click("ana", "approve", {"handoff_id": handoff_id})
        assert refused["body"][0]["text"] == "You can't approve this exception: only a sales or CS manager can do that."
        decided = await w.click("liam", "approve", {"handoff_id": handoff_id})
        assert w.baton.service.get(handoff_id).status is Status.SUBMITTED
        assert "Approve" not in titles(decided)
        await w.deliver()
        after = w.card_now(handoff_id)
        assert not managers & set(after.get("refresh", {}).get("userIds", []))
        assert "Submitted with a manager's approved exception." in json.dumps(after)


BURST_CHANNEL = "19:quarter-end-burst@thread.tacv2"


async def deliver_all(w: TeamsWorld, *, limit: float = 60.0) -> None:
    """The dispatcher's loop as `baton serve` runs it, with the frozen clock moved on while
    messages wait for their conversation's slot (a paced message is put back until then)."""
    dispatcher, clock = w.baton.dispatcher, w.baton.clock
    assert dispatcher is not None and isinstance(clock, FrozenClock)
    deadline = asyncio.get_running_loop().time() + limit
    while dispatcher._undelivered():
        assert asyncio.get_running_loop().time() < deadline, "the burst was not delivered in time"
        if await dispatcher.drain_once() == 0:
            clock.advance(seconds=0.5)
            await asyncio.sleep(0.5)


async def test_a_burst_of_deals_opens_every_thread_once_without_drawing_a_single_429(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    playbook = teams_playbook()
    playbook = playbook.model_copy(update={"teams": TeamsPlaces(channel_id=BURST_CHANNEL)})
    async with teams_world(tmp_path, sim, playbook=playbook) as w:
        for member in w.people.values():
            if member not in sim._conversations[BURST_CHANNEL].members:
                sim.add_member(BURST_CHANNEL, member)
        throttled_before = len(sim.throttled)
        ids = [await w.close_deal(deal_id=f"D-95{n:02}", account=f"Burst Account {n}") for n in range(24)]
        started = time.monotonic()
        await deliver_all(w)
        took = time.monotonic() - started

        threads = [s for s in w.sim.sent[w.since:] if s.method == "POST" and s.conversation_id.startswith(BURST_CHANNEL)
                   and s.conversation_id.endswith(f"={s.activity_id}")]
        assert len(threads) == 24  # one thread per deal, none twice
        assert {w.thread_of(h) for h in ids} == {t.conversation_id for t in threads}
        assert sim.throttled[throttled_before:] == []  # paced on Baton's side: Teams never had to say 429
        # 24 posts in one channel: Teams allows 8 in any 2 s, so no less than ~4 s; Baton keeps one spare.
        assert 4.0 <= took <= 20.0, took


async def test_a_thread_teams_keeps_throttling_is_put_back_uncounted_then_opened_once(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    channel = "19:throttled-channel@thread.tacv2"
    playbook = teams_playbook().model_copy(update={"teams": TeamsPlaces(channel_id=channel)})
    async with teams_world(tmp_path, sim, playbook=playbook) as w:
        for member in w.people.values():
            if member not in sim._conversations[channel].members:
                sim.add_member(channel, member)
        sim.throttle_next(channel, times=5, retry_after=1)  # more 429s than one delivery waits out in place
        handoff_id = await w.close_deal(deal_id="D-9701")
        # The server's dispatcher tries it: five 429s (four waited out in place), then it goes back.
        def put_back() -> tuple[str, int, bool]:
            with Session(w.baton.engine) as session:
                status, attempts, due = session.execute(
                    select(OUTBOX.c.status, OUTBOX.c.attempts, OUTBOX.c.next_attempt_at)).one()
            return status, attempts, due is not None and due.replace(tzinfo=None) > \
                w.baton.clock.now().replace(tzinfo=None)

        for _ in range(150):
            if sim.throttled.count(channel) == 5 and put_back()[2]:
                break
            await asyncio.sleep(0.1)
        assert "teams.thread" not in w.baton_refs(handoff_id)
        assert put_back() == ("pending", 0, True)  # Teams asked Baton to slow down: put back, not a failure

        await deliver_all(w)
        opened = [s for s in w.sim.sent[w.since:] if s.conversation_id.startswith(channel)
                  and s.conversation_id.endswith(f"={s.activity_id}")]
        assert len(opened) == 1 and w.thread_of(handoff_id) == opened[0].conversation_id
