"""The Slack simulator, driven by the real slack_sdk clients as Baton drives Slack.

Every answer checked here is one Slack documents (or was seen giving): the JSON shapes, the
`ok: false` codes surfacing as `SlackApiError`, HTTP 429 with an integer `Retry-After` that
slack_sdk's retry handlers honour, and Block Kit refusals with Slack's pointer messages.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.simulator import SlackSimulator, render_message, render_view, unescape
from bot.slack.simulator.blocks import check_view
from bot.slack.simulator.server import SimulatorThread
from bot.slack.simulator.socket_mode import NotConnected


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def modal(*blocks: dict[str, Any], title: str = "Handoff packet", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain(title),
        "submit": plain("Save"),
        "blocks": list(blocks),
        **extra,
    }


def text_input(block_id: str, label: str = "Goal", action_id: str = "value") -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"type": "plain_text_input", "action_id": action_id},
    }


def select(options: list[str], *, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "segment",
        "options": [{"text": plain(o), "value": o.lower()[:150]} for o in options],
    }
    if initial:
        element["initial_option"] = {"text": plain(initial), "value": initial.lower()}
    return {"type": "input", "block_id": "segment", "label": plain("Segment"), "element": element}


async def refusal(call: Any) -> dict[str, Any]:
    """The body of the SlackApiError an awaited call raises."""
    with pytest.raises(SlackApiError) as caught:
        await call
    return dict(caught.value.response.data)


@pytest.fixture
async def sim() -> AsyncIterator[SlackSimulator]:
    async with SlackSimulator(rate_limits=False) as running:
        yield running


@pytest.fixture
def client(sim: SlackSimulator) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)


@pytest.fixture
def ana(sim: SlackSimulator) -> str:
    return sim.add_user("ana", "ana.ortiz@example.com", real_name="Ana Ortiz")


@pytest.fixture
def cara(sim: SlackSimulator) -> str:
    return sim.add_user("cara", "cara.singh@example.com", tz="Europe/London")


@pytest.fixture
def threaded() -> Iterator[SimulatorThread]:
    with SlackSimulator(rate_limits=False).run_in_thread() as running:
        yield running


# --- identity and transport -----------------------------------------------------------------


async def test_auth_test_names_the_bot_and_the_team(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    answer = await client.auth_test()
    assert answer["user_id"] == sim.bot_user_id
    assert answer["team_id"] == sim.team_id
    assert answer["bot_id"].startswith("B")
    assert sim.bot_token.startswith("xoxb-")


async def test_a_missing_token_is_not_authed_and_a_strange_one_invalid_auth(
    sim: SlackSimulator,
) -> None:
    assert (await refusal(AsyncWebClient(base_url=sim.api_url).auth_test()))[
        "error"
    ] == "not_authed"
    stranger = AsyncWebClient(token="xoxb-1-2-nope", base_url=sim.api_url)
    assert (await refusal(stranger.auth_test()))["error"] == "invalid_auth"


async def test_an_unknown_method_is_http_200_unknown_method(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("foo.bar")
    assert caught.value.response.status_code == 200
    assert caught.value.response.data == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "foo.bar",
    }


def test_form_bodies_carry_the_token_and_json_encoded_blocks(threaded: SimulatorThread) -> None:
    sim = threaded.sim
    channel = sim.add_channel("general", with_bot=True)
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "*Hi*"}}])
    form = urllib.parse.urlencode(
        {"token": sim.bot_token, "channel": channel, "blocks": blocks}
    ).encode()
    with urllib.request.urlopen(threaded.api_url + "chat.postMessage", data=form) as answer:
        body = json.loads(answer.read())
    assert body["ok"] and body["message"]["blocks"][0]["text"]["text"] == "*Hi*"
    assert sim.calls[-1].method == "chat.postMessage"


def test_a_with_block_serves_synchronous_code_from_a_thread() -> None:
    with SlackSimulator(rate_limits=False) as sim:
        client = WebClient(token=sim.bot_token, base_url=sim.api_url)
        assert client.auth_test()["user_id"] == sim.bot_user_id
    with pytest.raises(RuntimeError):
        sim.api_url  # noqa: B018 - stopped: no address any more


def test_a_token_inside_a_json_body_is_ignored_as_slack_ignores_it(
    threaded: SimulatorThread,
) -> None:
    request = urllib.request.Request(
        threaded.api_url + "auth.test",
        data=json.dumps({"token": threaded.sim.bot_token}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read()) == {"ok": False, "error": "not_authed"}


# --- channels -------------------------------------------------------------------------------


async def test_a_handoff_channel_is_created_staffed_described_and_posted_to(
    sim: SlackSimulator, client: AsyncWebClient, ana: str, cara: str
) -> None:
    created = (await client.conversations_create(name="handoff-acme-2026", is_private=True))[
        "channel"
    ]
    assert created["id"].startswith("C") and created["is_private"] and created["is_member"]
    assert created["creator"] == sim.bot_user_id
    channel = created["id"]
    invited = await client.conversations_invite(channel=channel, users=[ana, cara])
    assert invited["channel"]["id"] == channel
    await client.conversations_setTopic(channel=channel, topic="Acme · $120k · CSM: cara")
    await client.conversations_setPurpose(channel=channel, purpose="Sales to CS handoff")
    info = (await client.conversations_info(channel=channel, include_num_members=True))["channel"]
    assert info["topic"]["value"] == "Acme · $120k · CSM: cara" and info["num_members"] == 3

    card = await client.chat_postMessage(
        channel=channel,
        text="Handoff opened",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Acme*"}}],
    )
    assert card["channel"] == channel and card["message"]["bot_id"] == sim.workspace.bot.bot_id
    reply = await client.chat_postMessage(
        channel=channel, text="Packet due Friday", thread_ts=card["ts"]
    )
    assert float(reply["ts"]) > float(card["ts"])
    thread = (await client.conversations_replies(channel=channel, ts=card["ts"]))["messages"]
    assert [m["ts"] for m in thread] == [card["ts"], reply["ts"]] and thread[0]["reply_count"] == 1
    history = (await client.conversations_history(channel=channel))["messages"]
    assert history[0]["ts"] == card["ts"] and reply["ts"] not in [m["ts"] for m in history]

    await client.pins_add(channel=channel, timestamp=card["ts"])
    mark = (
        await client.bookmarks_add(
            channel_id=channel, title="CRM deal", type="link", link="https://crm.example.com/d/1"
        )
    )["bookmark"]
    assert mark["channel_id"] == channel and mark["type"] == "link"
    link = (await client.chat_getPermalink(channel=channel, message_ts=card["ts"]))["permalink"]
    assert link.endswith(f"/archives/{channel}/p{card['ts'].replace('.', '')}")
    updated = await client.chat_update(channel=channel, ts=card["ts"], text="Handoff accepted")
    assert updated["message"]["text"] == "Handoff accepted" and "blocks" not in updated["message"]
    assert sim.channel_by_name("handoff-acme-2026").members == [sim.bot_user_id, ana, cara]  # type: ignore[union-attr]
    assert [m["text"] for m in sim.messages(channel)][-2:] == [
        "Handoff accepted",
        "Packet due Friday",
    ]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("Acme Deal", "invalid_name_specials"),
        ("acme!", "invalid_name_specials"),
        ("a" * 81, "invalid_name_maxlength"),
        ("---", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
async def test_channel_names_follow_slacks_rules(
    sim: SlackSimulator, client: AsyncWebClient, name: str, error: str
) -> None:
    sim.add_channel("general")
    assert (await refusal(client.conversations_create(name=name)))["error"] == error


async def test_an_eighty_character_name_is_accepted(client: AsyncWebClient) -> None:
    assert (await client.conversations_create(name="a" * 80))["channel"]["name"] == "a" * 80


async def test_inviting_is_all_or_nothing_unless_forced(
    sim: SlackSimulator, client: AsyncWebClient, ana: str, cara: str
) -> None:
    channel = sim.add_channel("deal", members=[ana], with_bot=True)
    both = await refusal(client.conversations_invite(channel=channel, users=[ana, cara]))
    assert both["error"] == "already_in_channel"
    assert both["errors"] == [{"user": ana, "ok": False, "error": "already_in_channel"}]
    assert cara not in sim.channel_by_name("deal").members  # type: ignore[union-attr]
    forced = await client.conversations_invite(channel=channel, users=[ana, cara], force=True)
    assert forced["errors"][0]["user"] == ana and cara in sim.channel_by_name("deal").members  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("unknown_user", "user_not_found"),
        ("self", "cant_invite_self"),
        ("bot_not_member", "not_in_channel"),
        ("private_not_member", "channel_not_found"),
        ("no_users", "no_user"),
    ],
)
async def test_invite_refusals(
    sim: SlackSimulator, client: AsyncWebClient, ana: str, setup: str, error: str
) -> None:
    in_channel = sim.add_channel("deal", with_bot=True)
    users = {"unknown_user": ["U0NOBODY00"], "self": [sim.bot_user_id], "no_users": []}.get(
        setup, [ana]
    )
    channel = {
        "bot_not_member": sim.add_channel("elsewhere"),
        "private_not_member": sim.add_channel("secret", private=True),
    }.get(setup, in_channel)
    assert (await refusal(client.conversations_invite(channel=channel, users=users)))[
        "error"
    ] == error


async def test_joining_works_for_public_channels_only(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    public = sim.add_channel("sales", members=[ana])
    joined = await client.conversations_join(channel=public)
    assert joined["channel"]["is_member"]
    assert (await client.conversations_join(channel=public))["warning"] == "already_in_channel"
    private = sim.add_channel("leadership", private=True, with_bot=True)
    assert (await refusal(client.conversations_join(channel=private)))[
        "error"
    ] == "method_not_supported_for_channel_type"


async def test_a_topic_past_250_characters_is_too_long(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    channel = sim.add_channel("deal", with_bot=True)
    assert (await refusal(client.conversations_setTopic(channel=channel, topic="x" * 251)))[
        "error"
    ] == "too_long"
    assert (await client.conversations_setTopic(channel=channel, topic="x" * 250))["ok"]


async def test_channels_list_pages_by_cursor(sim: SlackSimulator, client: AsyncWebClient) -> None:
    for n in range(5):
        sim.add_channel(f"c{n}")
    sim.add_channel("hidden", private=True)
    first = await client.conversations_list(limit=3)
    second = await client.conversations_list(
        limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    names = [c["name"] for c in first["channels"] + second["channels"]]
    assert (
        names == ["c0", "c1", "c2", "c3", "c4"] and second["response_metadata"]["next_cursor"] == ""
    )


# --- messages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("C0NOWHERE0", "channel_not_found"),
        ("private_not_member", "channel_not_found"),
        ("public_not_member", "not_in_channel"),
        ("archived", "is_archived"),
    ],
)
async def test_posting_where_the_bot_cannot(
    sim: SlackSimulator, client: AsyncWebClient, where: str, error: str
) -> None:
    channels = {
        "private_not_member": sim.add_channel("secret", private=True),
        "public_not_member": sim.add_channel("sales"),
        "archived": sim.add_channel("old", with_bot=True),
    }
    sim.archive_channel(channels["archived"])
    assert (await refusal(client.chat_postMessage(channel=channels.get(where, where), text="hi")))[
        "error"
    ] == error


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_a_message_needs_text_or_blocks_and_at_most_50_blocks(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    channel = sim.add_channel("deal", with_bot=True)
    assert (await refusal(client.chat_postMessage(channel=channel)))["error"] == "no_text"
    too_many = await refusal(
        client.chat_postMessage(channel=channel, text="x", blocks=[{"type": "divider"}] * 51)
    )
    assert too_many["error"] == "invalid_blocks"
    assert too_many["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]
    assert (
        await client.chat_postMessage(channel=channel, text="x", blocks=[{"type": "divider"}] * 50)
    )["ok"]


async def test_message_blocks_are_checked_like_slack(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    channel = sim.add_channel("deal", with_bot=True)
    twice = [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}]
    assert (await refusal(client.chat_postMessage(channel=channel, text="x", blocks=twice)))[
        "error"
    ] == "invalid_blocks"
    an_input = [text_input("goal")]
    assert (await refusal(client.chat_postMessage(channel=channel, text="x", blocks=an_input)))[
        "error"
    ] == "invalid_blocks"
    header = [{"type": "header", "text": plain("h" * 151)}]
    body = await refusal(client.chat_postMessage(channel=channel, text="x", blocks=header))
    assert body["errors"] == ["must be less than 151 characters [json-pointer:/blocks/0/text/text]"]


async def test_a_person_id_as_channel_posts_into_their_dm(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    dm = (await client.conversations_open(users=ana))["channel"]["id"]
    posted = await client.chat_postMessage(channel=ana, text="Your packet is due")
    assert dm.startswith("D") and posted["channel"] == dm
    assert (await client.conversations_open(users=ana))["already_open"] is True
    assert [m["text"] for m in sim.ims(ana)] == ["Your packet is due"]


async def test_only_the_bots_own_messages_can_be_updated(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    channel = sim.add_channel("deal", members=[ana], with_bot=True)
    theirs = sim.add_message(channel, ana, "my note")
    assert (await refusal(client.chat_update(channel=channel, ts=theirs, text="x")))[
        "error"
    ] == "cant_update_message"
    assert (await refusal(client.chat_update(channel=channel, ts="1.000001", text="x")))[
        "error"
    ] == "message_not_found"


async def test_ephemeral_messages_reach_members_only(
    sim: SlackSimulator, client: AsyncWebClient, ana: str, cara: str
) -> None:
    channel = sim.add_channel("deal", members=[ana], with_bot=True)
    sent = await client.chat_postEphemeral(channel=channel, user=ana, text="Only you can see this")
    assert sent["message_ts"] and sim.ephemerals(ana)[0]["text"] == "Only you can see this"
    assert (await refusal(client.chat_postEphemeral(channel=channel, user=cara, text="x")))[
        "error"
    ] == "user_not_in_channel"


async def test_pins_refuse_duplicates_and_missing_messages(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    channel = sim.add_channel("deal", with_bot=True)
    ts = (await client.chat_postMessage(channel=channel, text="card"))["ts"]
    await client.pins_add(channel=channel, timestamp=ts)
    assert (await refusal(client.pins_add(channel=channel, timestamp=ts)))[
        "error"
    ] == "already_pinned"
    assert (await refusal(client.pins_add(channel=channel, timestamp="1.000001")))[
        "error"
    ] == "message_not_found"


# --- people ---------------------------------------------------------------------------------


async def test_people_are_found_by_email_with_their_timezone(
    client: AsyncWebClient, cara: str
) -> None:
    user = (await client.users_lookupByEmail(email="CARA.SINGH@example.com"))["user"]
    assert (
        user["id"] == cara
        and user["tz"] == "Europe/London"
        and user["profile"]["email"] == "cara.singh@example.com"
    )
    assert isinstance(user["tz_offset"], int)
    assert (await refusal(client.users_lookupByEmail(email="nobody@example.com")))[
        "error"
    ] == "users_not_found"
    assert (await refusal(client.users_info(user="U0NOBODY00")))["error"] == "user_not_found"


# --- views ----------------------------------------------------------------------------------


async def test_a_modal_opens_pushes_updates_and_the_home_tab_publishes(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    opened = (
        await client.views_open(
            trigger_id=sim.issue_trigger_id(ana),
            view=modal(text_input("goal"), external_id="packet-1"),
        )
    )["view"]
    assert (
        opened["id"].startswith("V") and opened["root_view_id"] == opened["id"] and opened["hash"]
    )
    pushed = (
        await client.views_push(
            trigger_id=sim.issue_trigger_id(ana), view=modal(text_input("why"), title="Escalate")
        )
    )["view"]
    assert pushed["previous_view_id"] == opened["id"]
    updated = (
        await client.views_update(
            external_id="packet-1",
            hash=opened["hash"],
            view=modal(text_input("goal"), title="Step 2"),
        )
    )["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert [v["title"]["text"] for v in sim.views_for(ana)] == ["Step 2", "Escalate"]
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your handoffs"}}],
    }
    assert (await client.views_publish(user_id=ana, view=home))["view"]["type"] == "home"
    assert sim.home(ana)["blocks"][0]["text"]["text"] == "Your handoffs"  # type: ignore[index]


async def test_a_trigger_is_good_for_three_seconds_and_once(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    stale = sim.issue_trigger_id(ana)
    sim.advance(3.5)
    assert (await refusal(client.views_open(trigger_id=stale, view=modal())))[
        "error"
    ] == "expired_trigger_id"
    fresh = sim.issue_trigger_id(ana)
    await client.views_open(trigger_id=fresh, view=modal())
    assert (await refusal(client.views_open(trigger_id=fresh, view=modal())))[
        "error"
    ] == "exchanged_trigger_id"
    assert (await refusal(client.views_open(trigger_id="123.456.abc", view=modal())))[
        "error"
    ] == "invalid_trigger_id"


async def test_a_stale_hash_or_unknown_view_is_refused(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    view = (await client.views_open(trigger_id=sim.issue_trigger_id(ana), view=modal()))["view"]
    await client.views_update(view_id=view["id"], view=modal(title="Newer"))
    assert (
        await refusal(client.views_update(view_id=view["id"], hash=view["hash"], view=modal()))
    )["error"] == "hash_conflict"
    assert (await refusal(client.views_update(view_id="V0NOTHERE0", view=modal())))[
        "error"
    ] == "not_found"


OPTIONS_76 = select(["x" * 76])
DUPLICATE_ACTIONS = {
    "type": "actions",
    "elements": [{"type": "button", "text": plain(t), "action_id": "same"} for t in ("A", "B")],
}


@pytest.mark.parametrize(
    ("view", "message"),
    [
        (
            modal(*[{"type": "divider"}] * 101),
            "no more than 100 items allowed [json-pointer:/view/blocks]",
        ),
        (modal(title="t" * 25), "must be less than 25 characters [json-pointer:/view/title/text]"),
        (
            modal(private_metadata="m" * 3001),
            "must be less than 3001 characters [json-pointer:/view/private_metadata]",
        ),
        (
            modal(OPTIONS_76),
            "must be less than 76 characters [json-pointer:/view/blocks/0/element/options/0/text/text]",
        ),
        (
            modal(DUPLICATE_ACTIONS),
            "duplicate action_id: same [json-pointer:/view/blocks/0/elements/1/action_id]",
        ),
        (
            {**modal(text_input("goal")), "submit": None},
            "must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/0]",
        ),
    ],
    ids=[
        "101-blocks",
        "25-char-title",
        "3001-char-metadata",
        "76-char-option",
        "duplicate-action-id",
        "input-without-submit",
    ],
)
async def test_a_bad_modal_is_refused_invalid_arguments_with_slacks_pointer(
    sim: SlackSimulator, client: AsyncWebClient, ana: str, view: dict[str, Any], message: str
) -> None:
    body = await refusal(client.views_open(trigger_id=sim.issue_trigger_id(ana), view=view))
    assert body["error"] == "invalid_arguments"
    assert f"[ERROR] {message}" in body["response_metadata"]["messages"]
    assert sim.views_for(ana) == []


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"type": "section", "fields": [plain("f")] * 11},
            "no more than 10 items allowed [json-pointer:/view/blocks/0/fields]",
        ),
        (
            {"type": "section", "text": plain("s" * 3001)},
            "must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]",
        ),
        (
            {"type": "context", "elements": [plain("c")] * 11},
            "no more than 10 items allowed [json-pointer:/view/blocks/0/elements]",
        ),
        (
            {"type": "actions", "elements": [{"type": "button", "text": plain("b" * 76)}]},
            "must be less than 76 characters [json-pointer:/view/blocks/0/elements/0/text/text]",
        ),
        (
            {
                "type": "actions",
                "elements": [{"type": "button", "text": plain("b"), "value": "v" * 2001}],
            },
            "must be less than 2001 characters [json-pointer:/view/blocks/0/elements/0/value]",
        ),
        (
            select(["Mid-market", "Enterprise"], initial="SMB"),
            "must match one of the provided options [json-pointer:/view/blocks/0/element/initial_option]",
        ),
        (
            {**text_input("g"), "element": {"type": "plain_text_input", "max_length": 3001}},
            "must be an integer between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]",
        ),
        (
            {**text_input("g"), "element": {"type": "button", "text": plain("b")}},
            "unsupported type: button [json-pointer:/view/blocks/0/element/type]",
        ),
        (
            {"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}},
            "must be a valid enum value [json-pointer:/view/blocks/0/text/type]",
        ),
        ({"type": "carousel"}, "unsupported type: carousel [json-pointer:/view/blocks/0/type]"),
        (
            {"type": "divider", "colour": "red"},
            "invalid additional property: colour [json-pointer:/view/blocks/0]",
        ),
        (
            {**text_input("g"), "label": plain("")},
            "must be more than 0 characters [json-pointer:/view/blocks/0/label/text]",
        ),
    ],
)
def test_block_kit_limits(block: dict[str, Any], message: str) -> None:
    assert message in check_view(modal(block), expect="modal")


def test_checkboxes_take_at_most_ten_options() -> None:
    options = [{"text": plain(str(n)), "value": str(n)} for n in range(11)]
    block = {
        "type": "input",
        "label": plain("Done"),
        "element": {"type": "checkboxes", "options": options},
    }
    assert check_view(modal(block), expect="modal") == [
        "no more than 10 items allowed [json-pointer:/view/blocks/0/element/options]"
    ]


async def test_the_slack_client_applies_baton_answers_to_a_submission(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    root = (
        await client.views_open(
            trigger_id=sim.issue_trigger_id(ana), view=modal(text_input("goal"))
        )
    )["view"]
    assert (
        sim.apply_view_answer(
            ana, root["id"], {"response_action": "errors", "errors": {"goal": "Required"}}
        )
        == []
    )
    assert (
        sim.apply_view_answer(
            ana, root["id"], {"response_action": "errors", "errors": {"nope": "x"}}
        )
        != []
    )
    assert (
        sim.apply_view_answer(
            ana, root["id"], {"response_action": "update", "view": modal(title="t" * 25)}
        )
        != []
    )
    assert (
        sim.apply_view_answer(
            ana, root["id"], {"response_action": "push", "view": modal(title="Step 2")}
        )
        == []
    )
    assert [v["title"]["text"] for v in sim.views_for(ana)] == ["Handoff packet", "Step 2"]
    top = sim.views_for(ana)[-1]["id"]
    assert (
        sim.apply_view_answer(ana, top, None) == []
    )  # an empty ack closes the submitted view only
    assert [v["id"] for v in sim.views_for(ana)] == [root["id"]]
    assert sim.apply_view_answer(ana, root["id"], {"response_action": "clear"}) == []
    assert sim.views_for(ana) == []


# --- rate limits and faults -----------------------------------------------------------------


async def test_a_burst_past_the_tier_is_429_with_an_integer_retry_after() -> None:
    async with SlackSimulator(time_scale=60) as sim:
        client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
        for n in range(20):  # Tier 2: 20 a (scaled) minute
            await client.conversations_create(name=f"deal-{n}")
        with pytest.raises(SlackApiError) as caught:
            await client.conversations_create(name="deal-20")
        response = caught.value.response
        assert response.status_code == 429 and response.data == {
            "ok": False,
            "error": "ratelimited",
        }
        assert response.headers["Retry-After"] == "1"
        assert sim.stats.ratelimited["conversations.create"] == 1


async def test_the_async_retry_handler_waits_out_a_429_and_succeeds() -> None:
    async with SlackSimulator(time_scale=60) as sim:
        client = AsyncWebClient(
            token=sim.bot_token,
            base_url=sim.api_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        for n in range(22):
            assert (await client.conversations_create(name=f"deal-{n}"))["ok"]
        assert sim.stats.ratelimited["conversations.create"] >= 1
        assert (
            sim.stats.calls["conversations.create"]
            == 22 + sim.stats.ratelimited["conversations.create"]
        )


def test_the_sync_retry_handler_honours_retry_after_for_a_channel_burst() -> None:
    sim = SlackSimulator()
    with sim.run_in_thread() as running:
        channel = sim.add_channel("deal", with_bot=True)
        bare = WebClient(token=sim.bot_token, base_url=running.api_url)
        patient = WebClient(token=sim.bot_token, base_url=running.api_url)
        patient.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        for n in range(3):  # about one a second per channel, bursts of 3
            bare.chat_postMessage(channel=channel, text=f"m{n}")
        with pytest.raises(SlackApiError) as caught:
            bare.chat_postMessage(channel=channel, text="too soon")
        assert caught.value.response.status_code == 429
        assert int(caught.value.response.headers["Retry-After"][0]) >= 1
        started = time.monotonic()
        assert patient.chat_postMessage(channel=channel, text="after waiting")["ok"]
        assert time.monotonic() - started >= 0.9
        assert [m["text"] for m in sim.messages(channel)] == ["m0", "m1", "m2", "after waiting"]


async def test_an_injected_500_surfaces_and_then_recovers(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    sim.fail_next("auth.test", status=500, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await client.auth_test()
        assert caught.value.response.status_code == 500
    assert (await client.auth_test())["ok"]
    assert sim.stats.server_errors["auth.test"] == 2


async def test_slack_sdks_server_error_handler_retries_past_a_503(sim: SlackSimulator) -> None:
    sim.fail_next("auth.test", status=503, body="empty")
    client = AsyncWebClient(
        token=sim.bot_token,
        base_url=sim.api_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)],
    )
    assert (await client.auth_test())["ok"]


def test_a_sync_client_sees_the_500_page_and_then_an_answer(threaded: SimulatorThread) -> None:
    threaded.sim.fail_next("users.list", status=500)
    client = WebClient(token=threaded.sim.bot_token, base_url=threaded.api_url)
    with pytest.raises(SlackApiError):
        client.users_list()
    assert client.users_list()["ok"]


async def test_an_outage_answers_503_everywhere_until_it_ends(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    sim.outage(start=True)
    with pytest.raises(SlackApiError) as caught:
        await client.users_list()
    assert caught.value.response.status_code == 503
    sim.outage(start=False)
    assert (await client.users_list())["ok"]


async def test_a_slow_method_answers_late_and_calls_are_recorded_in_order(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    sim.slow("auth.test", 0.2)
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started >= 0.2
    await client.team_info()
    assert [c.method for c in sim.calls] == ["auth.test", "team.info"]


# --- Socket Mode ----------------------------------------------------------------------------


async def test_apps_connections_open_takes_the_app_level_token_and_nothing_else(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    assert sim.app_token.startswith(f"xapp-1-{sim.workspace.app_id}-")
    assert (await refusal(client.apps_connections_open(app_token=sim.bot_token)))[
        "error"
    ] == "not_allowed_token_type"
    app_level = AsyncWebClient(token=sim.app_token, base_url=sim.api_url)
    assert (await refusal(app_level.chat_postMessage(channel="C1", text="hi")))[
        "error"
    ] == "not_allowed_token_type"
    assert (await refusal(client.apps_connections_open(app_token="xapp-1-A1-2-nope")))[
        "error"
    ] == "invalid_auth"
    url = (await client.apps_connections_open(app_token=sim.app_token))["url"]
    port = sim.api_url.split(":")[2].split("/")[0]
    assert url.startswith(f"ws://127.0.0.1:{port}/link/?ticket=")
    assert url.endswith(f"&app_id={sim.workspace.app_id}")


async def test_apps_connections_open_is_tier_1() -> None:
    async with SlackSimulator() as sim:
        client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
        await client.apps_connections_open(app_token=sim.app_token)
        with pytest.raises(SlackApiError) as caught:
            await client.apps_connections_open(app_token=sim.app_token)
        assert caught.value.response.status_code == 429
        assert int(caught.value.response.headers["Retry-After"]) > 1


async def test_a_socket_says_hello_delivers_envelopes_and_records_acks(
    sim: SlackSimulator, client: AsyncWebClient
) -> None:
    url = (await client.apps_connections_open(app_token=sim.app_token))["url"]
    with pytest.raises(NotConnected):
        await sim.socket_mode.deliver("events_api", {}, accepts_response_payload=False)
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": sim.workspace.app_id}
        assert set(hello["debug_info"]) >= {"host", "approximate_connection_time"}
        form = {"command": "/handoff", "text": "help", "user_id": "U1"}
        sent = asyncio.create_task(
            sim.socket_mode.deliver("slash_commands", form, accepts_response_payload=True)
        )
        envelope = await ws.receive_json(timeout=5)
        assert envelope == {
            "envelope_id": envelope["envelope_id"],
            "payload": form,
            "type": "slash_commands",
            "accepts_response_payload": True,
        }
        await ws.send_json({"envelope_id": envelope["envelope_id"], "payload": {"text": "Usage"}})
        done = await sent
        assert done.acked and done.ack_payload == {"text": "Usage"}

        event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}}
        sent = asyncio.create_task(
            sim.socket_mode.deliver(
                "events_api", event, accepts_response_payload=False, retry_attempt=1,
                retry_reason="timeout",
            )
        )
        envelope = await ws.receive_json(timeout=5)
        assert envelope["retry_attempt"] == 1 and envelope["retry_reason"] == "timeout"
        assert envelope["payload"] == event and envelope["accepts_response_payload"] is False
        started = time.monotonic()
        late = await sent  # never acked: Slack gives up after 3 seconds
        assert not late.acked and time.monotonic() - started >= 2.9
        await ws.send_json({"envelope_id": "nobody-sent-this"})
        await asyncio.sleep(0.1)
        assert sim.socket_mode.strays == [{"envelope_id": "nobody-sent-this"}]


async def test_a_socket_without_a_ticket_from_apps_connections_open_is_refused(
    sim: SlackSimulator,
) -> None:
    url = sim.api_url.replace("http://", "ws://").replace("/api/", "/link/?ticket=made-up")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(url)
    assert caught.value.status == 401


async def test_slack_sdks_client_acks_and_reconnects_when_slack_asks(sim: SlackSimulator) -> None:
    web = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
    socket_client = SocketModeClient(app_token=sim.app_token, web_client=web)

    async def echo(client: SocketModeClient, request: SocketModeRequest) -> None:
        answer = {"text": request.payload["text"].upper()}
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, answer))

    socket_client.socket_mode_request_listeners.append(echo)  # type: ignore[arg-type]
    await socket_client.connect()
    try:
        await sim.socket_mode.wait_connected()
        first = await sim.socket_mode.deliver(
            "slash_commands", {"text": "hi"}, accepts_response_payload=True
        )
        assert first.acked and first.ack_payload == {"text": "HI"}
        assert await sim.socket_mode.disconnect("refresh_requested") == 1
        deadline = time.monotonic() + 10
        while sim.socket_mode.connects < 2 or sim.socket_mode.connections != 1:
            assert time.monotonic() < deadline, "slack_sdk did not reconnect"
            await asyncio.sleep(0.05)
        again = await sim.socket_mode.deliver(
            "slash_commands", {"text": "still there"}, accepts_response_payload=True
        )
        assert again.ack_payload == {"text": "STILL THERE"}
        assert [c.method for c in sim.calls].count("apps.connections.open") == 2
    finally:
        await socket_client.close()


# --- rendering ------------------------------------------------------------------------------


async def test_a_posted_card_renders_as_its_reader_sees_it(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    channel = sim.add_channel("deal", with_bot=True)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain("Handoff: Acme")},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"AE <@{ana}> says: revenue &gt; $100k &amp; growing",
            },
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Segment*\nEnterprise"},
                {"type": "mrkdwn", "text": "*Amount*\n$120,000"},
            ],
        },
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": plain("Accept"), "style": "primary"},
                {"type": "button", "text": plain("Escalate")},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "SLA: 2 days left"}]},
    ]
    message = (await client.chat_postMessage(channel=channel, text="Handoff: Acme", blocks=blocks))[
        "message"
    ]
    rendered = render_message(message, users=sim.user_names())
    assert rendered.splitlines()[:5] == [
        "Handoff: Acme",
        "=============",
        "AE @ana says: revenue > $100k & growing",
        "Segment: Enterprise",
        "Amount: $120,000",
    ]
    assert "[ Accept ]  [ Escalate ]" in rendered and "  › SLA: 2 days left" in rendered


def test_a_modal_renders_inputs_with_values_hints_and_errors() -> None:
    view = modal(
        {**text_input("goal", "Customer goal"), "hint": plain("What does success look like?")},
        {**select(["Mid-market", "Enterprise"], initial="Enterprise"), "optional": True},
        title="Packet 1/3",
    )
    rendered = render_view(
        view, values={"goal": ""}, errors={"goal": "Tell the CSM what the customer wants"}, width=30
    )
    lines = rendered.splitlines()
    assert lines[1] == "| Packet 1/3"
    assert "| Customer goal*: <empty>" in lines
    assert "|     What does success look like?" in lines
    assert "|     ! Tell the CSM what the customer wants" in lines
    assert "| Segment: Enterprise" in lines
    assert lines[-2] == "| [ Cancel ]  [ Save ]"


def test_unescape_turns_mentions_links_and_entities_into_reading() -> None:
    text = (
        "<@U1> see <https://crm.example.com/d/1|the deal> in <#C1|handoff-acme> &lt;now&gt; <!here>"
    )
    assert (
        unescape(text, {"U1": "ana"})
        == "@ana see the deal (https://crm.example.com/d/1) in #handoff-acme <now> @here"
    )


# --- files: files.list, files.info and url_private_download ----------------------------------


async def test_a_shared_file_is_in_its_message_and_in_files_list_newest_first(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    channel = sim.add_channel("handoff-acme", members=[ana], with_bot=True)
    parent = sim.add_message(channel, ana, "Kickoff prep")
    notes = sim.share_file(channel, ana, "call-notes.txt", "Dana: one order system by Q2.")
    picture = sim.share_file(channel, ana, "whiteboard.png", b"\x89PNG\r\n", "png", thread_ts=parent)

    listed = await client.files_list(channel=channel)
    assert [f["id"] for f in listed["files"]] == [picture, notes]
    assert listed["paging"] == {"count": 100, "total": 2, "page": 1, "pages": 1}
    text = listed["files"][1]
    assert {k: text[k] for k in ("name", "title", "filetype", "mimetype", "size", "user", "mode")} == {
        "name": "call-notes.txt", "title": "call-notes.txt", "filetype": "text",
        "mimetype": "text/plain", "size": 29, "user": ana, "mode": "hosted",
    }
    assert text["channels"] == [channel] and text["groups"] == [] and text["ims"] == []
    assert text["url_private_download"].endswith(f"/files-pri/{sim.team_id}-{notes}/download/call-notes.txt")
    assert text["created"] == text["timestamp"] and isinstance(text["created"], int)
    [share] = listed["files"][0]["shares"]["public"][channel]
    assert share["thread_ts"] == parent and share["channel_name"] == "handoff-acme"

    history = await client.conversations_history(channel=channel)
    assert history["messages"][0]["files"][0]["id"] == notes and history["messages"][0]["upload"] is False
    thread = await client.conversations_replies(channel=channel, ts=parent)
    assert thread["messages"][1]["files"][0]["id"] == picture

    assert [f["id"] for f in (await client.files_list(channel=channel, types="images"))["files"]] == [picture]
    assert (await client.files_list(channel=channel, types="pdfs"))["files"] == []
    assert (await refusal(client.files_list(types="texts")))["error"] == "unknown_type"
    assert (await refusal(client.files_list(user="U0NOBODY00")))["error"] == "user_not_found"
    later = str(text["created"] + 1)
    assert (await client.files_list(channel=channel, ts_from=later))["files"] == []


async def test_files_list_pages_by_count_and_page_or_by_cursor(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    channel = sim.add_channel("notes", members=[ana], with_bot=True)
    ids = [sim.share_file(channel, ana, f"part-{n}.txt", f"part {n}") for n in range(5)]
    newest_first = list(reversed(ids))
    second = await client.files_list(channel=channel, count=2, page=2)
    assert [f["id"] for f in second["files"]] == newest_first[2:4]
    assert second["paging"] == {"count": 2, "total": 5, "page": 2, "pages": 3}
    seen, cursor = [], ""
    while True:
        answer = await client.api_call("files.list", http_verb="GET",
                                       params={"channel": channel, "limit": 2, "cursor": cursor})
        seen += [f["id"] for f in answer["files"]]
        cursor = answer["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == newest_first
    bad = client.api_call("files.list", http_verb="GET", params={"cursor": "not-a-cursor"})
    assert (await refusal(bad))["error"] == "invalid_cursor"


async def test_the_bot_sees_files_of_private_channels_only_as_a_member(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    secret = sim.add_channel("deal-room", private=True, members=[ana])
    hidden = sim.share_file(secret, ana, "pricing.txt", "floor price 90k")
    assert (await client.files_list())["files"] == []
    assert (await client.files_list(channel=secret))["files"] == []
    assert (await refusal(client.files_info(file=hidden)))["error"] == "file_not_found"
    assert (await refusal(client.files_info(file="F0NOTHING0")))["error"] == "file_not_found"

    with sim._lock:
        sim.workspace.channels[secret].members.append(sim.bot_user_id)
    info = await client.files_info(file=hidden)
    assert info["file"]["groups"] == [secret] and info["file"]["channels"] == []
    assert secret in info["file"]["shares"]["private"] and info["comments"] == []

    sim.delete_file(hidden)
    assert (await refusal(client.files_info(file=hidden)))["error"] == "file_deleted"
    assert (await client.files_list(channel=secret))["files"] == []
    assert sim.messages(secret)[-1]["files"] == [{"id": hidden, "mode": "tombstone"}]


async def test_a_file_downloads_only_with_the_bot_token_as_slack_serves_it(
    sim: SlackSimulator, client: AsyncWebClient, ana: str
) -> None:
    channel = sim.add_channel("handoff-acme", members=[ana], with_bot=True)
    notes = sim.share_file(channel, ana, "call notes.txt", "Café: we promised two trainings.")
    file = (await client.files_info(file=notes))["file"]
    url = file["url_private_download"]
    bearer = {"Authorization": f"Bearer {sim.bot_token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=bearer) as answer:
            assert answer.status == 200 and answer.content_type == "text/plain"
            assert (await answer.read()).decode() == "Café: we promised two trainings."
            assert answer.headers["Content-Disposition"].startswith("attachment")
        async with session.get(file["url_private"], headers=bearer) as answer:
            assert answer.status == 200 and "Content-Disposition" not in answer.headers
        for headers in ({}, {"Authorization": "Bearer xoxb-1-2-stranger"}):
            async with session.get(url, headers=headers, allow_redirects=False) as answer:
                assert answer.status == 302 and "/?redir=" in answer.headers["Location"]
            async with session.get(url, headers=headers) as answer:  # as a browser would follow it
                assert answer.status == 200 and answer.content_type == "text/html"
                assert "sign in" in (await answer.text()).lower()
        sim.delete_file(notes)
        async with session.get(url, headers=bearer) as answer:
            assert answer.status == 404


async def test_files_list_is_tier_3_and_files_info_tier_4() -> None:
    async with SlackSimulator() as sim:
        client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
        channel = sim.add_channel("notes", with_bot=True)
        file = sim.share_file(channel, sim.bot_user_id, "a.txt", "a")
        for _ in range(50):
            await client.files_list(channel=channel)
        assert (await refusal(client.files_list(channel=channel)))["error"] == "ratelimited"
        for _ in range(100):
            await client.files_info(file=file)
        assert (await refusal(client.files_info(file=file)))["error"] == "ratelimited"


async def test_a_call_without_its_scope_is_refused_as_slack_refuses_it_naming_needed_and_provided() -> None:
    async with SlackSimulator(rate_limits=False, bot_scopes={"chat:write", "channels:read"}) as sim:
        session = aiohttp.ClientSession()
        try:
            async with session.post(
                f"{sim.api_url}conversations.list",
                data={"types": "public_channel,private_channel"},
                headers={"Authorization": f"Bearer {sim.bot_token}"},
            ) as response:
                body = await response.json()
                assert response.status == 200
                assert response.headers["x-accepted-oauth-scopes"] == "groups:read"
                assert response.headers["x-oauth-scopes"] == "channels:read,chat:write"
        finally:
            await session.close()
        assert body == {"ok": False, "error": "missing_scope", "needed": "groups:read",
                        "provided": "channels:read,chat:write"}
        client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
        assert (await refusal(client.conversations_join(channel=sim.add_channel("handoffs"))))["needed"] == "channels:join"
        assert (await client.conversations_list(types="public_channel"))["ok"] is True


async def test_by_default_the_simulator_grants_what_an_install_from_the_manifest_has() -> None:
    from bot.manifest import BOT_SCOPES

    async with SlackSimulator(rate_limits=False) as sim:
        assert sim.workspace.bot_scopes == frozenset(BOT_SCOPES)
