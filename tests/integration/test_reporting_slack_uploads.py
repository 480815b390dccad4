"""files.getUploadURLExternal + upload URL + files.completeUploadExternal in the simulator, driven by slack_sdk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.simulator import SlackSimulator
from bot.slack.simulator.methods.uploads import alt_texts

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
async def sim() -> AsyncIterator[SlackSimulator]:
    async with SlackSimulator(rate_limits=False) as running:
        yield running


@pytest.fixture
def client(sim: SlackSimulator) -> AsyncWebClient:
    return AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)


async def refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        await call
    return dict(caught.value.response.data)


async def test_files_upload_v2_shares_the_image_with_its_comment_and_alt_text(
    sim: SlackSimulator, client: AsyncWebClient,
) -> None:
    channel = sim.add_channel("handoff-managers", with_bot=True)
    done = await client.files_upload_v2(channel=channel, content=PNG, filename="metrics.png", title="Metrics",
                                        alt_txt="Completion rate 84%", initial_comment="Weekly digest")
    file = done["files"][0]
    assert file["name"] == "metrics.png" and file["size"] == len(PNG) and file["mimetype"] == "image/png"
    assert alt_texts(sim.workspace)[file["id"]] == "Completion rate 84%"
    posted = sim.messages(channel)[-1]
    assert posted["text"] == "Weekly digest" and [f["id"] for f in posted["files"]] == [file["id"]]
    async with aiohttp.ClientSession() as http:
        got = await http.get(file["url_private_download"], headers={"Authorization": f"Bearer {sim.bot_token}"})
        assert await got.read() == PNG


async def test_the_simulator_refuses_what_slack_refuses(sim: SlackSimulator, client: AsyncWebClient) -> None:
    outside = sim.add_channel("elsewhere")
    assert (await refusal(client.files_getUploadURLExternal(filename="a.png", length=0)))["error"] == "missing_argument"
    assert (await refusal(client.files_getUploadURLExternal(filename="a.png", length=10, alt_txt="x" * 1001))
            )["error"] == "alt_txt_too_large"
    unknown = client.files_completeUploadExternal(files=[{"id": "F0NOPE", "title": "x"}], channel_id=outside)
    assert (await refusal(unknown))["error"] == "file_not_found"

    ticket = await client.files_getUploadURLExternal(filename="a.png", length=len(PNG))
    announced = [{"id": ticket["file_id"], "title": "a"}]
    assert (await refusal(client.files_completeUploadExternal(files=announced)))["error"] == "file_not_found"
    async with aiohttp.ClientSession() as http:
        short = await http.post(ticket["upload_url"], data=PNG[:-1])
        assert short.status == 400  # fewer bytes than announced
        ok = await http.post(ticket["upload_url"], data=PNG)
        assert ok.status == 200
    assert (await refusal(client.files_completeUploadExternal(files=announced, channel_id=outside))
            )["error"] == "not_in_channel"


async def test_an_upload_needs_files_write_when_the_workspace_tracks_scopes(
    sim: SlackSimulator, client: AsyncWebClient,
) -> None:
    sim.workspace.bot_scopes = {"chat:write", "commands"}  # type: ignore[attr-defined]
    body = await refusal(client.files_getUploadURLExternal(filename="a.png", length=10))
    assert body["error"] == "missing_scope" and body["needed"] == "files:write"
