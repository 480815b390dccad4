"""POST /api/messages over real HTTP with tokens the simulator mints, replies checked at its connector."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session

from bot.bootstrap import Baton
from bot.http_server import build_app
from bot.teams.config import TeamsConfig
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.simulator import TeamsSimulator, TokenKind
from bot.teams.simulator.activities import Activities
from storage.timers import TimeZoneBook

Client = TestClient[Any, Any]


async def post(client: Client, sim: TeamsSimulator, activity: dict[str, Any],
               kind: TokenKind = TokenKind.GOOD) -> tuple[int, Any]:
    response = await client.post("/api/messages", json=activity, headers=sim.auth(kind))
    body = await response.json() if response.content_type == "application/json" else None
    return response.status, body


async def test_help_in_the_channel_is_answered_in_its_thread(client: Client, sim: TeamsSimulator, acts: Activities,
                                                            ana: dict[str, Any]) -> None:
    activity = acts.message(ana, "help", thread="1")
    sim.add_member(activity["conversation"]["id"], ana)
    status, _ = await post(client, sim, activity)
    assert status == 200
    [reply] = sim.sent_to(activity["conversation"]["id"])
    assert reply.reply_to_id == activity["id"]
    assert reply.activity["type"] == "message"
    for command in ("help", "status", "mine", "overdue", "open", "metrics"):
        assert f"**{command}**" in reply.activity["text"]


async def test_help_in_personal_chat_and_the_person_is_learned(client: Client, sim: TeamsSimulator,
                                                               acts: Activities, ana: dict[str, Any],
                                                               endpoint: TeamsEndpoint, baton: Baton) -> None:
    activity = acts.message(ana, "help", in_channel=False, mention=False, timezone="Europe/Madrid")
    sim.add_member(activity["conversation"]["id"], ana)
    status, _ = await post(client, sim, activity)
    assert status == 200
    assert "**mine**" in sim.sent_to(activity["conversation"]["id"])[-1].activity["text"]
    person = endpoint.directory.by_email("ANA@example.com")
    assert person is not None and person.user_id == ana["id"] and person.name == "Ana Lopez"
    reference = endpoint.directory.personal_chat(ana["aadObjectId"])
    assert reference is not None and reference.service_url == sim.service_url
    assert reference.conversation.id == activity["conversation"]["id"]
    with Session(baton.engine) as session:  # where the SLA planner reads business hours from
        assert TimeZoneBook(session).of(["ana@example.com"]) == {"ana@example.com": "Europe/Madrid"}


async def test_references_and_people_survive_a_restart(client: Client, sim: TeamsSimulator, acts: Activities,
                                                       ana: dict[str, Any], baton: Baton) -> None:
    activity = acts.message(ana, "help", in_channel=False, mention=False)
    sim.add_member(activity["conversation"]["id"], ana)
    assert (await post(client, sim, activity))[0] == 200
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    restarted = TeamsEndpoint(config, engine=baton.engine)
    person = restarted.directory.by_email("ana@example.com")
    assert person is not None and person.aad_object_id == ana["aadObjectId"]
    assert restarted.directory.personal_chat(ana["aadObjectId"]) is not None


@pytest.mark.parametrize("kind", [TokenKind.EXPIRED, TokenKind.WRONG_AUDIENCE, TokenKind.WRONG_ISSUER,
                                  TokenKind.BAD_SIGNATURE, TokenKind.UNKNOWN_KEY, TokenKind.NOT_ENDORSED,
                                  TokenKind.OTHER_SERVICE_URL, TokenKind.NONE])
async def test_every_authentication_failure_is_401_json_and_nothing_is_sent(
        client: Client, sim: TeamsSimulator, acts: Activities, ana: dict[str, Any], kind: TokenKind) -> None:
    activity = acts.message(ana, "help")
    before = len(sim.sent)
    status, body = await post(client, sim, activity, kind)
    assert status == 401
    assert body["ok"] is False and "unauthorized" in body["error"]
    assert len(sim.sent) == before


async def test_a_card_action_invoke_is_answered_200_with_the_replacement_card(
        client: Client, sim: TeamsSimulator, acts: Activities, ana: dict[str, Any]) -> None:
    status, body = await post(client, sim, acts.card_action(ana, "accept", {"handoff": "H-1"}))
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard" and "accept" in body["value"]["body"][0]["text"]


async def test_a_redelivered_activity_is_acted_on_once(client: Client, sim: TeamsSimulator, acts: Activities,
                                                       ana: dict[str, Any]) -> None:
    activity = acts.message(ana, "help", thread="7")
    assert (await post(client, sim, activity))[0] == 200
    assert (await post(client, sim, activity))[0] == 200
    assert len(sim.sent_to(activity["conversation"]["id"])) == 1


async def test_a_throttled_answer_is_sent_after_retry_after_without_holding_teams_request(
        client: Client, sim: TeamsSimulator, acts: Activities, ana: dict[str, Any]) -> None:
    activity = acts.message(ana, "help", thread="42")
    conversation = activity["conversation"]["id"]
    sim.throttle_next(conversation, times=1, retry_after=1)
    status, _ = await post(client, sim, activity)
    assert status == 200 and sim.throttled.count(conversation) == 1
    assert sim.sent_to(conversation) == []  # answered at once; the reply waits out Retry-After on its own
    for _ in range(100):
        if sim.sent_to(conversation):
            break
        await asyncio.sleep(0.05)
    assert len(sim.sent_to(conversation)) == 1 and "mine" in sim.sent_to(conversation)[0].activity["text"]


async def test_not_json_and_no_type_are_400_or_415(client: Client, sim: TeamsSimulator) -> None:
    response = await client.post("/api/messages", data=b"hello", headers={**sim.auth(), "Content-Type": "text/plain"})
    assert response.status == 415
    response = await client.post("/api/messages", json={"id": "1"}, headers=sim.auth())
    assert response.status == 400 and "type" in (await response.json())["error"]


async def test_the_upstream_defects_baton_works_around_are_still_there(
        sim: TeamsSimulator, acts: Activities, ana: dict[str, Any], endpoint: TeamsEndpoint) -> None:
    """CloudAdapter.process itself answers 500 to an invoke with a body and to a bad signature.

    When this fails, botbuilder fixed them and TeamsEndpoint.handle could call process() again.
    """
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def upstream(request: web.Request) -> web.StreamResponse:
        response = await endpoint.adapter.process(request, endpoint.bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", upstream)
    async with TestClient(TestServer(app)) as raw:
        invoke = await raw.post("/api/messages", json=acts.task_fetch(ana, {}), headers=sim.auth())
        forged = await raw.post("/api/messages", json=acts.message(ana, "help"), headers=sim.auth(TokenKind.BAD_SIGNATURE))
    assert invoke.status == 500
    assert forged.status == 500


async def test_installing_the_app_personally_makes_the_person_reachable(
        client: Client, sim: TeamsSimulator, acts: Activities, endpoint: TeamsEndpoint) -> None:
    from bot.teams.simulator.activities import user

    dee = user("Dee Ng")
    installed = acts.installed(dee, in_channel=False)
    sim.add_member(installed["conversation"]["id"], dee)
    assert endpoint.directory.personal_chat(dee["aadObjectId"]) is None
    assert (await post(client, sim, installed))[0] == 200
    reference = endpoint.directory.personal_chat(dee["aadObjectId"])
    assert reference is not None and reference.conversation.id == installed["conversation"]["id"]


async def test_local_insecure_mode_serves_without_tokens_only_when_asked(baton: Baton, sim: TeamsSimulator,
                                                                        acts: Activities, ana: dict[str, Any]) -> None:
    from aiohttp.test_utils import TestServer

    from bot.http_server import build_app

    config = TeamsConfig.from_env({"BATON_TEAMS_INSECURE_LOCAL": "1"})
    assert config is not None
    app = build_app(baton, teams=TeamsEndpoint(config, engine=baton.engine))
    async with TestClient(TestServer(app)) as insecure:
        response = await insecure.post("/api/messages", json=acts.task_fetch(ana, {}),
                                       headers={"Content-Type": "application/json"})
        assert response.status == 200 and (await response.json())["task"]["type"] == "continue"


async def test_an_activity_that_failed_is_handled_again_when_teams_redelivers_it(
        client: Client, sim: TeamsSimulator, acts: Activities, ana: dict[str, Any], endpoint: TeamsEndpoint,
        monkeypatch: pytest.MonkeyPatch) -> None:
    activity = acts.message(ana, "help", thread="redeliver")
    original = endpoint.bot.on_message_activity

    async def broken(turn_context: Any) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(endpoint.bot, "on_message_activity", broken)
    status, body = await post(client, sim, activity)
    assert status == 500 and body["ok"] is False
    monkeypatch.setattr(endpoint.bot, "on_message_activity", original)
    assert (await post(client, sim, activity))[0] == 200
    assert len(sim.sent_to(activity["conversation"]["id"])) == 1


@pytest.mark.parametrize("header", ["Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer", "garbage"])
async def test_malformed_authorization_headers_are_401_not_500(client: Client, sim: TeamsSimulator, acts: Activities,
                                                               ana: dict[str, Any], header: str) -> None:
    response = await client.post("/api/messages", json=acts.task_fetch(ana, {}),
                                 headers={"Content-Type": "application/json", "Authorization": header})
    assert response.status == 401 and (await response.json())["ok"] is False


async def test_the_bot_fetches_its_outbound_token_once_not_per_reply(
        client: Client, sim: TeamsSimulator, acts: Activities, ana: dict[str, Any]) -> None:
    before = sim.token_requests
    for n in range(3):
        activity = acts.message(ana, "help", thread=f"token-{n}")
        assert (await post(client, sim, activity))[0] == 200
        assert len(sim.sent_to(activity["conversation"]["id"])) == 1
    assert sim.token_requests - before <= 1


async def test_two_replicas_act_once_on_an_activity_teams_delivers_to_both(
        sim: TeamsSimulator, acts: Activities, ana: dict[str, Any], baton: Baton) -> None:
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    activity = acts.message(ana, "help", thread="replicas-1")
    answers = []
    for _ in range(2):  # two `baton serve` processes behind one load balancer, one database
        replica = TeamsEndpoint(config, engine=baton.engine)
        async with TestClient(TestServer(build_app(baton, teams=replica))) as replica_client:
            answers.append((await post(replica_client, sim, activity))[0])
    assert answers == [200, 200]
    assert len(sim.sent_to(activity["conversation"]["id"])) == 1


async def test_an_activity_whose_handling_failed_is_handled_when_teams_delivers_it_again(
        sim: TeamsSimulator, acts: Activities, ana: dict[str, Any], baton: Baton,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    endpoint = TeamsEndpoint(config, engine=baton.engine)
    activity = acts.message(ana, "help", thread="retry-after-failure")
    original = endpoint.bot.on_message_activity

    async def broken(turn_context: Any) -> None:
        raise RuntimeError("the database went away mid-turn")

    async with TestClient(TestServer(build_app(baton, teams=endpoint))) as client:
        monkeypatch.setattr(endpoint.bot, "on_message_activity", broken)
        status, body = await post(client, sim, activity)
        assert status == 500 and body["ok"] is False
        monkeypatch.setattr(endpoint.bot, "on_message_activity", original)
        assert (await post(client, sim, activity))[0] == 200
    assert len(sim.sent_to(activity["conversation"]["id"])) == 1
