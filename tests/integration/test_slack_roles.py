"""Roles named by Slack user group (@cs-leads) follow Slack's membership, read through the API."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.directory import SlackDirectory
from bot.slack.simulator import SlackSimulator
from core.people import Role
from core.playbook import Roles
from storage.chat_refs import ChatRefs
from storage.engine import make_engine
from storage.migrate import upgrade


async def test_a_member_of_a_manager_user_group_is_a_manager_and_others_are_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roles.db'}"
    upgrade(url)
    async with SlackSimulator(rate_limits=False) as sim:
        lead = sim.add_user("lea", "lea@example.com")
        rep = sim.add_user("ray", "ray@example.com")
        sim.add_usergroup("cs-leads", [lead])
        client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
        directory = SlackDirectory(refs=ChatRefs(make_engine(url)), roles=Roles(cs_managers=["@cs-leads"]))

        assert Role.CS_MANAGER in (await directory.actor(client, lead)).roles
        assert (await directory.actor(client, rep)).roles == frozenset()
        assert sum(1 for c in sim.calls if c.method == "usergroups.list") == 1  # cached, not asked per click


async def test_many_deliveries_asking_for_one_person_share_a_single_lookup(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime

    from bot.slack.calls import SlackCaller
    from bot.slack.ratelimit import SlackRateLimiter

    url = f"sqlite:///{tmp_path / 'lookups.db'}"
    upgrade(url)
    async with SlackSimulator(rate_limits=True) as sim:
        csm = sim.add_user("cara", "cara@example.com")
        caller = SlackCaller(AsyncWebClient(token=sim.bot_token, base_url=sim.api_url), SlackRateLimiter())
        directory = SlackDirectory(refs=ChatRefs(make_engine(url)), roles=Roles())
        now = datetime.now(UTC)
        ids = await asyncio.gather(*(directory.user_id(caller, "Cara@example.com", at=now) for _ in range(100)))
        assert set(ids) == {csm}
        assert sum(1 for c in sim.calls if c.method == "users.lookupByEmail") == 1
