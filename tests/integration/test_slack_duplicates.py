"""Everything arrives twice sooner or later: webhooks, Slack's event retries, impatient clicks,
and deliveries cut short. Each changes Slack once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.slack import ids
from core.machine import Status
from storage.chat_refs import ChatRefs
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, buttons, slack_world

CHANNEL = "handoff-northwind-traders-006-nw-2291"


def handoff_channels(w: SlackWorld) -> list[str]:
    return [c.name for c in w.sim.workspace.channels.values() if c.name.startswith("handoff-")]


def csm_heard_of_it(w: SlackWorld) -> int:
    return sum("New handoff" in t for t in w.texts(w.dm(w.csm)))


def cards(w: SlackWorld, channel: str) -> list[dict[str, object]]:
    return [m for m in w.sim.messages(channel) if ids.FILL_PACKET in buttons(m)]


async def test_the_same_deal_webhook_delivered_twice_opens_one_channel_and_tells_the_csm_once(
    tmp_path: Path, db_url: str,
) -> None:
    async with slack_world(tmp_path, rate_limits=False, database_url=db_url) as w:
        first, again = await asyncio.gather(w.close_deal(), w.close_deal())
        later = await w.close_deal(event_id="evt-2")  # the CRM sends the deal again with a new id
        await w.deliver()

        assert sorted([first[0], again[0]]) == [200, 202] and later[0] == 200
        assert first[1]["handoff_id"] == again[1]["handoff_id"] == later[1]["handoff_id"]
        assert handoff_channels(w) == [CHANNEL]
        assert w.sim.stats.calls["conversations.create"] == 1
        assert csm_heard_of_it(w) == 1
        assert len(cards(w, CHANNEL)) == 1


async def test_a_slack_event_retried_with_the_same_event_id_is_handled_once(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        first = await w.people.open_home(w.ae, event_id="Ev0HOME1")
        await w.settle(lambda: w.sim.home(w.ae) is not None)
        retries = await asyncio.gather(*(w.people.open_home(w.ae, event_id="Ev0HOME1", retry_num=n) for n in (1, 2)))
        await asyncio.sleep(0.3)  # room for a second publish, if one were coming

        assert first.status == 200 and [r.status for r in retries] == [200, 200]
        assert w.sim.stats.calls["views.publish"] == 1
        await w.people.open_home(w.ae)  # a new visit is a new event, and is answered
        await w.settle(lambda: w.sim.stats.calls["views.publish"] == 2)


async def test_a_double_click_on_accept_flips_ownership_once_and_announces_it_once(tmp_path: Path, db_url: str) -> None:
    async with slack_world(tmp_path, rate_limits=False, database_url=db_url) as w:
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        await w.fill_packet(HYBRID_PACKET)
        await w.deliver()

        answers = await asyncio.gather(w.people.click(w.csm, ids.ACCEPT), w.people.click(w.csm, ids.ACCEPT))
        assert [a.status for a in answers] == [200, 200]
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.ACCEPTED)
        await asyncio.sleep(0.2)  # let the losing click finish too
        await w.deliver()

        handoff = w.baton.service.get(handoff_id)
        assert [e.action for e in handoff.audit].count("accept") == 1
        announcements = [m for m in w.sim.messages(CHANNEL) if "now belongs to" in json.dumps(m.get("blocks"))]
        assert len(announcements) == 1


async def test_a_delivery_cut_short_by_a_slack_error_resumes_without_sending_anything_twice(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False, retry_seconds=0.05) as w:
        w.sim.fail_next("pins.add", 500)
        await w.close_deal()
        await w.deliver()

        assert w.sim.stats.server_errors["pins.add"] == 1
        assert handoff_channels(w) == [CHANNEL]
        channel = w.sim.channel_by_name(CHANNEL)
        assert channel is not None and len(channel.pins) == 1
        assert len(cards(w, CHANNEL)) == 1 and csm_heard_of_it(w) == 1
        assert sum(ids.FILL_PACKET in buttons(m) for m in w.dm(w.ae)) == 1
        for method in ("conversations.create", "conversations.invite", "conversations.setTopic", "bookmarks.add"):
            assert w.sim.stats.calls[method] == 1, method


async def test_a_channel_created_just_before_a_crash_is_adopted_not_duplicated(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        with w.deliveries_held():
            _, opened = await w.close_deal()
            # The last run created the channel, then died before recording it: only the name it
            # tried is remembered, and Slack has a private channel of ours by that name.
            w.sim.add_channel(CHANNEL, private=True, with_bot=True)
            ChatRefs(w.baton.engine).set(opened["handoff_id"], "slack.channel_name", CHANNEL, at=datetime.now(UTC))
        await w.deliver()

        assert handoff_channels(w) == [CHANNEL]
        assert w.channel_of(opened["handoff_id"]) == w.sim.workspace.channel_named(CHANNEL).id
        assert len(cards(w, CHANNEL)) == 1
