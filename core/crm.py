"""The CRM side of a handoff, free of any CRM's wire format: inbound stage changes as events,
the link between a handoff and its CRM records, and what Baton noted about writing back.

The link (CRM, deal, company/account, the owner seen when the handoff opened) lives in the audit
trail, so "who owned the account when we started" is answered from the record everyone reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.events import Event
from core.handoff import Handoff
from core.people import Actor
from core.ports import Clock, UnitOfWork
from core.retry import retry_on_conflict

LINK = "crm_link"


@dataclass(frozen=True, kw_only=True)
class CrmDealChanged(Event):
    """A CRM said a deal changed (stage or creation); processed through the outbox, after the ack."""

    crm: str
    deal_id: str
    stage: str
    event_id: str

    @property
    def key(self) -> str:
        return f"{self.crm}:{self.event_id}"


@dataclass(frozen=True)
class CrmDeal:
    """A deal as any CRM describes it, with its company/account and the people Baton needs."""

    id: str
    name: str
    stage: str
    amount: Decimal
    currency: str
    closed_at: datetime
    owner_email: str | None
    company_id: str | None
    company_name: str | None
    company_owner_id: str
    contacts: tuple[dict[str, Any], ...]
    properties: dict[str, Any]


@dataclass(frozen=True)
class CrmLink:
    crm: str
    deal_id: str
    company_id: str
    owner_id: str  # the company's owner when the handoff opened; "" when it had none


def link_of(handoff: Handoff) -> CrmLink | None:
    """The handoff's CRM records, as recorded when it opened (the latest link wins)."""
    for entry in reversed(handoff.audit):
        if entry.action == LINK:
            d = entry.detail
            return CrmLink(str(d["crm"]), str(d["deal_id"]), str(d["company_id"]), str(d.get("owner_id") or ""))
    return None


class CrmRecords:
    """Writes what the CRM adapters learn onto the handoff's audit trail, in one transaction each."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def link(self, handoff_id: str, link: CrmLink, *, actor: Actor) -> None:
        detail = {"crm": link.crm, "deal_id": link.deal_id, "company_id": link.company_id,
                  "owner_id": link.owner_id}
        self._change(handoff_id, lambda h: h.record_crm(LINK, detail, actor=actor, at=self._clock.now()))

    def note(self, handoff_id: str, action: str, message: str, *, actor: Actor, **detail: str) -> None:
        self._change(handoff_id, lambda h: h.record_crm(
            action, {"message": message, **detail}, actor=actor, at=self._clock.now(), tell=message))

    def quiet(self, handoff_id: str, action: str, detail: dict[str, str], *, actor: Actor) -> None:
        """On the audit trail only (the owner written, as expected): nobody needs a message."""
        self._change(handoff_id, lambda h: h.record_crm(action, dict(detail), actor=actor, at=self._clock.now()))

    def _change(self, handoff_id: str, change: Callable[[Handoff], None]) -> None:
        def attempt() -> None:
            with self._uow() as uow:
                change(uow.handoffs.get(handoff_id))
                uow.commit()

        retry_on_conflict(attempt)
