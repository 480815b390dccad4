"""The handoff card: the one message that says where a handoff stands and what to click next.

Buttons follow the state machine: the AE's buttons until the packet is submitted, the CSM's
Accept / Escalate while it waits, and nothing that changes the handoff once it is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from slack_sdk.models.blocks import ButtonElement

from bot.slack import ids
from bot.slack.escape import literal, truncate
from bot.slack.views import kit
from bot.slack.views.fmt import (
    STATUS_WORDS,
    field_labels,
    mention,
    mention_actor,
    money,
    segment_label,
)
from bot.slack.views.timing import describe, next_due, slack_date
from core.handoff import Handoff
from core.machine import Status
from core.playbook import Playbook
from core.presentation.queue import AE_HOLDS_PACKET

CARD_ACTIONS_BLOCK = "baton.card.actions"
MISSING_SHOWN = 8


def card_fields(handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str], now: datetime) -> list[str]:
    """The facts of the card, one mrkdwn field each (ten at most: Slack's cap per section)."""
    deal = handoff.deal
    required = len(handoff.required_fields)
    filled = required - len(handoff.missing_fields())
    items = [
        f"*Deal*\n{literal(deal.name)}",
        f"*Amount*\n{money(deal.amount, deal.currency)}",
        f"*Segment*\n{literal(segment_label(playbook, handoff.segment))}",
        f"*State*\n{STATUS_WORDS[handoff.status]}",
        f"*Owner*\n{mention(handoff.owner, user_ids)}",
        f"*AE*\n{mention(handoff.ae, user_ids)}",
        f"*CSM*\n{mention(handoff.csm, user_ids)}",
        f"*Packet*\n{filled} of {required} required fields filled",
    ]
    due = next_due(handoff, playbook)
    if due is not None:
        items.append(f"*{due.label}*\n{describe(due, now)}")
    return items


def handoff_card(
    handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str], now: datetime,
) -> list[kit.Block]:
    """Header, facts, the buttons the current state allows, and a line on what happens next."""
    blocks = [
        kit.header(f"Handoff: {handoff.deal.account}"),
        *kit.field_sections(card_fields(handoff, playbook, user_ids=user_ids, now=now)),
    ]
    buttons = _buttons(handoff)
    if buttons:
        blocks.append(kit.actions(buttons, block_id=CARD_ACTIONS_BLOCK))
    notes = _notes(handoff, playbook, user_ids)
    if notes:
        blocks.append(kit.context(*notes))
    return blocks


def card_text(handoff: Handoff) -> str:
    """The notification text for chat.postMessage (shown in push notifications and by screen
    readers); mrkdwn, so the account and deal names are escaped."""
    deal = handoff.deal
    text = f"Handoff for {literal(deal.account)} ({literal(deal.name)}): {STATUS_WORDS[handoff.status]}"
    return truncate(text, kit.SECTION_TEXT_MAX)


def _buttons(handoff: Handoff) -> list[ButtonElement]:
    value = ids.Ref(h=handoff.id).dumps()
    status = handoff.status
    if status in AE_HOLDS_PACKET:
        row = [
            kit.button("Fill packet", ids.FILL_PACKET, value, style="primary"),
            kit.button("Submit", ids.SUBMIT_PACKET, value),
        ]
        if handoff.missing_fields():
            row.append(kit.button("Ask a manager to override", ids.REQUEST_OVERRIDE, value))
        return row
    if status is Status.SUBMITTED:
        return [
            kit.button("View packet", ids.VIEW_PACKET, value),
            kit.button("Accept", ids.ACCEPT, value, style="primary"),
            kit.button("Escalate", ids.ESCALATE, value, style="danger"),
        ]
    if status is Status.OVERRIDE_REQUESTED:
        return [kit.button("View packet", ids.VIEW_PACKET, value)]
    if status is Status.ACCEPTED:
        row = [kit.button("View packet", ids.VIEW_PACKET, value)]
        if handoff.milestones.first_touch_at is None:
            row.append(kit.button("Record first touch", ids.RECORD_FIRST_TOUCH, value))
        if handoff.milestones.kickoff_on is None:
            row.append(kit.button("Set kickoff date", ids.SET_KICKOFF, value))
        return row
    return []


def _notes(handoff: Handoff, playbook: Playbook, user_ids: Mapping[str, str]) -> list[str]:
    status = handoff.status
    notes: list[str] = []
    if status is Status.ESCALATED and handoff.escalations:
        last = handoff.escalations[-1]
        why = f": {literal(truncate(last.reason, 500))}" if last.reason else ""
        notes.append(f"↩️ Sent back by {mention_actor(last.by, user_ids)}{why}")
    if status in AE_HOLDS_PACKET and handoff.missing_fields():
        labels = field_labels(playbook, handoff.missing_fields())
        shown = ", ".join(literal(label) for label in labels[:MISSING_SHOWN])
        more = f" and {len(labels) - MISSING_SHOWN} more" if len(labels) > MISSING_SHOWN else ""
        notes.append(f"Still needed: {shown}{more}")
    if status is Status.OVERRIDE_REQUESTED:
        notes.append("⏳ Waiting on a manager's decision")
    if status is Status.SUBMITTED and any(o.approved for o in handoff.overrides):
        notes.append("⚠️ Submitted incomplete, with a manager's approved exception")
    if status in (Status.ACCEPTED, Status.CLOSED) and handoff.accepted_at is not None:
        notes.append(f"🤝 Accepted by {mention(handoff.csm, user_ids)} {slack_date(handoff.accepted_at)}")
    if status is Status.ACCEPTED and handoff.milestones.first_touch_at is not None:
        notes.append(f"First customer touch {slack_date(handoff.milestones.first_touch_at)}")
    if status in (Status.CLOSED, Status.CANCELLED):
        word = "Closed" if status is Status.CLOSED else "Cancelled"
        when = f" {slack_date(handoff.ended_at)}" if handoff.ended_at else ""
        notes.append(f"{word}{when}{_end_reason(handoff)}")
    return notes


def _end_reason(handoff: Handoff) -> str:
    last = handoff.audit[-1] if handoff.audit else None
    reason = str(last.detail.get("reason", "")) if last is not None else ""
    return f": {literal(truncate(reason, 500))}" if reason else ""
