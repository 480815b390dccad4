"""The handoff card: the one message that says where a handoff stands and what to click next,
rendered as Block Kit from the platform-neutral `HandoffCard` (core/presentation/card.py).

Buttons follow the state machine: the AE's buttons until the packet is submitted, the CSM's
Accept / Escalate while it waits, and nothing that changes the handoff once it is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.slack import ids
from bot.slack.escape import literal, truncate
from bot.slack.views import kit
from bot.slack.views.fmt import STATUS_WORDS, mention, mention_actor, money
from bot.slack.views.timing import describe, next_due, slack_date
from core.handoff import Handoff
from core.playbook import Playbook
from core.presentation.card import CardAction, HandoffCard
from core.presentation.card import handoff_card as build_card

CARD_ACTIONS_BLOCK = "baton.card.actions"
MISSING_SHOWN = 8
_BUTTONS: dict[CardAction, tuple[str, str, str | None]] = {  # label, action id, style
    CardAction.FILL_PACKET: ("Fill packet", ids.FILL_PACKET, "primary"),
    CardAction.SUBMIT: ("Submit", ids.SUBMIT_PACKET, None),
    CardAction.REQUEST_OVERRIDE: ("Ask a manager to override", ids.REQUEST_OVERRIDE, None),
    CardAction.VIEW_PACKET: ("View packet", ids.VIEW_PACKET, None),
    CardAction.ACCEPT: ("Accept", ids.ACCEPT, "primary"),
    CardAction.ESCALATE: ("Escalate", ids.ESCALATE, "danger"),
    CardAction.RECORD_FIRST_TOUCH: ("Record first touch", ids.RECORD_FIRST_TOUCH, None),
    CardAction.SET_KICKOFF: ("Set kickoff date", ids.SET_KICKOFF, None),
}


def card_model(handoff: Handoff, playbook: Playbook) -> HandoffCard:
    """The platform-neutral card (core/presentation/card.py) with the planner's due line."""
    return build_card(handoff, playbook, next_due(handoff, playbook))


def card_fields(handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str], now: datetime) -> list[str]:
    """The facts of the card, one mrkdwn field each (ten at most: Slack's cap per section)."""
    return _fields(card_model(handoff, playbook), user_ids, now)


def _fields(card: HandoffCard, user_ids: Mapping[str, str], now: datetime) -> list[str]:
    items = [
        f"*Deal*\n{literal(card.deal_name)}",
        f"*Amount*\n{money(card.amount, card.currency)}",
        f"*Segment*\n{literal(card.segment_label)}",
        f"*State*\n{STATUS_WORDS[card.status]}",
        f"*Owner*\n{mention(card.owner, user_ids)}",
        f"*AE*\n{mention(card.ae, user_ids)}",
        f"*CSM*\n{mention(card.csm, user_ids)}",
        f"*Packet*\n{card.filled} of {card.required} required fields filled",
    ]
    if card.due is not None:
        items.append(f"*{card.due.label}*\n{describe(card.due, now)}")
    return items


def handoff_card(
    handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str], now: datetime,
) -> list[kit.Block]:
    """Header, facts, the buttons the current state allows, and a line on what happens next."""
    card = card_model(handoff, playbook)
    blocks = [kit.header(f"Handoff: {card.account}"), *kit.field_sections(_fields(card, user_ids, now))]
    value = ids.Ref(h=card.handoff_id).dumps()
    buttons = [kit.button(label, action_id, value, style=style)
               for label, action_id, style in (_BUTTONS[a] for a in card.actions)]
    if buttons:
        blocks.append(kit.actions(buttons, block_id=CARD_ACTIONS_BLOCK))
    notes = _notes(card, user_ids)
    if notes:
        blocks.append(kit.context(*notes))
    return blocks


def card_text(handoff: Handoff) -> str:
    """The notification text for chat.postMessage (shown in push notifications and by screen
    readers); mrkdwn, so the account and deal names are escaped."""
    deal = handoff.deal
    text = f"Handoff for {literal(deal.account)} ({literal(deal.name)}): {STATUS_WORDS[handoff.status]}"
    return truncate(text, kit.SECTION_TEXT_MAX)


def _notes(card: HandoffCard, user_ids: Mapping[str, str]) -> list[str]:
    notes: list[str] = []
    if card.sent_back is not None:
        why = f": {literal(truncate(card.sent_back.reason, 500))}" if card.sent_back.reason else ""
        notes.append(f"↩️ Sent back by {mention_actor(card.sent_back.by, user_ids)}{why}")
    if card.missing:
        shown = ", ".join(literal(label) for label in card.missing[:MISSING_SHOWN])
        more = f" and {len(card.missing) - MISSING_SHOWN} more" if len(card.missing) > MISSING_SHOWN else ""
        notes.append(f"Still needed: {shown}{more}")
    if card.awaiting_decision:
        notes.append("⏳ Waiting on a manager's decision")
    if card.submitted_with_exception:
        notes.append("⚠️ Submitted incomplete, with a manager's approved exception")
    if card.accepted_at is not None:
        notes.append(f"🤝 Accepted by {mention(card.csm, user_ids)} {slack_date(card.accepted_at)}")
    if card.first_touch_at is not None:
        notes.append(f"First customer touch {slack_date(card.first_touch_at)}")
    if card.ended is not None:
        when = f" {slack_date(card.ended.at)}" if card.ended.at else ""
        reason = f": {literal(truncate(card.ended.reason, 500))}" if card.ended.reason else ""
        notes.append(f"{card.ended.word}{when}{reason}")
    return notes
