"""The CRM outbox target: deal events in (read the deal, open/hold/resume the handoff) and the
owner out (write the CSM as the company's/account's owner when the handoff is accepted), for
HubSpot and Salesforce alike; each CRM's client speaks its own API.

Both run from the dispatcher, after HubSpot got its fast 200, with the outbox's retries: a 429
puts the message back for as long as HubSpot asks, a crash mid-write is retried and finds the
write already done (the company is re-read first), a refusal is parked for a person.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from bot.delivery import Undeliverable
from core import events as ev
from core.commands import OpenHandoff
from core.crm import CrmDeal, CrmDealChanged, CrmLink, CrmRecords, link_of
from core.crm_mapping import CrmSide
from core.deal import Deal
from core.deal_changes import DealChanges, Outcome
from core.people import Actor
from core.playbook import Playbook
from core.services import HandoffService
from core.stages import matches


class CrmClient(Protocol):
    """What the sync needs of a CRM's API client (bot/crm/hubspot.py, bot/crm/salesforce.py)."""

    calls: int

    async def deal(self, deal_id: str) -> CrmDeal: ...

    async def company_owner(self, company_id: str) -> str: ...

    async def owner_id_by_email(self, email: str) -> str | None: ...

    async def set_company_owner(self, company_id: str, owner_id: str, extra: dict[str, str]) -> None: ...


class CrmTarget:
    """The outbox's "crm" target: each message goes to the CRM it concerns."""

    def __init__(self, syncs: dict[str, CrmSync]) -> None:
        self.syncs = syncs

    async def deliver(self, event: ev.Event, key: str) -> None:
        if isinstance(event, CrmDealChanged):
            await self.syncs[event.crm].deliver(event, key)
        else:
            for sync in self.syncs.values():  # each checks the handoff's link and skips another CRM's
                await sync.deliver(event, key)


class CrmSync:
    def __init__(self, *, name: str, client: CrmClient, service: HandoffService, deals: DealChanges,
                 records: CrmRecords, playbook: Playbook, side: CrmSide, record_url: str | None = None) -> None:
        self.name = name
        self.actor = Actor.system(name)
        self.client = client
        self._service = service
        self._deals = deals
        self._records = records
        self._playbook = playbook
        self._side = side
        self._record_url = record_url

    async def deliver(self, event: ev.Event, key: str) -> None:
        if isinstance(event, CrmDealChanged):
            await self._deal_changed(event)
        elif isinstance(event, ev.OwnershipFlipped):
            await self._write_owner(event)

    async def _deal_changed(self, event: CrmDealChanged) -> None:
        other_stage = bool(event.stage) and not matches(event.stage, self._playbook.trigger_stages)
        if other_stage and not await asyncio.to_thread(self._deals.has_handoff, event.deal_id):
            return  # a deal Baton never opened, moving through the pipeline: no API call
        # Act on the stage the deal has *now*: a late or reordered event cannot undo a newer one
        # (and a creation carries no stage at all).
        deal = await self.client.deal(event.deal_id)
        if not matches(deal.stage, self._playbook.trigger_stages):
            await asyncio.to_thread(self._deals.left_stage, event.deal_id, deal.stage, actor=self.actor)
            return
        if not deal.owner_email:
            raise Undeliverable(f"{self.name} deal {deal.id} has no owner: Baton needs the AE's email")
        cmd = OpenHandoff(deal=self._to_deal(deal), actor=self.actor, event_id=f"{self.name}:{event.event_id}")
        change = await asyncio.to_thread(self._deals.stage_changed, cmd)
        if change.outcome is Outcome.OPENED and change.handoff_id and deal.company_id:
            link = CrmLink(self.name, deal.id, deal.company_id, deal.company_owner_id)
            await asyncio.to_thread(self._records.link, change.handoff_id, link, actor=self.actor)
        if change.outcome is Outcome.OPENED and change.handoff_id and change.ignored_fields:
            # CRM values that fail a field's rules stay out of the packet; the trail lists them.
            await asyncio.to_thread(self._records.quiet, change.handoff_id, "crm_prefill_ignored",
                                    dict(change.ignored_fields), actor=self.actor)

    def _to_deal(self, d: CrmDeal) -> Deal:
        prefill: dict[str, Any] = {
            field_id: d.properties.get(prop) for field_id, prop in self._side.prefill.items()
            if d.properties.get(prop) not in (None, "")
        }
        if d.contacts and "stakeholders" in {f.id for f in self._playbook.fields}:
            prefill.setdefault("stakeholders", "\n".join(
                " ".join(filter(None, [c.get("firstname"), c.get("lastname"), f"<{c.get('email')}>",
                                       c.get("jobtitle")])) for c in d.contacts))
        return Deal(
            id=d.id, name=d.name, account=d.company_name or d.name, amount=d.amount, currency=d.currency,
            stage=d.stage, closed_at=d.closed_at, ae_email=d.owner_email or "", crm_url=self._deal_url(d.id),
            fields=prefill,
        )

    def _deal_url(self, deal_id: str) -> str | None:
        return f"{self._record_url.rstrip('/')}/{deal_id}" if self._record_url else None

    async def _write_owner(self, event: ev.OwnershipFlipped) -> None:
        handoff = await asyncio.to_thread(self._service.get, event.handoff_id)
        link = link_of(handoff)
        if link is None or link.crm != self.name:
            return  # not this CRM's deal
        current = await self.client.company_owner(link.company_id)
        csm_owner = await self.client.owner_id_by_email(event.to_email)
        if csm_owner is not None and current == csm_owner:
            await self._note(event.handoff_id, "crm_owner_written", "", company_id=link.company_id,
                             owner_id=csm_owner, already=True)
            return  # written before a crash, or by hand: nothing to do, nothing to repeat
        if current != link.owner_id:
            await self._note(event.handoff_id, "crm_owner_changed", (
                f"the {self.name} company/account owner changed since the handoff opened (owner {link.owner_id or 'none'} "
                f"-> {current or 'none'}); Baton did not overwrite it. Set it to {event.to_email} if that is right."),
                company_id=link.company_id, seen_at_open=link.owner_id, now=current)
            return
        if csm_owner is None:
            await self._note(event.handoff_id, "crm_owner_missing", (
                f"{event.to_email} has no active {self.name} user, so the owner was not changed. "
                f"Add them as a {self.name} user and set the owner by hand."), company_id=link.company_id)
            return
        side = self._side
        extra = {}
        if side.status_property:
            extra[side.status_property] = "accepted"
        if side.accepted_at_property:
            extra[side.accepted_at_property] = event.at.isoformat()
        await self.client.set_company_owner(link.company_id, csm_owner, extra)
        await self._note(event.handoff_id, "crm_owner_written", "", company_id=link.company_id, owner_id=csm_owner)

    async def _note(self, handoff_id: str, action: str, message: str, **detail: Any) -> None:
        def write() -> None:
            if message:
                self._records.note(handoff_id, action, message, actor=self.actor,
                                   **{k: str(v) for k, v in detail.items()})
            else:
                self._records.quiet(handoff_id, action, {k: str(v) for k, v in detail.items()}, actor=self.actor)
        await asyncio.to_thread(write)
