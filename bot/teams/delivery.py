"""Delivers domain events to Microsoft Teams: a thread per deal in the configured channel with
the handoff card, the CSM's brief, the managers' exception request, notices and nudges.

As in Slack (bot/slack/notifier.py), each delivery is a list of named steps and a finished step
is recorded, so a delivery retried after a crash or a 429 resumes where it stopped and never
posts twice. Posted messages are remembered (`teams.thread`, `teams.card`, ...) so later events
update the card in place. People are found by email: from who has talked to Baton, else from
the team's roster; someone Baton cannot reach personally is @mentioned in the thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError
from sqlalchemy.engine import Engine

from bot.delivery import RetryLater, Undeliverable
from bot.reporting.sample import candidates
from bot.reporting.teams_card import metrics_card
from bot.sla import period_of
from bot.teams import pacing, render
from bot.teams.delivery_steps import PREFIX, Delivery
from bot.teams.directory import TeamsDirectory, TeamsPerson
from bot.teams.proactive import NotReachable, Posted, TeamsMessenger, card_message
from core import events as ev
from core.errors import HandoffNotFound
from core.handoff import Handoff
from core.playbook import Playbook
from core.presentation.brief import brief
from core.presentation.nudges import still_due
from core.sampling import SampleAuditDue, sample_lines
from core.services import HandoffService
from core.sla import SlaPlanner, Timer
from storage.chat_refs import ChatRefs

log = logging.getLogger(__name__)
ROSTER_EVERY_SECONDS = 300.0  # look a missing person up in the team's roster at most this often
HOLD_SECONDS = 3.0  # a delivery sleeps this long at most for a conversation's slot, then yields its place


PlanOf = Callable[[Handoff], list[Timer]]


@dataclass(frozen=True)
class TeamsSite:
    """Where Teams conversations start: the service URL and tenant Teams gave Baton, the
    channel for handoff threads and the one for managers (the same when not set)."""

    service_url: str
    tenant_id: str
    channel_id: str
    managers_channel_id: str


class TeamsDelivery:
    def __init__(
        self, *, adapter: CloudAdapter, messenger: TeamsMessenger, directory: TeamsDirectory, app_id: str,
        service: HandoffService, playbook: Playbook, refs: ChatRefs, now: Callable[[], datetime],
        tenant_id: str = "", plan: PlanOf | None = None, engine: Engine | None = None,
    ) -> None:
        self._adapter = adapter
        self.messenger = messenger
        self.directory = directory
        self._app_id = app_id
        self.service = service
        self.playbook = playbook
        self.refs = refs
        self.now = now
        self._tenant_id = tenant_id
        planner = SlaPlanner(playbook)
        self._plan: PlanOf = plan or (lambda h: planner.plan(h, lambda _: None))
        self._roster_checked = -ROSTER_EVERY_SECONDS
        self._engine = engine

    # -- the outbox target ---------------------------------------------------------------------

    async def deliver(self, event: ev.Event, key: str) -> None:
        held = pacing.patience.set(HOLD_SECONDS)  # a longer wait for a slot goes back to the outbox
        try:
            await self._deliver(event, key)
        except pacing.Paced as exc:  # steps done so far are recorded; the rest resumes in its slot
            raise RetryLater(exc.seconds, str(exc), counts=False) from exc
        except ErrorResponseException as exc:
            raise _retry_or_refuse(exc) from exc
        except ClientRequestError as exc:  # Teams unreachable: wait it out, like any outage
            raise RetryLater(5.0, f"cannot reach Teams: {type(exc).__name__}") from exc
        except NotReachable as exc:
            raise Undeliverable(f"nobody to reach in Teams for {exc}") from exc
        finally:
            pacing.patience.reset(held)

    async def _deliver(self, event: ev.Event, key: str) -> None:
        if isinstance(event, ev.NudgeDue):
            await self._nudge(event, key)
            return
        if isinstance(event, ev.WeeklyDigestDue):
            await self._weekly(event, key)
            return
        if isinstance(event, ev.NudgeSnoozed):
            return  # answered in place when it was clicked
        if isinstance(event, SampleAuditDue):
            await self._sample_audit(event, key)
            return
        try:
            handoff = await asyncio.to_thread(self.service.get, event.handoff_id)
        except HandoffNotFound:
            log.info("Teams: %s is about no handoff Baton has; nothing to post", key)
            return
        d = Delivery(self, key, handoff)
        await d.load()
        handler = _HANDLERS.get(type(event), TeamsDelivery._other)
        await handler(self, d, event)

    # -- where conversations start -------------------------------------------------------------

    async def site(self) -> TeamsSite:
        places = self.playbook.teams
        if places.channel_id is None:
            raise Undeliverable("teams.channel_id is not set in app.yaml: Baton has no channel for handoff threads")
        learned = await asyncio.to_thread(self.directory.latest_service)
        service_url, tenant = learned or (places.service_url, self._tenant_id)
        return TeamsSite(service_url=service_url, tenant_id=self._tenant_id or tenant, channel_id=places.channel_id,
                         managers_channel_id=places.managers_channel_id or places.channel_id)

    def channel_reference(self, site: TeamsSite, channel_id: str) -> ConversationReference:
        return ConversationReference(
            channel_id="msteams", service_url=site.service_url, bot=ChannelAccount(id=f"28:{self._app_id}"),
            conversation=ConversationAccount(id=channel_id, is_group=True, conversation_type="channel",
                                             tenant_id=site.tenant_id))

    async def person(self, email: str) -> TeamsPerson | None:
        """The Teams user with this email: known from an earlier activity, else from the roster."""
        known = await asyncio.to_thread(self.directory.by_email, email)
        if known is not None:
            return known
        loop = asyncio.get_running_loop()
        if loop.time() - self._roster_checked < ROSTER_EVERY_SECONDS:
            return None
        self._roster_checked = loop.time()
        site = await self.site()
        members: list[Any] = []

        async def read(turn_context: TurnContext) -> None:
            turn_context.activity.channel_data = {}  # a continuation carries none; the SDK expects a dict
            members.extend(await TeamsInfo.get_members(turn_context))

        await self._adapter.continue_conversation(self.channel_reference(site, site.channel_id), read, self._app_id)
        for member in members:
            address = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
            await asyncio.to_thread(self.directory.record, TeamsPerson(
                user_id=member.id, aad_object_id=getattr(member, "aad_object_id", None), name=member.name,
                email=address))
        return await asyncio.to_thread(self.directory.by_email, email)

    async def tell_about(self, handoff: Handoff, email: str, card: dict[str, Any]) -> None:
        """A direct answer to someone about a handoff (drafted values): their chat, else the thread."""
        d = Delivery(self, "direct", handoff)
        await d.load()
        await d.reach(await self.person(email), card, "")

    # -- events --------------------------------------------------------------------------------

    async def _opened(self, d: Delivery, event: ev.Event) -> None:
        h = d.handoff
        people = [p for p in [await self.person(h.ae.email), await self.person(h.csm.email),
                              *[await self.person(m) for m in self.manager_emails()]] if p is not None]

        async def open_thread() -> str:
            site = await self.site()
            intro = f"New handoff: {h.deal.account} ({h.deal.name})."
            posted = await self.messenger.open_thread(
                service_url=site.service_url, tenant_id=site.tenant_id, channel_id=site.channel_id,
                first=card_message(await asyncio.to_thread(d.card), people, intro))
            await asyncio.to_thread(self.directory.remember, posted.reference)
            await d.set_ref("thread", posted.reference.conversation.id)
            await d.set_ref("card", posted.activity_id)
            return posted.activity_id

        await d.step("thread", open_thread)
        for audience in ("csm", "ae"):
            await d.tell(audience, event)

    async def _refresh(self, d: Delivery, event: ev.Event) -> None:
        await d.refresh_card()

    async def _submitted(self, d: Delivery, event: ev.Event) -> None:
        await d.refresh_card()
        await d.tell("csm", event, card=render.brief_card(brief(d.handoff, self.playbook)), ref="brief")

    async def _override_requested(self, d: Delivery, event: ev.Event) -> None:
        request = d.handoff.overrides[-1]
        managers = [p for p in [await self.person(m) for m in self.manager_emails()] if p is not None]
        card = render.exception_card(
            handoff_id=d.handoff.id, account=d.handoff.deal.account, asked_by=d.handoff.ae.email,
            reason=request.reason, missing=self._labels(request.missing), manager_ids=[m.user_id for m in managers])

        async def ask() -> str:
            posted = await d.in_thread(card_message(card, managers, "An exception needs a decision."))
            await d.set_ref("exception", posted.activity_id)
            return posted.activity_id

        await d.step("ask_managers", ask)
        await d.refresh_card()

    async def _override_decided(self, d: Delivery, event: ev.Event) -> None:
        request = d.handoff.overrides[-1]
        exception_id, thread = d.refs.get("exception"), await d.thread()
        if exception_id and thread is not None:
            word = "Approved" if request.approved else "Denied"
            decided = f"{word} by {request.decided_by}" + (f": {request.note}" if request.note else "")
            card = render.exception_card(handoff_id=d.handoff.id, account=d.handoff.deal.account,
                                         asked_by=d.handoff.ae.email, reason=request.reason,
                                         missing=self._labels(request.missing), decided=decided)
            await d.step("update_request", lambda: d.update(Posted(thread, exception_id), card))
        await d.refresh_card()
        await d.tell("ae", event)

    async def _escalated(self, d: Delivery, event: ev.Event) -> None:
        await d.close_brief("Sent back to the AE")
        await d.refresh_card()
        await d.tell("ae", event)

    async def _flipped(self, d: Delivery, event: ev.Event) -> None:
        await d.close_brief("Accepted")
        await d.refresh_card()
        await d.announce("channel", event)

    async def _other(self, d: Delivery, event: ev.Event) -> None:
        await d.refresh_card()
        for audience in ("channel", "managers", "csm", "ae"):
            if audience in ("csm", "ae"):
                await d.tell(audience, event)
            else:
                await d.announce(audience, event)

    async def _milestone(self, d: Delivery, event: ev.Event) -> None:
        """A follow-up recorded: the card and the thread hear it; the CSM's feedback reaches the AE."""
        await self._other(d, event)
        m = d.handoff.milestones
        if isinstance(event, ev.MilestoneRecorded) and event.milestone == "feedback" and m.feedback_at is not None:
            lines = [f"{d.handoff.csm.email}'s feedback on your handoff of {d.handoff.deal.account}:",
                     f"What went well: {m.feedback_went_well or '–'}", f"What was missing: {m.feedback_missing or '–'}"]
            person = await self.person(d.handoff.ae.email)
            await d.step("feedback_to_ae", lambda: d.reach(person, render.notice_card(*lines), lines[0]))

    async def _nudge(self, event: ev.NudgeDue, key: str) -> None:
        if not event.lead:
            return  # folded into another nudge's message
        handoffs = {}
        for ref in event.items:
            try:
                handoffs[ref["h"]] = await asyncio.to_thread(self.service.get, ref["h"])
            except HandoffNotFound:  # gone since the sweep: simply not nudged
                continue
        items = still_due(event.items, event.recipient, handoffs, self._plan)
        if not items:
            return
        card = render.nudge_card(items, recipient=event.recipient, now=self.now(),
                                 snooze=self.playbook.nudges.snooze)
        summary = f"Reminder: {items[0].timer.label} for {items[0].handoff.deal.account}"
        person = await self.person(event.recipient) if "@" in event.recipient else None
        d = Delivery(self, key, items[0].handoff)
        await d.load()
        if person is None:
            log.warning("Teams nudge %s: no Teams user for %s; posted in the thread", key, event.recipient)
        await d.step("nudge", lambda: d.reach(person, card, summary))

    async def _sample_audit(self, event: SampleAuditDue, key: str) -> None:
        """The monthly sample to each RevOps person: their chat, else a post in the managers' channel."""
        if self._engine is None:
            return
        rows = await asyncio.to_thread(candidates, self._engine, event.handoff_ids)
        links = {}
        for row in rows:
            thread = (await asyncio.to_thread(self.refs.all, row.handoff_id)).get(PREFIX + "thread")
            if thread:
                links[row.handoff_id] = message_link(thread)
        lines = sample_lines(rows, links)
        head = (f"Monthly sample audit, {event.month}: {len(lines)} handoffs accepted that month, drawn at random."
                if lines else f"Monthly sample audit, {event.month}: no handoff was accepted that month.")
        card = render.notice_card(head, *(f"- {line}" for line in lines))
        site = await self.site()
        for n, email in enumerate(e for e in self.playbook.roles.revops if "@" in e[1:]):
            step_key = f"{key}:teams:sample:{n}"
            if await asyncio.to_thread(self.refs.step_result, step_key) is not None:
                continue
            person = await self.person(email)
            try:
                if person is None:
                    raise NotReachable(email)
                posted = await self.messenger.tell(person, card_message(card), service_url=site.service_url,
                                                    tenant_id=site.tenant_id, thread=None)
            except NotReachable:
                posted = await self.messenger.open_thread(
                    service_url=site.service_url, tenant_id=site.tenant_id, channel_id=site.managers_channel_id,
                    first=card_message(card, [person] if person else [], head))
            await asyncio.to_thread(self.refs.record_step, step_key, posted.activity_id, at=self.now())

    async def _weekly(self, event: ev.WeeklyDigestDue, key: str) -> None:
        """The managers' weekly digest: the chart card as a new post in their channel."""
        if self._engine is None:
            return
        start, end = period_of(event)
        label = f"{start:%b %d} to {end:%b %d, %Y}"
        engine, thresholds = self._engine, self.playbook.thresholds
        step_key = f"{key}:teams:digest"
        if await asyncio.to_thread(self.refs.step_result, step_key) is not None:
            return
        card = await asyncio.to_thread(metrics_card, engine, start=start, end=end, label=label, thresholds=thresholds)
        site = await self.site()
        posted = await self.messenger.open_thread(
            service_url=site.service_url, tenant_id=site.tenant_id, channel_id=site.managers_channel_id,
            first=card_message(card, (), f"Weekly handoff digest, {label}"))
        await asyncio.to_thread(self.refs.record_step, step_key, posted.activity_id, at=self.now())

    # -- small helpers -------------------------------------------------------------------------

    def manager_emails(self) -> list[str]:
        roles = self.playbook.roles
        return [m for m in (*roles.sales_managers, *roles.cs_managers) if "@" in m and not m.startswith("@")]

    def _labels(self, field_ids: tuple[str, ...]) -> list[str]:
        labels = {f.id: f.label for f in self.playbook.fields}
        return [labels.get(f, f) for f in field_ids]


def message_link(thread_id: str) -> str:
    """A link that opens a handoff's thread in Teams (`19:…@thread.tacv2;messageid=…`)."""
    channel, _, message = thread_id.partition(";messageid=")
    return f"https://teams.microsoft.com/l/message/{quote(channel)}/{message}"


def _retry_or_refuse(exc: ErrorResponseException) -> Exception:
    """Teams' answer as the dispatcher's outcome: 429 and 5xx wait, other refusals need a person."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status == 429:
        header = getattr(response, "headers", {}).get("Retry-After", "1")
        try:
            wait = float(header)
        except ValueError:
            wait = 1.0
        return RetryLater(wait, "Teams asked Baton to slow down (429)", counts=False)
    if status is None or status >= 500:
        return RetryLater(5.0, f"Teams is unavailable ({status})")
    return Undeliverable(f"Teams refused ({status}): {exc}")


_HANDLERS: dict[type[ev.Event], Callable[[TeamsDelivery, Delivery, ev.Event], Awaitable[None]]] = {
    ev.HandoffOpened: TeamsDelivery._opened,
    ev.PacketEdited: TeamsDelivery._refresh,
    ev.MilestoneRecorded: TeamsDelivery._milestone,
    ev.PacketSubmitted: TeamsDelivery._submitted,
    ev.OverrideRequested: TeamsDelivery._override_requested,
    ev.OverrideApproved: TeamsDelivery._override_decided,
    ev.OverrideDenied: TeamsDelivery._override_decided,
    ev.HandoffEscalated: TeamsDelivery._escalated,
    ev.OwnershipFlipped: TeamsDelivery._flipped,
}
