"""The one channel finder shared by places and nudges: a race on a channel's name is won by
adopting the channel the other delivery created, never by failing or making a second one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from bot.slack.calls import SlackCaller, SlackRefused
from bot.slack.channels import SlackChannels
from core.ports import Clock
from storage.chat_refs import ChatRefs


class _Refs:
    def __init__(self) -> None:
        self.saved: dict[str, str] = {}

    def all(self, handoff_id: str) -> dict[str, str]:
        return dict(self.saved)

    def set(self, handoff_id: str, name: str, value: str, *, at: datetime) -> None:
        self.saved[name] = value


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 12, 5, tzinfo=UTC)


class _RacingSlack:
    """Slack where another replica creates `#handoffs` between our list and our create."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.created = False

    async def __call__(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls.append(method)
        if method == "conversations.list":
            channels = [{"id": "C1", "name": "handoffs"}] if self.created else []
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if method == "conversations.create":
            self.created = True
            raise SlackRefused(method, "name_taken")
        return {"ok": True}


def test_a_name_taken_race_adopts_and_joins_the_other_channel_once() -> None:
    slack, refs = _RacingSlack(), _Refs()
    channels = SlackChannels(call=cast(SlackCaller, slack), refs=cast(ChatRefs, refs), clock=cast(Clock, _Clock()))

    assert asyncio.run(channels.named("handoffs")) == "C1"
    assert asyncio.run(channels.named("handoffs")) == "C1"  # remembered: no second lookup

    assert slack.calls == ["conversations.list", "conversations.create", "conversations.list", "conversations.join"]
    assert refs.saved == {"channel:handoffs": "C1"}
