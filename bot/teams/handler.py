"""Baton's Teams bot: answers `@Baton` commands and learns who people are and where to reach them.

It speaks only through the SDK's TurnContext; the handoff logic it will call is platform-neutral.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, ChannelAccount
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleRequest,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)

from bot.teams.commands import COMMANDS, help_text
from bot.teams.directory import TeamsDirectory, TeamsPerson
from bot.teams.sending import with_retry_after

log = logging.getLogger(__name__)
CARD_VERSION = "1.5"  # Teams desktop/web render Adaptive Cards up to 1.5


def card(*lines: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": [{"type": "TextBlock", "text": line, "wrap": True} for line in lines]}


def _valid_zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


class BatonTeamsBot(TeamsActivityHandler):
    def __init__(self, directory: TeamsDirectory, *, on_timezone: Callable[[str, str], object] | None = None) -> None:
        """`on_timezone(email, zone)` records a person's time zone where the SLA planner reads it."""
        self.directory = directory
        self.on_timezone = on_timezone

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._learn(turn_context)
        await super().on_turn(turn_context)

    async def _learn(self, turn_context: TurnContext) -> None:
        """Keep the conversation reference and the sender's email and time zone.

        The email comes from the connector's member details (TeamsInfo), once per person: it is
        how the playbook names the AE, the CSM and the managers.
        """
        activity = turn_context.activity
        sender: ChannelAccount | None = activity.from_property
        conversation = activity.conversation
        personal = conversation is not None and conversation.conversation_type == "personal"
        reference = TurnContext.get_conversation_reference(activity)
        await asyncio.to_thread(self.directory.remember, reference,
                                personal_for=sender.aad_object_id if personal and sender else None)
        if sender is None or not sender.id or sender.id.startswith("28:"):
            return
        known = await asyncio.to_thread(self.directory.person, sender.id)
        email = known.email if known else None
        if email is None:
            try:
                member = await TeamsInfo.get_member(turn_context, sender.id)
                email = member.email or member.user_principal_name
            except Exception as exc:
                log.info("Teams member details unavailable for a sender: %s", type(exc).__name__)
            await asyncio.to_thread(self.directory.record, TeamsPerson(
                user_id=sender.id, aad_object_id=sender.aad_object_id, name=sender.name, email=email))
        zone = _valid_zone(activity.local_timezone)
        if email and zone and self.on_timezone is not None:
            await asyncio.to_thread(self.on_timezone, email.lower(), zone)

    async def reply(self, turn_context: TurnContext, text: str) -> None:
        await with_retry_after(lambda: turn_context.send_activity(MessageFactory.text(text)))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        text = TurnContext.remove_recipient_mention(turn_context.activity) or ""
        words = text.replace("&nbsp;", " ").split()
        command = words[0].lower() if words else "help"
        if command == "help":
            await self.reply(turn_context, help_text())
        elif command in {c.title for c in COMMANDS}:
            await self.reply(turn_context, f"`{command}` is not available in Teams yet; it works in Slack today.")
        else:
            await self.reply(turn_context, f"I don't know `{command}`.\n\n" + help_text())

    async def on_adaptive_card_invoke(self, turn_context: TurnContext,
                                      invoke_value: AdaptiveCardInvokeValue) -> AdaptiveCardInvokeResponse:
        """Universal Actions: answer with the card that replaces the clicked one."""
        action: Any = invoke_value.action  # the SDK leaves it a plain dict
        verb = action.get("verb") if isinstance(action, dict) else getattr(action, "verb", None)
        return AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.card.adaptive",
                                          value=card(f"Baton received **{verb}**."))

    async def on_teams_task_module_fetch(self, turn_context: TurnContext,
                                         task_module_request: TaskModuleRequest) -> TaskModuleResponse:
        attachment = CardFactory.adaptive_card(card("Handoff packet", "The packet dialog opens here."))
        info = TaskModuleTaskInfo(title="Handoff packet", height="medium", width="medium", card=attachment)
        return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))

    async def on_teams_task_module_submit(self, turn_context: TurnContext,
                                          task_module_request: TaskModuleRequest) -> TaskModuleResponse:
        return TaskModuleResponse(task=TaskModuleMessageResponse(value="Saved."))
