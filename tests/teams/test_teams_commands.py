"""`@Baton status | mine | overdue | metrics` answered from the same view-models as Slack's
`/handoff`, through /api/messages, in personal chat and in the channel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.teams.simulator import TeamsSimulator
from core.playbook import Roles
from tests.teams.teams_world import TeamsWorld, teams_playbook, teams_world


async def answer(w: TeamsWorld, who: str, text: str, *, in_channel: bool = False) -> dict[str, Any]:
    """The one message Baton answers with."""
    activity = w.acts.message(w.people[who], text, in_channel=in_channel, mention=in_channel)
    before = len(w.sim.sent)
    assert (await w.post(activity))[0] == 200
    [reply] = [s.activity for s in w.sim.sent[before:] if s.conversation_id == activity["conversation"]["id"]]
    return dict(reply)


def lines(reply: dict[str, Any]) -> list[str]:
    return [b["text"] for b in reply["attachments"][0]["content"]["body"] if b["type"] == "TextBlock"]


async def test_status_of_one_handoff_shows_where_it_stands_who_holds_it_what_is_missing_and_its_history(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        await w.close_deal(deal_id="D-9301", account="Initech")
        await w.close_deal(deal_id="D-9302", account="Initrode")
        await w.deliver()
        one = lines(await answer(w, "carl", "status initech", in_channel=True))
        assert one[0].startswith("**Initech** (Platform expansion) · Waiting for the packet · packet ")
        assert one[1] == "AE ana@example.com · CSM carl@example.com · owner ana@example.com"
        assert one[2].startswith("**Still needed**: ") and "Success metrics" in one[2]
        assert one[3].startswith("- {{DATE(2026-") and one[3].endswith("· open")  # the history, dated
        outsider = lines(await answer(w, "olga", "status initech", in_channel=True))
        assert outsider[0] == one[0] and "@example.com" not in json.dumps(outsider)  # no addresses for her
        both = lines(await answer(w, "carl", "status init"))
        assert both[0] == "**Handoffs matching “init”** (2)"
        assert sorted(line.split("**")[1] for line in both[1:]) == ["Initech", "Initrode"]


async def test_every_answer_with_a_time_is_a_card_so_teams_shows_it_in_the_readers_zone(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        await w.close_deal(deal_id="D-9311")
        await w.deliver()
        w.baton.clock.advance(hours=30)  # type: ignore[attr-defined]
        for command in ("status acme", "mine", "overdue"):
            reply = await answer(w, "ana", command)
            assert "{{" not in str(reply.get("text") or "")  # Teams renders DATE()/TIME() only inside cards
            assert any("{{DATE(" in line and "{{TIME(" in line for line in lines(reply)), command
        assert "Overdue** (1)" in lines(await answer(w, "ana", "overdue"))[0]


async def test_metrics_cover_what_the_asker_may_see(tmp_path: Path, sim: TeamsSimulator) -> None:
    shipped = teams_playbook()
    roles = Roles(sales_managers=["maria@example.com"], cs_managers=["liam@example.com"], revops=["rita@example.com"],
                  manager_teams={"maria@example.com": ["ana@example.com"]})
    async with teams_world(tmp_path, sim, playbook=shipped.model_copy(update={"roles": roles})) as w:
        await w.close_deal(deal_id="D-9321", account="Ana's account")
        await w.close_deal(deal_id="D-9322", account="Someone else's", ae_email="bob@example.com")
        await w.deliver()
        w.baton.clock.advance(hours=48)  # type: ignore[attr-defined]  # both closed inside the period

        def title(reply: dict[str, Any]) -> str:
            return lines(reply)[0]

        def opened(reply: dict[str, Any]) -> str:
            image = next(b for b in reply["attachments"][0]["content"]["body"] if b["type"] == "Image")
            return str(image["altText"])

        everyone = await answer(w, "rita", "metrics month")
        team = await answer(w, "maria", "metrics month")
        own = await answer(w, "olga", "metrics month")  # neither AE nor CSM on anything
        assert title(everyone).endswith("all handoffs") and title(team).endswith("your team's handoffs")
        assert title(own).endswith("your handoffs")
        assert ": 2 handoffs," in opened(everyone) and ": 1 handoffs," in opened(team)  # Ana's, not Bob's
        assert ": 0 handoffs," in opened(own)
        assert json.dumps(everyone).count("data:image/png;base64,") == 1


async def test_an_endpoint_given_the_handoff_service_answers_commands_without_the_composition_root(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.bootstrap import bootstrap
    from bot.http_server import build_app
    from bot.settings import Settings
    from bot.teams.config import TeamsConfig
    from bot.teams.directory import TeamsDirectory
    from bot.teams.endpoint import TeamsEndpoint
    from bot.teams.services import TeamsApp
    from bot.teams.simulator.activities import Activities, user
    from storage.chat_refs import ChatRefs
    from tests.fakes import FrozenClock
    from tests.teams.conftest import REPO

    baton = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", config_path=REPO / "app.yaml"),
                      clock=FrozenClock())
    app = TeamsApp(service=baton.service, playbook=baton.playbook, directory=TeamsDirectory(baton.engine),
                   refs=ChatRefs(baton.engine), clock=baton.clock, engine=baton.engine)
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    endpoint = TeamsEndpoint(config, engine=baton.engine, app=app)
    ana = user("Ana Lopez", email="ana@example.com")
    activity = Activities(sim).message(ana, "mine", in_channel=False, mention=False)
    sim.add_member(activity["conversation"]["id"], ana)
    before = len(sim.sent_to(activity["conversation"]["id"]))  # the simulator serves the whole session
    async with TestClient(TestServer(build_app(baton, teams=endpoint))) as client:
        response = await client.post("/api/messages", json=activity, headers=sim.auth())
    assert response.status == 200
    [reply] = sim.sent_to(activity["conversation"]["id"])[before:]
    assert lines(reply.activity)[:2] == ["**Waiting on you** (0)", "Nothing needs you right now. 🎉"]


async def test_metrics_asked_in_the_channel_go_to_the_askers_personal_chat_never_to_the_channel(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        maria_chat = sim.install_personal(w.people["maria"])
        asked = await answer(w, "maria", "metrics month", in_channel=True)
        assert asked["text"] == "I sent your metrics to our personal chat." and not asked.get("attachments")
        [chart] = [s.activity for s in w.sent(maria_chat)]
        assert "your team's handoffs" in json.dumps(chart) or "all handoffs" in json.dumps(chart)
        assert chart["attachments"][0]["content"]["body"][1]["type"] == "Image"

        refused = await answer(w, "olga", "metrics", in_channel=True)  # no personal chat with Baton
        assert refused["text"].startswith("Your metrics are for you only: write `metrics` to me in a personal chat")
        assert not any("data:image/png" in json.dumps(s.activity) for s in w.sim.sent[w.since:]
                       if s.conversation_id != maria_chat)
