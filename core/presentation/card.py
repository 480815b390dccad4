"""The handoff card as a view-model: the facts, the actions the state machine allows now, and
the notes on what happened and what happens next. Slack renders it as Block Kit
(bot/slack/views/card.py); a Teams adapter renders the same model as an Adaptive Card."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from core.handoff import Handoff
from core.machine import Status
from core.people import Person
from core.playbook import Playbook
from core.presentation.due import DueLine
from core.presentation.queue import AE_HOLDS_PACKET


class CardAction(StrEnum):
    """A button on the card; each adapter maps it to its own action id."""

    FILL_PACKET = "fill_packet"
    SUBMIT = "submit"
    REQUEST_OVERRIDE = "request_override"
    VIEW_PACKET = "view_packet"
    ACCEPT = "accept"
    ESCALATE = "escalate"
    RECORD_FIRST_TOUCH = "record_first_touch"
    SET_KICKOFF = "set_kickoff"


@dataclass(frozen=True)
class SentBack:
    by: str  # the actor id of whoever sent it back
    reason: str
    at: datetime


@dataclass(frozen=True)
class Ended:
    word: str  # Closed | Cancelled
    at: datetime | None
    reason: str


@dataclass(frozen=True)
class HandoffCard:
    """Everything the card shows, in the order adapters show it; text is raw (adapters escape)."""

    handoff_id: str
    account: str
    deal_name: str
    amount: Decimal
    currency: str
    segment_label: str
    status: Status
    owner: Person
    ae: Person
    csm: Person
    filled: int
    required: int
    due: DueLine | None
    actions: tuple[CardAction, ...]
    sent_back: SentBack | None = None
    missing: tuple[str, ...] = ()  # labels of the required fields still empty, while the AE fills
    awaiting_decision: bool = False
    submitted_with_exception: bool = False
    accepted_at: datetime | None = None
    first_touch_at: datetime | None = None
    ended: Ended | None = None


def segment_label(playbook: Playbook, segment_id: str) -> str:
    try:
        return playbook.segment(segment_id).label
    except KeyError:  # a segment removed from app.yaml after this handoff opened
        return segment_id


def field_labels(playbook: Playbook, field_ids: Iterable[str]) -> tuple[str, ...]:
    """Labels for field ids, the id itself for a field the playbook no longer has."""
    labels = []
    for field_id in field_ids:
        try:
            labels.append(playbook.field(field_id).label)
        except KeyError:
            labels.append(field_id)
    return tuple(labels)


def card_actions(handoff: Handoff) -> tuple[CardAction, ...]:
    """The buttons the current state allows: the AE's until submission, the CSM's Accept /
    Escalate while it waits, follow-ups after acceptance, nothing once it is done."""
    status, a = handoff.status, CardAction
    if status in AE_HOLDS_PACKET:
        return (a.FILL_PACKET, a.SUBMIT, *((a.REQUEST_OVERRIDE,) if handoff.missing_fields() else ()))
    if status is Status.SUBMITTED:
        return (a.VIEW_PACKET, a.ACCEPT, a.ESCALATE)
    if status is Status.OVERRIDE_REQUESTED:
        return (a.VIEW_PACKET,)
    if status is Status.ACCEPTED:
        m = handoff.milestones
        return (a.VIEW_PACKET, *((a.RECORD_FIRST_TOUCH,) if m.first_touch_at is None else ()),
                *((a.SET_KICKOFF,) if m.kickoff_on is None else ()))
    return ()


def handoff_card(handoff: Handoff, playbook: Playbook, due: DueLine | None) -> HandoffCard:
    """The card of a handoff; `due` is the planner's next deadline (core/presentation/due.py)."""
    status, deal = handoff.status, handoff.deal
    last = handoff.escalations[-1] if handoff.escalations else None
    accepted = handoff.accepted_at if status in (Status.ACCEPTED, Status.CLOSED) else None
    return HandoffCard(
        handoff_id=handoff.id, account=deal.account, deal_name=deal.name, amount=deal.amount,
        currency=deal.currency, segment_label=segment_label(playbook, handoff.segment), status=status,
        owner=handoff.owner, ae=handoff.ae, csm=handoff.csm, filled=len(handoff.required_fields) - len(
            handoff.missing_fields()), required=len(handoff.required_fields), due=due, actions=card_actions(handoff),
        sent_back=SentBack(last.by, last.reason, last.at) if status is Status.ESCALATED and last else None,
        missing=field_labels(playbook, handoff.missing_fields()) if status in AE_HOLDS_PACKET else (),
        awaiting_decision=status is Status.OVERRIDE_REQUESTED,
        submitted_with_exception=status is Status.SUBMITTED and any(o.approved for o in handoff.overrides),
        accepted_at=accepted,
        first_touch_at=handoff.milestones.first_touch_at if status is Status.ACCEPTED else None,
        ended=_ended(handoff),
    )


def _ended(handoff: Handoff) -> Ended | None:
    if handoff.status not in (Status.CLOSED, Status.CANCELLED):
        return None
    last = handoff.audit[-1] if handoff.audit else None
    reason = str(last.detail.get("reason", "")) if last is not None else ""
    word = "Closed" if handoff.status is Status.CLOSED else "Cancelled"
    return Ended(word, handoff.ended_at, reason)
