"""What every Slack listener needs, built once by the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.slack.directory import SlackDirectory
from core.playbook import Playbook
from core.ports import Clock
from core.services import HandoffService
from storage.chat_refs import ChatRefs

T = TypeVar("T")
NOT_A_MEMBER = frozenset({"user_not_in_channel", "channel_not_found"})


@dataclass
class SlackContext:
    service: HandoffService
    playbook: Playbook
    directory: SlackDirectory
    refs: ChatRefs
    clock: Clock
    wake_dispatcher: Callable[[], None]
    llm_enabled: bool = False
    engine: Engine | None = None  # for reports computed in SQL (bot/reporting)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """A change: run the synchronous service off the event loop, then let the outbox
        dispatcher deliver what it committed right away rather than at its next poll."""
        result = await asyncio.to_thread(fn, *args)
        self.wake_dispatcher()
        return result

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """A read: off the event loop too, but nothing to deliver, so the outbox sleeps on."""
        return await asyncio.to_thread(fn, *args)

    async def ephemeral(self, client: AsyncWebClient, *, channel: str | None, user: str, text: str) -> None:
        """A private answer to one person; in a DM or a modal (no channel), a DM instead.

        Slack only shows ephemeral messages to members, and anyone may click in a public
        channel they have not joined: then the answer goes to their DM rather than nowhere.
        """
        if channel:
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=text)
                return
            except SlackApiError as exc:
                if exc.response.get("error") not in NOT_A_MEMBER:
                    raise
        await client.chat_postMessage(channel=user, text=text)
