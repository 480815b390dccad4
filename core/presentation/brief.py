"""The brief as a view-model: the packet as the CSM reads it before accepting, section by
section, each field with its value and whether a required one is missing. Slack renders it as
Block Kit (bot/slack/views/brief.py); Teams as an Adaptive Card."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.handoff import Handoff, is_empty
from core.machine import Status
from core.people import Person
from core.playbook import FieldSpec, Playbook
from core.presentation.card import CardAction, segment_label


@dataclass(frozen=True)
class BriefField:
    spec: FieldSpec
    value: Any  # as stored in the packet; adapters format it
    required: bool

    @property
    def empty(self) -> bool:
        return is_empty(self.value)


@dataclass(frozen=True)
class BriefSection:
    title: str
    fields: tuple[BriefField, ...]


@dataclass(frozen=True)
class ApprovedException:
    """The manager's approved exception that let an incomplete packet through."""

    decided_by: str
    note: str


@dataclass(frozen=True)
class Brief:
    handoff_id: str
    account: str
    deal_name: str
    amount: Decimal
    currency: str
    segment_label: str
    ae: Person
    sections: tuple[BriefSection, ...]
    missing: int  # required fields still empty
    exception: ApprovedException | None
    actions: tuple[CardAction, ...]  # Accept / Escalate while it waits on the CSM


def field_of(spec: FieldSpec, handoff: Handoff, *, required: bool) -> BriefField:
    return BriefField(spec=spec, value=handoff.packet.get(spec.id), required=required)


def brief(handoff: Handoff, playbook: Playbook) -> Brief:
    deal, required = handoff.deal, set(handoff.required_fields)
    sections = tuple(
        BriefSection(s.title, tuple(field_of(spec, handoff, required=spec.id in required) for spec in s.fields))
        for s in playbook.sections
    )
    approved = [o for o in handoff.overrides if o.approved]
    exception = ApprovedException(approved[-1].decided_by or "", approved[-1].note or "") if approved else None
    waiting = handoff.status is Status.SUBMITTED
    return Brief(
        handoff_id=handoff.id, account=deal.account, deal_name=deal.name, amount=deal.amount,
        currency=deal.currency, segment_label=segment_label(playbook, handoff.segment), ae=handoff.ae,
        sections=sections, missing=len(handoff.missing_fields()), exception=exception,
        actions=(CardAction.ACCEPT, CardAction.ESCALATE) if waiting else (),
    )
