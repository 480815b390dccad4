"""Only Slack may talk to /slack/events: a forged, replayed or unsigned request is answered 401
by Bolt before any listener runs, and changes nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.slack import ids
from bot.slack.simulator.driver import Answer, SlackPeople
from core.machine import Status
from tests.integration.slack_world import HYBRID_PACKET, SIGNING_SECRET, SlackWorld, slack_world

STALE_SECONDS = 5 * 60 + 30


class Replayer(SlackPeople):
    """Sends a correctly signed request whose timestamp is more than five minutes old."""

    async def _send(self, body: str, content_type: str, *, retry_num: int | None = None,
                    timestamp: int | None = None) -> Answer:
        return await super()._send(body, content_type, retry_num=retry_num,
                                   timestamp=int(time.time()) - STALE_SECONDS)


class Unsigned(SlackPeople):
    """Sends the request with no X-Slack-Signature or X-Slack-Request-Timestamp at all."""

    async def _send(self, body: str, content_type: str, *, retry_num: int | None = None,
                    timestamp: int | None = None) -> Answer:
        assert self._session is not None
        async with self._session.post(self.url, data=body.encode(), headers={"Content-Type": content_type}) as r:
            return Answer(r.status, await r.text())


async def attempts(w: SlackWorld, people: SlackPeople) -> list[Answer]:
    """The CSM's Accept, a slash command and an App Home event, each sent by `people`."""
    return [
        await people.click(w.csm, ids.ACCEPT),
        await people.command(w.csm, "open 006-FAKE"),
        await people.open_home(w.csm),
    ]


async def test_forged_stale_and_unsigned_requests_are_refused_with_401_and_change_nothing(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        await w.deliver()
        await w.fill_packet(HYBRID_PACKET)
        await w.deliver()
        url = w.people.url
        calls_before = len(w.sim.calls)

        impostors: list[Any] = [SlackPeople(w.sim, url=url, signing_secret="not-" + SIGNING_SECRET),
                                Replayer(w.sim, url=url, signing_secret=SIGNING_SECRET),
                                Unsigned(w.sim, url=url, signing_secret=SIGNING_SECRET)]
        for impostor in impostors:
            async with impostor:
                answers = await attempts(w, impostor)
            assert [a.status for a in answers] == [401, 401, 401], type(impostor).__name__

        await w.deliver()
        assert w.baton.service.get(opened["handoff_id"]).status is Status.SUBMITTED
        assert w.writes(calls_before) == [] and w.sim.home(w.csm) is None
        assert w.sim.ephemerals(w.csm) == [] and w.people.top_view(w.csm) is None

        genuine = await w.people.click(w.csm, ids.ACCEPT)  # the same click, signed by Slack, works
        assert genuine.status == 200
        await w.settle(lambda: w.baton.service.get(opened["handoff_id"]).status is Status.ACCEPTED)
