"""One Baton serving Slack and Teams at once: each segment's handoffs live on the platform
app.yaml names, side by side without touching the other, and a delivery interrupted midway
resumes without repeating anything on either platform."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from bot.teams.config import TeamsConfig
from bot.teams.proactive import TeamsMessenger
from bot.teams.simulator import TeamsSimulator
from bot.teams.simulator.activities import CHANNEL_ID, Activities, user
from core.machine import Status
from core.playbook import Platform, TeamsPlaces
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, slack_world
from tests.integration.slack_world import test_playbook as slack_playbook

SLACK_AE, SLACK_CSM = "ana.ortiz@example.com", "dev.patel@example.com"


def both_platforms_playbook():  # type: ignore[no-untyped-def]
    """The shipped playbook with Mid-Market (hybrid) deals in Teams, the others in Slack."""
    shipped = slack_playbook()
    segments = [s.model_copy(update={"platform": Platform.TEAMS}) if s.id == "hybrid" else s for s in shipped.segments]
    return shipped.model_copy(update={"segments": segments, "teams": TeamsPlaces(channel_id=CHANNEL_ID)})


def roster(sim: TeamsSimulator) -> None:
    for name, email in (("Ana Ortiz", SLACK_AE), ("Dev Patel", SLACK_CSM), ("Maria Gomez", "maria.gomez@example.com"),
                        ("Liam Chen", "liam.chen@example.com")):
        member = user(name, email=email)
        if member not in sim._conversations[CHANNEL_ID].members:
            sim.add_member(CHANNEL_ID, member)


async def installed_in_teams(w: SlackWorld, sim: TeamsSimulator) -> None:
    """A manager adds Baton to the team: Teams tells the bot where to call back (its service URL)."""
    assert w.baton.teams is not None
    added = Activities(sim).installed(user("Maria Gomez", email="maria.gomez@example.com"))
    async with aiohttp.ClientSession() as http, http.post(
            str(w.server.make_url("/api/messages")), json=added, headers=sim.auth()) as answer:
        assert answer.status == 200  # the server that answers Slack answers Teams too


async def test_a_slack_handoff_and_a_teams_handoff_run_side_by_side(tmp_path: Path, sim: TeamsSimulator) -> None:
    roster(sim)
    teams = TeamsConfig.from_env(sim.env())
    async with slack_world(tmp_path, rate_limits=False, playbook=both_platforms_playbook(), teams=teams) as w:
        await installed_in_teams(w, sim)
        _, in_slack = await w.close_deal(deal_id="006-SMB-1", amount=12_000, event_id="evt-slack")
        _, in_teams = await w.close_deal(deal_id="006-MM-2", amount=60_000, event_id="evt-teams",
                                         account="Teams Account Inc")
        await w.deliver()

        slack_refs, teams_refs = w.baton_refs(in_slack["handoff_id"]), w.baton_refs(in_teams["handoff_id"])
        assert "slack.card_ts" in slack_refs and not any(k.startswith("teams.") for k in slack_refs)
        assert "teams.card" in teams_refs and not any(k.startswith("slack.") for k in teams_refs)
        slack_text = json.dumps([m for c in w.sim.workspace.channels for m in w.sim.messages(c)])
        assert "Teams Account Inc" not in slack_text and "Northwind Traders" in slack_text
        teams_thread = teams_refs["teams.thread"]
        teams_text = json.dumps([s.activity for s in sim.sent_to(teams_thread)])
        assert "Teams Account Inc" in teams_text and "Northwind" not in teams_text

        await w.fill_packet(HYBRID_PACKET)  # the Slack AE works their Slack handoff as before
        await w.deliver()
        assert w.baton.service.get(in_slack["handoff_id"]).status is Status.SUBMITTED
        assert w.baton.service.get(in_teams["handoff_id"]).status is Status.OPENED


async def test_a_delivery_interrupted_midway_resumes_once_per_platform(tmp_path: Path, sim: TeamsSimulator) -> None:
    roster(sim)
    teams = TeamsConfig.from_env(sim.env())
    async with slack_world(tmp_path, rate_limits=False, playbook=both_platforms_playbook(), teams=teams,
                           retry_seconds=0.05) as w:
        await installed_in_teams(w, sim)
        crashes: list[str] = []
        original = TeamsMessenger.tell

        async def tell_after_a_crash(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not crashes:
                crashes.append("crashed")  # the thread is open; the process dies before telling anyone
                raise RuntimeError("process killed mid-delivery")
            return await original(self, *args, **kwargs)

        TeamsMessenger.tell = tell_after_a_crash  # type: ignore[method-assign]
        try:
            _, in_teams = await w.close_deal(deal_id="006-MM-3", amount=60_000, event_id="evt-t3")
            _, in_slack = await w.close_deal(deal_id="006-SMB-4", amount=12_000, event_id="evt-s4")
            await w.deliver()
        finally:
            TeamsMessenger.tell = original  # type: ignore[method-assign]
        assert crashes == ["crashed"]
        thread = w.baton_refs(in_teams["handoff_id"])["teams.thread"]
        opened = [s for s in sim.sent if s.conversation_id == thread and s.method == "POST"]
        assert len([s for s in opened if s.activity_id == w.baton_refs(in_teams["handoff_id"])["teams.card"]]) == 1
        told = [s for s in opened if "New handoff coming your way" in json.dumps(s.activity)]
        assert len(told) == 1  # the CSM is told once, after the retry
        slack_cards = [m for c in w.sim.workspace.channels for m in w.sim.messages(c)
                       if m["ts"] == w.baton_refs(in_slack["handoff_id"]).get("slack.card_ts")]
        assert len(slack_cards) == 1
        creates = [s for s in sim.sent if s.method == "POST" and s.conversation_id == thread
                   and s.activity_id == thread.split("=", 1)[1]]
        assert len(creates) == 1  # one thread for the deal
