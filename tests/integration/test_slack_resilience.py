"""Slack goes down, or pushes back with 429s at quarter end: Baton queues, waits and catches up,
and every person hears about every deal exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.dispatcher import MAX_ATTEMPTS
from bot.slack import ids
from storage.stats import status_counts
from tests.integration.slack_world import UNLIMITED, SlackWorld, buttons, slack_world

CSMS = ("dev.patel@example.com", "emma.jones@example.com")
AMOUNTS = (10_000, 60_000, 150_000)  # low-touch (a thread), hybrid and high-touch (channels)


def deal(n: int) -> dict[str, Any]:
    return {"deal_id": f"006-Q4-{n:03}", "event_id": f"evt-q4-{n}", "account": f"Quarter End {n:03}",
            "amount": AMOUNTS[n % 3], "csm_email": CSMS[n % 2]}


async def close_deals(w: SlackWorld, count: int) -> list[dict[str, Any]]:
    deals = [deal(n) for n in range(count)]
    answers = await asyncio.gather(*(w.close_deal(**d) for d in deals))
    assert [status for status, _ in answers] == [202] * count
    return deals


def assert_each_deal_delivered_once(w: SlackWorld, deals: list[dict[str, Any]]) -> None:
    """One DM to the deal's CSM, one 'fill the packet' DM to the AE, one card, and for a
    channel deal one channel; and nothing left undelivered or given up on."""
    users = {u.email: u.id for u in w.sim.workspace.users.values()}
    dms = {email: w.texts(w.dm(users[email])) for email in CSMS}
    ae_dms = [m for m in w.dm(w.ae) if ids.FILL_PACKET in buttons(m)]
    everywhere = [m for c in w.sim.workspace.channels.values() if not c.is_im for m in w.sim.messages(c.id)]
    channel_names = Counter(c.name for c in w.sim.workspace.channels.values())
    for d in deals:
        account = d["account"]
        assert sum(account in t and "New handoff" in t for t in dms[d["csm_email"]]) == 1, account
        assert sum(account in m.get("text", "") for m in ae_dms) == 1, account
        assert sum(m.get("text", "").startswith(f"Handoff for {account}") for m in everywhere) == 1, account
        if d["amount"] >= 25_000:
            slug = f"handoff-quarter-end-{account[-3:]}-{d['deal_id'].lower()}"
            assert channel_names[slug] == 1, slug
    assert all(n == 1 for n in channel_names.values()), channel_names
    _, outbox = status_counts(w.baton.engine)
    assert set(outbox) == {"sent"}, outbox


async def test_deals_closed_during_a_slack_outage_are_all_delivered_once_slack_is_back(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False, retry_seconds=0.05) as w:
        w.sim.outage(True)
        deals = await close_deals(w, 6)
        outlasting = len(deals) * (MAX_ATTEMPTS + 2)  # an outage longer than any retry budget
        deadline = time.monotonic() + 10
        while w.sim.stats.server_errors.total() < outlasting and time.monotonic() < deadline:
            await asyncio.sleep(0.06)
            await w.dispatcher.drain_once()
        assert w.sim.stats.server_errors.total() >= outlasting
        assert not any(c.name.startswith("handoff-") for c in w.sim.workspace.channels.values())

        w.sim.outage(False)
        await w.deliver()
        assert_each_deal_delivered_once(w, deals)


async def test_scattered_server_errors_while_deals_close_lose_and_double_nothing(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False, retry_seconds=0.05) as w:
        w.sim.fail_next("conversations.create", 500, times=3)
        w.sim.fail_next("chat.postMessage", 502, times=4, body="empty")
        w.sim.fail_next("conversations.invite", 500, times=2)
        deals = await close_deals(w, 6)
        await w.deliver()
        assert w.sim.stats.server_errors.total() == 9
        assert_each_deal_delivered_once(w, deals)


async def test_a_quarter_end_burst_is_paced_under_slacks_limits_and_delivered_once(tmp_path: Path, db_url: str) -> None:
    async with slack_world(tmp_path, rate_limits=True, time_scale=60, database_url=db_url) as w:
        started = time.monotonic()
        deals = await close_deals(w, 30)
        await w.deliver()
        took = time.monotonic() - started

        assert_each_deal_delivered_once(w, deals)
        # Channel creation (Tier 2) is the bottleneck; each CSM's DM goes out ahead of it.
        csms = {w.csm, w.other_csm}
        told = [i for i, c in enumerate(w.sim.calls) if c.method == "chat.postMessage" and c.params["channel"] in csms]
        created = [i for i, c in enumerate(w.sim.calls) if c.method == "conversations.create"]
        assert max(told) < max(created)
        calls, limited = w.sim.stats.total_calls, w.sim.stats.total_ratelimited
        print(f"\n30 deals at 60x Slack speed: {calls} calls, {limited} answered 429, {took:.1f}s")
        assert limited <= 3, dict(w.sim.stats.ratelimited)


async def test_when_slack_answers_429_baton_waits_as_told_and_still_delivers_everything_once(tmp_path: Path) -> None:
    # Baton's own pacing is off (it believes Slack has no limits): the 429s come back with
    # Retry-After, and the dispatcher must honour them without losing or doubling a thing.
    async with slack_world(tmp_path, rate_limits=True, time_scale=60, limiter_speed=UNLIMITED) as w:
        started = time.monotonic()
        # 40 new channels at once: twice Slack's Tier 2 allowance for conversations.create.
        deals = await close_deals(w, 60)
        await w.deliver()
        took = time.monotonic() - started

        assert_each_deal_delivered_once(w, deals)
        limited = w.sim.stats.total_ratelimited
        print(f"\n60 deals, no proactive pacing: {w.sim.stats.total_calls} calls, {limited} answered 429, "
              f"{took:.1f}s")
        assert limited > 0
