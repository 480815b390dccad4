"""Proactive messages: open a handoff's thread in a channel, post to a conversation Baton already
knows, update a card in place. These are the Teams adapter's outbound primitives the outbox
dispatcher calls; every call takes its conversation's slot first (bot/teams/pacing.py) and waits
out a 429 that still comes (bot/teams/sending.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    Mention,
)
from botframework.connector.models import ErrorResponseException

from bot.teams.directory import TeamsDirectory, TeamsPerson
from bot.teams.pacing import ConversationPacer
from bot.teams.sending import is_throttled, retry_after_seconds, with_retry_after

T = TypeVar("T")


@dataclass(frozen=True)
class Posted:
    """Where a message landed: enough to reply in its thread or update it later."""

    reference: ConversationReference
    activity_id: str


def with_mentions(activity: Activity, people: Sequence[TeamsPerson], text: str = "") -> Activity:
    """@mention each person (`<at>Name</at>` in the text plus a mention entity), which is how
    someone without Baton installed personally still gets notified."""
    tags, entities = [], []
    for person in people:
        tag = f"<at>{person.name or person.email or 'someone'}</at>"
        tags.append(tag)
        entities.append(Mention(mentioned=ChannelAccount(id=person.user_id, name=person.name), text=tag,
                                type="mention"))
    activity.text = " ".join([text, *tags]).strip() or None
    activity.entities = entities or None
    return activity


def card_message(card: dict[str, Any], mentions: Sequence[TeamsPerson] = (), text: str = "") -> Activity:
    """An Adaptive Card message, with people @mentioned."""
    return with_mentions(MessageFactory.attachment(CardFactory.adaptive_card(card)), mentions, text)


class NotReachable(Exception):
    """Neither a personal chat nor a thread to @mention the person in."""


class TeamsMessenger:
    def __init__(self, adapter: CloudAdapter, app_id: str, directory: TeamsDirectory,
                 pacer: ConversationPacer | None = None) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._directory = directory
        self.pacer = pacer or ConversationPacer()

    async def _paced(self, conversation_id: str, call: Callable[[], Awaitable[T]], *, slot_taken: bool = False) -> T:
        """One call to Teams in its conversation's next slot; a 429 pauses the conversation for
        Retry-After and the call is tried again in the slot after (bot/teams/sending.py).
        `slot_taken`: the caller took the first slot itself, before entering a turn (a Paced
        raised inside a proactive turn would be reported as a failed turn)."""
        tries = 0

        async def attempt() -> T:
            nonlocal tries
            tries += 1
            if tries > 1 or not slot_taken:  # a retry waits for its slot whatever the patience
                await self.pacer.acquire(conversation_id, patient=tries > 1)
            try:
                return await call()
            except ErrorResponseException as exc:
                if is_throttled(exc):
                    self.pacer.pause(conversation_id, retry_after_seconds(exc))
                raise

        return await with_retry_after(attempt)

    async def tell(self, person: TeamsPerson, activity: Activity, *, service_url: str, tenant_id: str,
                   thread: ConversationReference | None) -> Posted:
        """Reach one person: their personal chat if Baton has or can open one, else an @mention in
        the handoff's thread. Never skipped silently: with neither, NotReachable is raised."""
        known = await asyncio.to_thread(self._directory.personal_chat, person.aad_object_id) \
            if person.aad_object_id else None
        if known is not None:
            return await self.send(known, activity)
        params = ConversationParameters(is_group=False, tenant_id=tenant_id, activity=activity,
                                        bot=ChannelAccount(id=f"28:{self._app_id}"),
                                        members=[ChannelAccount(id=person.user_id)],
                                        channel_data={"tenant": {"id": tenant_id}})
        opened: list[Posted] = []

        async def created(turn_context: TurnContext) -> None:
            opened.append(Posted(TurnContext.get_conversation_reference(turn_context.activity),
                                 turn_context.activity.id or ""))

        try:
            await self._paced(f"personal:{person.user_id}", lambda: self._adapter.create_conversation(
                self._app_id, created, params, "msteams", service_url))
        except ErrorResponseException as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status not in (403, 404):
                raise
            if thread is None:
                raise NotReachable(person.email or person.user_id) from exc
            mentioned = Activity(type="message", attachments=activity.attachments)
            return await self.send(thread, with_mentions(mentioned, [person], activity.text or ""))
        if person.aad_object_id:
            await asyncio.to_thread(self._directory.remember, opened[0].reference, personal_for=person.aad_object_id)
        return opened[0]

    async def open_thread(self, *, service_url: str, tenant_id: str, channel_id: str, first: Activity) -> Posted:
        """A new conversation (thread) in a Teams channel, starting with `first`."""
        params = ConversationParameters(is_group=True, activity=first, tenant_id=tenant_id,
                                        bot=ChannelAccount(id=f"28:{self._app_id}"),
                                        channel_data={"channel": {"id": channel_id}, "tenant": {"id": tenant_id}})
        posted: list[Posted] = []

        async def created(turn_context: TurnContext) -> None:
            activity = turn_context.activity
            posted.append(Posted(TurnContext.get_conversation_reference(activity), activity.id or ""))

        # A new thread is a post in the channel: it counts against the channel's limits.
        await self._paced(channel_id, lambda: self._adapter.create_conversation(
            self._app_id, created, params, "msteams", service_url))
        return posted[0]

    async def send(self, reference: ConversationReference, activity: Activity) -> Posted:
        """Post into a known conversation (a thread, a personal chat)."""
        sent: list[str] = []
        conversation_id = _conversation(reference)
        await self.pacer.acquire(conversation_id)

        async def deliver(turn_context: TurnContext) -> None:
            response = await self._paced(conversation_id, lambda: turn_context.send_activity(activity),
                                         slot_taken=True)
            sent.append(response.id if response else "")

        await self._adapter.continue_conversation(reference, deliver, self._app_id)
        return Posted(reference, sent[0])

    async def update(self, posted: Posted, activity: Activity) -> None:
        """Replace a message (a card after a decision) where it is."""
        activity.id = posted.activity_id
        conversation_id = _conversation(posted.reference)
        await self.pacer.acquire(conversation_id)

        async def replace(turn_context: TurnContext) -> None:
            await self._paced(conversation_id, lambda: turn_context.update_activity(activity), slot_taken=True)

        await self._adapter.continue_conversation(posted.reference, replace, self._app_id)


def _conversation(reference: ConversationReference) -> str:
    return reference.conversation.id if reference.conversation is not None else ""
