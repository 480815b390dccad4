"""Quarter end through the real HTTP entry point: many deals close at once for few CSMs. Each CSM
hears at once and then gets the rest merged into a few messages (every handoff listed, each with
its own buttons), nothing is lost or doubled, and Slack never has to answer 429."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.slack import ids
from bot.slack.mailbox import MAX_BLOCKS, Mailbox, Notice
from storage.stats import status_counts
from tests.integration.slack_world import SlackWorld, buttons, slack_world

ACCOUNT = re.compile(r"Burst (\d{3}) Holdings")


async def burst(w: SlackWorld, count: int, csms: list[str]) -> list[dict[str, Any]]:
    deals: list[dict[str, Any]] = [{"deal_id": f"006-BU-{n:03}", "event_id": f"evt-bu-{n}", "account": f"Burst {n:03} Holdings",
              "amount": 10_000 if n % 3 else 60_000, "csm_email": csms[n % len(csms)]} for n in range(count)]
    answers = await asyncio.gather(*(w.close_deal(**d) for d in deals))
    assert [status for status, _ in answers] == [202] * count
    return deals


def deals_named(messages: list[dict[str, Any]]) -> Counter[str]:
    """How often each deal is named across `messages` (a merged message names several)."""
    return Counter(n for m in messages for n in dict.fromkeys(ACCOUNT.findall(m.get("text", ""))))


async def test_a_burst_for_two_csms_tells_each_at_once_then_in_a_few_merged_messages(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:  # Slack's real limits, 60x faster
        csms = {"dev.patel@example.com": w.csm, "emma.jones@example.com": w.other_csm}
        deals = await burst(w, 40, list(csms))
        await w.deliver()

        for email, user in csms.items():
            dms = w.dm(user)
            mine = {d["account"][6:9] for d in deals if d["csm_email"] == email}
            named = deals_named(dms)
            assert set(named) == mine and set(named.values()) == {1}, named  # none lost, none twice
            assert len(dms) <= 5, [(m["ts"], ACCOUNT.findall(m["text"])) for m in dms]  # not twenty DMs: a handful
            merged = [m for m in dms if len(ACCOUNT.findall(m["text"])) > 1]
            assert merged, "the DMs that waited on the rate limit went out together"
            for message in merged:
                assert len(message["blocks"]) <= MAX_BLOCKS
                listed = {n for b in message["blocks"] for n in ACCOUNT.findall(json.dumps(b))}
                assert listed == set(ACCOUNT.findall(message["text"]))  # each handoff shown, not only in the text
        # The AE's "fill the packet" DMs that were merged still carry one button per handoff.
        fills = [m for m in w.dm(w.ae) if ids.FILL_PACKET in buttons(m)]
        assert sum(deals_named(fills).values()) == len(deals) == len(set(deals_named(fills)))
        for message in fills:
            values = [e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
            assert len(values) == len(ACCOUNT.findall(message["text"])) == len(set(values))
        assert w.sim.stats.total_ratelimited == 0, dict(w.sim.stats.ratelimited)
        _, outbox = status_counts(w.baton.engine)
        assert set(outbox) == {"sent"}, outbox


async def test_a_click_on_a_button_in_a_merged_message_opens_that_handoffs_packet(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        await burst(w, 12, ["dev.patel@example.com"])
        await w.deliver()
        merged = next(m for m in w.dm(w.ae) if len(ACCOUNT.findall(m["text"])) > 1)
        actions = [b for b in merged["blocks"] if b["type"] == "actions"]
        assert len({b["block_id"] for b in actions}) == len(actions)  # Slack refuses repeated block ids
        button = actions[-1]["elements"][0]
        handoff_id = ids.Ref.loads(button["value"]).h
        answer = await w.people.click(w.ae, ids.FILL_PACKET, value=button["value"])
        assert answer.status == 200
        await w.settle(lambda: w.people.top_view(w.ae) is not None)
        view = w.people.top_view(w.ae)
        assert view is not None and handoff_id in json.dumps(view)


async def test_a_merged_dm_is_not_sent_again_when_its_deliveries_are_replayed(tmp_path: Path) -> None:
    # A crash after Slack took the merged message and its steps were recorded: every carried
    # handoff's outbox message comes back, and none of them posts its notice a second time.
    async with slack_world(tmp_path) as w:
        await burst(w, 8, ["dev.patel@example.com"])
        await w.deliver()
        before = len(w.dm(w.csm))
        assert any(len(ACCOUNT.findall(m["text"])) > 1 for m in w.dm(w.csm))
        with w.baton.engine.begin() as db:
            db.exec_driver_sql("UPDATE outbox SET status = 'pending', sent_at = NULL, next_attempt_at = created_at")
        await w.deliver()
        assert len(w.dm(w.csm)) == before


def test_merged_notices_fit_slacks_block_limit_and_the_rest_wait_for_the_next_message() -> None:
    box = Mailbox()
    fill = ({"type": "section", "text": {"type": "mrkdwn", "text": "x"}},
            {"type": "actions", "block_id": "fill", "elements": []})
    for n in range(40):
        box.add("U1", Notice(f"k{n}:dm_ae", f"Burst {n:03} Holdings closed", fill))
    first = box.next_message("U1")
    assert first is not None and len(first.notices) == 25 and len(first.blocks or []) == 50
    assert len({b["block_id"] for b in first.blocks or [] if "block_id" in b}) == 25
    box.sent("U1", first)
    rest = box.next_message("U1")
    assert rest is not None and [n.step for n in rest.notices] == [f"k{n}:dm_ae" for n in range(25, 40)]


def test_a_single_waiting_notice_goes_out_exactly_as_it_would_alone() -> None:
    box = Mailbox()
    box.add("U1", Notice("k:dm_csm", "New handoff coming your way"))
    message = box.next_message("U1")
    assert message is not None and message.text == "New handoff coming your way" and message.blocks is None


SCALE = 10.0  # Slack's windows 10x faster: Baton's own CPU time (not scaled) stays small beside them


@pytest.mark.slow
@pytest.mark.parametrize(("aes", "csm_count"), [(40, 10), (40, 2)])
async def test_a_200_deal_quarter_end_burst(tmp_path: Path, aes: int, csm_count: int) -> None:
    """200 deals, through HTTP, Slack's limits at 10x: every CSM told within a minute (Slack
    time), a handful of messages per person, nothing lost or doubled, no 429."""
    async with slack_world(tmp_path, time_scale=SCALE) as w:
        ae_emails = [f"ae{i:02d}@example.com" for i in range(aes)]
        csm_emails = [f"csm{i:02d}@example.com" for i in range(csm_count)]
        people = {e: w.sim.add_user(e.split("@")[0], e) for e in ae_emails + csm_emails}
        deals: list[dict[str, Any]] = [{
                  "deal_id": f"006-BU-{n:03}", "event_id": f"evt-bu-{n}", "account": f"Burst {n:03} Holdings",
                  "amount": 10_000 if n % 3 else 60_000, "csm_email": csm_emails[n % csm_count],
                  "ae_email": ae_emails[n % aes]} for n in range(200)]
        started = time.time()
        answers = await asyncio.gather(*(w.close_deal(**d) for d in deals))
        assert [s for s, _ in answers] == [202] * 200
        await w.deliver()
        took = time.time() - started

        per_person = {e: len(w.dm(people[e])) for e in ae_emails + csm_emails}
        first_told = {e: (float(w.dm(people[e])[0]["ts"]) - started) * SCALE for e in csm_emails}
        for email in csm_emails:
            named = deals_named(w.dm(people[email]))
            assert len(named) == 200 // csm_count and set(named.values()) == {1}, email
        cards = [m for c in w.sim.workspace.channels.values() if not c.is_im for m in w.sim.messages(c.id)
                 if m.get("text", "").startswith("Handoff for Burst")]
        assert len(cards) == 200 and len({m["text"].split(" (")[0] for m in cards}) == 200
        last_card = (max(float(m["ts"]) for m in cards) - started) * SCALE
        print(f"\n200 deals, {aes} AEs, {csm_count} CSMs at {SCALE:g}x: {took:.1f} s real; messages per CSM "
              f"{sorted(per_person[e] for e in csm_emails)}, per AE max {max(per_person[e] for e in ae_emails)}; "
              f"each CSM first told after {max(first_told.values()):.0f} s at most (Slack time); "
              f"last card {last_card:.0f} s (Slack time)")
        assert max(first_told.values()) <= 60, first_told
        assert max(per_person[e] for e in csm_emails) <= 8, per_person
        assert max(per_person[e] for e in ae_emails) <= 200 // aes, per_person
        assert w.sim.stats.total_ratelimited == 0, dict(w.sim.stats.ratelimited)
        _, outbox = status_counts(w.baton.engine)
        assert set(outbox) == {"sent"}, outbox
