"""Baton's Teams bot: answers `@Baton` commands and learns who people are and where to reach them.

It speaks only through the SDK's TurnContext; the handoff logic it will call is platform-neutral.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    ChannelAccount,
    ConversationReference,
)
from botbuilder.schema.teams import (
    FileConsentCard,
    FileConsentCardResponse,
    FileInfoCard,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleRequest,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)
from botbuilder.schema.teams.additional_properties import ContentType
from botframework.connector.models import ErrorResponseException

from bot.reporting.teams_card import metrics_card
from bot.teams import actions, packet_flow, queries
from bot.teams.commands import COMMANDS, help_text
from bot.teams.deal_dialog import open_prompt
from bot.teams.directory import TeamsDirectory, TeamsPerson
from bot.teams.proactive import NotReachable, TeamsMessenger
from bot.teams.sending import UploadFailed, is_throttled, retry_after_seconds, upload
from bot.teams.services import TeamsApp
from core.people import Actor

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
    def __init__(self, directory: TeamsDirectory, *, on_timezone: Callable[[str, str], object] | None = None,
                 app: TeamsApp | None = None) -> None:
        """`on_timezone(email, zone)` records a person's time zone where the SLA planner reads it;
        `app` is the handoff service (without it only `help` works: a bot for tests of auth)."""
        self.directory = directory
        self.on_timezone = on_timezone
        self.app = app
        # Proactive send (TeamsMessenger.send), for answers Teams throttled within the turn.
        self.send_later: Callable[[ConversationReference, Activity], Awaitable[object]] | None = None
        self.messenger: TeamsMessenger | None = None  # reaches a person privately (set by the endpoint)
        self._later: set[asyncio.Task[None]] = set()

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
        await self.send(turn_context, MessageFactory.text(text))

    async def send(self, turn_context: TurnContext, activity: Activity) -> None:
        """Answer within the turn; when Teams says 429 (about 7 messages a second per chat), send
        the answer after Retry-After from outside the turn instead of holding Teams' request."""
        try:
            await turn_context.send_activity(activity)
        except ErrorResponseException as exc:
            if not is_throttled(exc) or self.send_later is None:
                raise
            reference = TurnContext.get_conversation_reference(turn_context.activity)
            task = asyncio.create_task(self._after(retry_after_seconds(exc), reference, activity))
            self._later.add(task)
            task.add_done_callback(self._later.discard)

    async def _after(self, seconds: float, reference: ConversationReference, activity: Activity) -> None:
        await asyncio.sleep(seconds)
        assert self.send_later is not None
        try:
            await self.send_later(reference, activity)
        except Exception:
            log.exception("a throttled Teams reply could not be sent later")

    async def _actor(self, turn_context: TurnContext) -> Actor:
        sender = turn_context.activity.from_property
        assert self.app is not None
        return await self.app.actor(sender.id if sender else "", sender.aad_object_id if sender else None)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and activity.value.get("verb") and self.app is not None:
            await self._submitted_card(turn_context, activity.value)  # Action.Submit: clients without Execute
            return
        text = TurnContext.remove_recipient_mention(activity) or ""
        words = text.replace("&nbsp;", " ").split()
        command, rest = (words[0].lower() if words else "help"), " ".join(words[1:])
        if command == "help":
            await self.reply(turn_context, help_text())
        elif command not in {c.title for c in COMMANDS}:
            await self.reply(turn_context, f"I don't know `{command}`.\n\n" + help_text())
        elif self.app is None:
            await self.reply(turn_context, f"`{command}` needs Baton's handoff service, which this bot runs without.")
        elif command == "metrics":
            await self._metrics(turn_context, rest)
        elif command == "export":
            await self._export(turn_context, rest)
        elif command == "open":  # a dialog opens from a button only: the answer carries one
            await self.send(turn_context, MessageFactory.attachment(CardFactory.adaptive_card(open_prompt(rest))))
        else:
            actor = await self._actor(turn_context)
            conversation = activity.conversation.id if activity.conversation else ""
            lines = await queries.command(self.app, command, rest, actor, conversation_id=conversation or "")
            # A card, not text: Teams renders {{DATE()}}/{{TIME()}} (each reader's own time zone)
            # only inside Adaptive Cards; in a text message they would show as written.
            await self.send(turn_context, MessageFactory.attachment(CardFactory.adaptive_card(card(*lines))))

    async def _submitted_card(self, turn_context: TurnContext, data: dict[str, Any]) -> None:
        """An Action.Submit from a card (the Universal Actions fallback). Unlike an invoke it has no
        answer of its own, so the clicker is told in their personal chat; a click in a thread or
        group chat is never answered there for everyone to read. The card itself is updated for
        everyone by the outbox once the handoff changed."""
        assert self.app is not None
        actor = await self._actor(turn_context)
        outcome = await actions.outcome(self.app, str(data["verb"]), data, actor)
        conversation = turn_context.activity.conversation
        if conversation is not None and conversation.conversation_type == "personal":
            if outcome.note and not outcome.problem:  # a card: its time renders in their own zone
                await self.send(turn_context, MessageFactory.attachment(CardFactory.adaptive_card(card(outcome.note))))
            else:
                await self.reply(turn_context, outcome.problem or "Done.")
        elif outcome.in_public is not None:
            await self._tell_clicker(turn_context, outcome.in_public)

    async def _tell_clicker(self, turn_context: TurnContext, text: str) -> None:
        """Their personal chat with Baton (opened if the app is installed for them), else an
        @mention in the thread; the words are the public ones, as either may be the thread.
        Sent after Teams has its answer, so pacing or a 429 never holds the request."""
        thread = TurnContext.get_conversation_reference(turn_context.activity)

        async def tell() -> None:
            try:
                if not await self._privately(turn_context, MessageFactory.text(text), thread=thread):
                    log.warning("a refused Action.Submit: no one to tell")
            except Exception:
                log.exception("could not tell the person who clicked why Baton said no")

        task = asyncio.create_task(tell())
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _metrics(self, turn_context: TurnContext, rest: str) -> None:
        assert self.app is not None
        actor = await self._actor(turn_context)
        period = self.app.metrics_period(rest)
        if period is None or self.app.engine is None:
            await self.reply(turn_context, f"I can't read `{rest}` as a period. Say week, month, quarter, year or "
                                           "a number of days like 45d.")
            return
        start, end, label = period
        scope = self.app.scope_of(actor)
        chart_card = await asyncio.to_thread(
            metrics_card, self.app.engine, start=start, end=end, label=f"{label}, {scope.label}",
            thresholds=self.app.playbook.thresholds, emails=scope.emails)
        answer = MessageFactory.attachment(CardFactory.adaptive_card(chart_card))
        conversation = turn_context.activity.conversation
        if conversation is not None and conversation.conversation_type == "personal":
            await self.send(turn_context, answer)
            return
        # A person's numbers are theirs (Slack sends the chart to the asker's DM): asked in a
        # channel or group chat, they go to the asker's personal chat with Baton.
        if await self._privately(turn_context, answer):
            await self.reply(turn_context, "I sent your metrics to our personal chat.")
        else:
            await self.reply(turn_context, "Your metrics are for you only: write `metrics` to me in a personal chat "
                                           "(add Baton from Apps if it is not there yet).")

    async def _privately(self, turn_context: TurnContext, activity: Activity,
                         thread: ConversationReference | None = None) -> bool:
        """Send to the sender's personal chat with Baton (opened if Teams lets the bot), else an
        @mention in `thread` if given; False when neither is to be had (never the conversation
        they wrote in otherwise)."""
        incoming = turn_context.activity
        sender = incoming.from_property
        person = await asyncio.to_thread(self.directory.person, sender.id) if sender and sender.id else None
        if person is None or self.messenger is None:
            return False
        tenant = (incoming.conversation.tenant_id if incoming.conversation else None) or \
            ((incoming.channel_data or {}).get("tenant") or {}).get("id", "")
        try:
            await self.messenger.tell(person, activity, service_url=incoming.service_url or "", tenant_id=tenant,
                                      thread=thread)
        except NotReachable:
            return False
        return True

    async def _export(self, turn_context: TurnContext, rest: str) -> None:
        """Teams bots send files only in personal chat, after the person consents to each one."""
        assert self.app is not None
        conversation = turn_context.activity.conversation
        if conversation is None or conversation.conversation_type != "personal":
            await self.reply(turn_context, "I send files only in our personal chat: write `export` to me there.")
            return
        made = await queries.export_csv(self.app, await self._actor(turn_context), rest)
        if isinstance(made, str):
            await self.reply(turn_context, made)
            return
        name, data, covers = made
        context = {"period": rest, "name": name}
        consent = FileConsentCard(description=f"Handoff metrics for {covers} (CSV).", size_in_bytes=len(data),
                                  accept_context=context, decline_context=context)
        attachment = Attachment(content=consent.serialize(), content_type=ContentType.FILE_CONSENT_CARD, name=name)
        await self.send(turn_context, MessageFactory.attachment(attachment))

    async def on_teams_file_consent_accept(self, turn_context: TurnContext,
                                           file_consent_card_response: FileConsentCardResponse) -> None:
        """The person said yes: make the file again (who asks is checked again) and upload it."""
        assert self.app is not None
        context = file_consent_card_response.context or {}
        info = file_consent_card_response.upload_info
        made = await queries.export_csv(self.app, await self._actor(turn_context), str(context.get("period", "")))
        if isinstance(made, str) or info is None or not info.upload_url:
            await self.reply(turn_context, made if isinstance(made, str) else "Teams sent no place to upload to.")
            return
        _, data, _ = made
        try:
            await upload(info.upload_url, data)
        except UploadFailed as exc:
            await self.reply(turn_context, f"I could not upload the file ({exc}); ask me again with `export`.")
            return
        card = FileInfoCard(unique_id=info.unique_id, file_type=info.file_type)
        attachment = Attachment(content=card.serialize(), content_type=ContentType.FILE_INFO_CARD, name=info.name,
                                content_url=info.content_url)
        await self.send(turn_context, MessageFactory.attachment(attachment))

    async def on_teams_file_consent_decline(self, turn_context: TurnContext,
                                            file_consent_card_response: FileConsentCardResponse) -> None:
        await self.reply(turn_context, "No file sent. `metrics` shows the same numbers in a card.")

    async def on_adaptive_card_invoke(self, turn_context: TurnContext,
                                      invoke_value: AdaptiveCardInvokeValue) -> AdaptiveCardInvokeResponse:
        """Universal Actions: answer with the card as the clicker should now see it."""
        action: Any = invoke_value.action  # the SDK leaves it a plain dict
        get = action.get if isinstance(action, dict) else lambda k, d=None: getattr(action, k, d)
        verb, data = str(get("verb") or ""), get("data") or {}
        if self.app is None:
            answer = card(f"Baton received **{verb}**.")
        else:
            answer = await actions.execute(self.app, verb, data if isinstance(data, dict) else {}, await self._actor(turn_context))
        return AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.card.adaptive",
                                          value=answer)

    async def on_teams_task_module_fetch(self, turn_context: TurnContext,
                                         task_module_request: TaskModuleRequest) -> TaskModuleResponse:
        data = task_module_request.data if isinstance(task_module_request.data, dict) else {}
        if self.app is None:
            title, body = "Handoff packet", card("Baton's handoff service is not running.")
        else:
            title, body = await packet_flow.open_dialog(self.app, str(data.get("verb", "")), data, await self._actor(turn_context))
        return _continue(title, body)

    async def on_teams_task_module_submit(self, turn_context: TurnContext,
                                          task_module_request: TaskModuleRequest) -> TaskModuleResponse:
        data = task_module_request.data if isinstance(task_module_request.data, dict) else {}
        if self.app is None:
            return TaskModuleResponse(task=TaskModuleMessageResponse(value="Baton's handoff service is not running."))
        result = await packet_flow.submit_dialog(self.app, data, await self._actor(turn_context))
        if isinstance(result, str):
            return TaskModuleResponse(task=TaskModuleMessageResponse(value=result))
        return _continue(*result)


def _continue(title: str, body: dict[str, Any]) -> TaskModuleResponse:
    info = TaskModuleTaskInfo(title=title, height="large", width="medium", card=CardFactory.adaptive_card(body))
    return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))
