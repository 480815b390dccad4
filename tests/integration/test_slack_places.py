"""Where a handoff lives in Slack: a thread of the shared channel for small deals, a private
channel for big ones, a free name when ours is taken, and user text that never pings anyone."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.slack import ids
from storage.stats import status_counts
from tests.integration.slack_world import SlackWorld, buttons, slack_world

SHARED = "handoffs"


def formatted_texts(node: Any) -> Iterator[str]:
    """Every string Slack formats: mrkdwn text objects and message `text`. plain_text is shown
    as typed (no mentions, no markup), so it may carry the account name as it is."""
    if isinstance(node, list):
        for item in node:
            yield from formatted_texts(item)
    elif isinstance(node, dict) and node.get("type") != "plain_text":
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from formatted_texts(value)


def everything_baton_said(w: SlackWorld) -> str:
    """Every formatted text in every conversation (topic and purpose changes included)."""
    said = [m for c in list(w.sim.workspace.channels.values()) for m in w.sim.messages(c.id)]
    return "\n".join(formatted_texts(said))


async def test_a_small_deal_becomes_a_thread_in_the_shared_channel_baton_creates(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal(amount=12_000)
        _, other = await w.close_deal(deal_id="006-SM-0002", event_id="evt-2", account="Tiny Tools", amount=8_000)
        await w.deliver()

        shared = w.sim.channel_by_name(SHARED)
        assert shared is not None and not shared.is_private and w.sim.bot_user_id in shared.members
        assert not [c for c in w.sim.workspace.channels.values() if c.name.startswith("handoff-")]
        assert w.channel_of(opened["handoff_id"]) == w.channel_of(other["handoff_id"]) == shared.id
        card = w.card(opened["handoff_id"])
        assert w.baton_refs(opened["handoff_id"])["slack.thread_ts"] == card["ts"]  # the card heads the thread
        # One post per handoff in the shared channel: the AE and CSM are mentioned on the card.
        assert f"<@{w.ae}>" in card["text"] and f"<@{w.csm}>" in card["text"]
        assert f"<@{w.ae}>" in json.dumps(card["blocks"]) and f"<@{w.csm}>" in json.dumps(card["blocks"])
        assert len(w.sim.messages(shared.id)) == 2  # two handoffs, two cards, no replies
        told = [t for t in w.texts(w.dm(w.csm)) if "New handoff" in t]  # one message, or two merged
        assert sum(t.count("Northwind Traders") > 0 for t in told) == sum(t.count("Tiny Tools") > 0 for t in told) == 1

        # Two handoffs share this channel: `status` here cannot mean one of them.
        answer = await w.people.command(w.ae, "status", channel=shared.id)
        assert "Your open handoffs" in answer.text and "Northwind" in answer.text and "Tiny Tools" in answer.text


async def test_a_shared_channel_someone_else_made_is_joined_not_duplicated(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        existing = w.sim.add_channel(SHARED, members=[w.manager])
        await w.close_deal(amount=12_000)
        await w.deliver()

        assert [c.id for c in w.sim.workspace.channels.values() if c.name == SHARED] == [existing]
        assert w.sim.bot_user_id in w.sim.workspace.channels[existing].members
        assert any(ids.FILL_PACKET in buttons(m) for m in w.sim.messages(existing))


async def test_a_big_deal_gets_a_private_channel_with_the_ae_csm_and_managers(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        await w.close_deal(amount=250_000)
        await w.deliver()

        channel = w.sim.channel_by_name("handoff-northwind-traders-006-nw-2291")
        assert channel is not None and channel.is_private
        assert {w.ae, w.csm, w.manager, w.cs_manager} <= set(channel.members)
        assert "High-touch (enterprise)" in channel.topic.value and len(channel.pins) == 1
        assert w.sim.channel_by_name(SHARED) is None


async def test_a_channel_name_taken_by_someone_else_gets_a_suffix_and_their_channel_is_left_alone(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        theirs = w.sim.add_channel("handoff-northwind-traders-006-nw-2291", private=True, members=[w.other_csm])
        _, opened = await w.close_deal()
        await w.deliver()

        ours = w.sim.channel_by_name("handoff-northwind-traders-006-nw-2291-1")
        assert ours is not None and w.channel_of(opened["handoff_id"]) == ours.id
        assert w.sim.messages(theirs) == [] and w.sim.workspace.channels[theirs].members == [w.other_csm]


async def test_mentions_and_markup_in_an_account_name_never_reach_slack_unescaped(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        account = "<!channel> *Acme* & <@U0000000001> <https://evil.example|Co>"
        _, opened = await w.close_deal(account=account, name="<!here> expansion")
        await w.deliver()
        await w.close_deal(deal_id="006-SM-0003", event_id="evt-3", account=account, amount=5_000)
        await w.deliver()

        said = everything_baton_said(w)
        for raw in ("<!channel>", "<!here>", "<@U0000000001>", "<https://evil.example", "*Acme*"):
            assert raw not in said, raw
        assert "&lt;!channel&gt;" in said
        name = w.sim.workspace.channels[w.channel_of(opened["handoff_id"])].name
        assert re.fullmatch(r"handoff-channel-acme-[a-z0-9-]+-006-nw-2291", name) and len(name) <= 80


async def test_a_deal_whose_ae_slack_does_not_know_still_opens_and_revops_hears_about_it(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        status, opened = await w.close_deal(ae_email="new.hire@example.com")
        assert status == 202
        await w.deliver()

        warnings = [m["text"] for m in w.sim.messages("revops")]
        assert len(warnings) == 1 and "new.hire@example.com" in warnings[0] and "Northwind" in warnings[0]
        channel = w.sim.workspace.channels[w.channel_of(opened["handoff_id"])]
        assert w.csm in channel.members and any(ids.FILL_PACKET in buttons(m) for m in w.sim.messages(channel.id))
        assert any("New handoff" in t for t in w.texts(w.dm(w.csm)))


async def test_people_on_a_thread_handoff_are_in_the_shared_channel_and_outsiders_still_get_an_answer(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        await w.close_deal(amount=12_000)
        await w.deliver()
        shared = w.sim.workspace.channel_named(SHARED)
        assert shared is not None and {w.ae, w.csm, w.manager, w.cs_manager} <= set(shared.members)

        # Anyone may read a public channel without joining it, and click what they see there.
        assert w.other_csm not in shared.members
        await w.people.click(w.other_csm, ids.SUBMIT_PACKET, channel=shared.id)
        await w.settle(lambda: bool(w.sim.ephemerals(w.other_csm)) or len(w.dm(w.other_csm)) > 0)
        answers = [e["text"] for e in w.sim.ephemerals(w.other_csm)] + [m["text"] for m in w.dm(w.other_csm)]
        assert answers == ["You can't submit this packet: only the account executive can do that."]


async def test_small_deals_closing_together_share_one_shared_channel(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        closes = [w.close_deal(deal_id=f"006-SM-1{n:03}", event_id=f"evt-sm-{n}", account=f"Small {n}", amount=9_000)
                  for n in range(8)]
        await asyncio.gather(*closes)
        await w.deliver()

        assert [c.name for c in w.sim.workspace.channels.values()].count(SHARED) == 1
        shared = w.sim.workspace.channel_named(SHARED)
        assert shared is not None
        assert sum(ids.FILL_PACKET in buttons(m) for m in w.sim.messages(shared.id)) == 8
        _, outbox = status_counts(w.baton.engine)
        assert set(outbox) == {"sent"}, outbox


# The scopes the manifest asked for before the scope table: no channels:read, groups:read, channels:join.
SCOPES_BEFORE_THE_TABLE = frozenset({
    "commands", "chat:write", "channels:manage", "groups:write", "users:read", "users:read.email",
    "im:write", "pins:write", "bookmarks:write", "usergroups:read", "files:read", "files:write",
})


async def test_with_the_old_manifests_scopes_slack_refuses_the_lookup_and_no_card_is_posted(tmp_path: Path) -> None:
    """Why the manifest is generated: the same story with yesterday's scopes posts no card at all."""
    async with slack_world(tmp_path, rate_limits=False) as w:
        w.sim.workspace.bot_scopes = SCOPES_BEFORE_THE_TABLE
        w.sim.add_channel(SHARED, members=[w.manager])
        await w.close_deal(amount=12_000)
        await w.deliver()

        refused = [c for c in w.sim.calls if c.method == "conversations.list"]
        assert refused, "Baton looks the shared channel up"
        shared = w.sim.channel_by_name(SHARED)
        assert shared is not None and w.sim.bot_user_id not in shared.members
        assert w.sim.messages(shared.id) == []
        assert w.sim.stats.errors["conversations.list"] >= 1
