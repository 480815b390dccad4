"""Adaptive Cards for the platform-neutral view-models (core/presentation/): the handoff card,
the brief, the manager's exception request and plain notices.

Buttons are Universal Actions (bot/teams/cards.py). Each carries `{"verb", "handoff_id"}`; the
bot answers the `adaptiveCard/action` invoke with the card as the clicker should now see it.
The card's `refresh.userIds` lists the people who may act (the CSM while it waits on them,
the managers while an exception waits), so Teams asks the bot for their own view with buttons
while everyone else in the thread sees the status card.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.teams.cards import MAX_REFRESH_USERS, Button, execute, text, universal_card
from core.machine import Status
from core.presentation.brief import Brief, BriefField
from core.presentation.card import CardAction, HandoffCard
from core.presentation.due import DueLine
from core.presentation.nudges import NudgeItem

STATUS_WORDS = {
    Status.OPENED: "Waiting for the packet", Status.DRAFTING: "Packet in progress",
    Status.SUBMITTED: "Waiting for the CSM", Status.ESCALATED: "Sent back to the AE",
    Status.OVERRIDE_REQUESTED: "Exception requested", Status.ACCEPTED: "Accepted",
    Status.ON_HOLD: "On hold", Status.CLOSED: "Closed", Status.CANCELLED: "Cancelled",
}
VERBS = {
    CardAction.FILL_PACKET: ("Fill packet", "fill_packet", "positive"),
    CardAction.VIEW_PACKET: ("View packet", "view_packet", "default"),
    CardAction.SUBMIT: ("Submit", "submit", "default"),
    CardAction.REQUEST_OVERRIDE: ("Ask a manager to override", "request_override", "default"),
    CardAction.ACCEPT: ("Accept", "accept", "positive"),
    CardAction.ESCALATE: ("Escalate", "escalate", "destructive"),
    CardAction.RECORD_FIRST_TOUCH: ("Record first touch", "record_first_touch", "default"),
    CardAction.SET_KICKOFF: ("Set kickoff date", "set_kickoff", "default"),
}
CSM_ACTIONS = frozenset({CardAction.ACCEPT, CardAction.ESCALATE, CardAction.RECORD_FIRST_TOUCH,
                         CardAction.SET_KICKOFF})
AE_ACTIONS = frozenset({CardAction.FILL_PACKET, CardAction.SUBMIT, CardAction.REQUEST_OVERRIDE})


def when(at: datetime) -> str:
    """Teams renders `{{DATE(...)}}` and `{{TIME(...)}}` in each reader's own time zone."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({stamp}, SHORT)}}}} {{{{TIME({stamp})}}}}"


def due_text(due: DueLine | None, now: datetime) -> str | None:
    if due is None:
        return None
    state = "**overdue**" if due.overdue(now) else "due"
    return f"{due.label.removesuffix(' due')} {state} {when(due.at)} (since {due.since})"


DIALOG_ACTIONS = frozenset({CardAction.FILL_PACKET, CardAction.VIEW_PACKET, CardAction.ESCALATE,
                            CardAction.REQUEST_OVERRIDE, CardAction.SET_KICKOFF})
# A nudge's one-click next step, by the timer it is about: (title, verb, opens a dialog).
NUDGE_ACTIONS = {
    "packet_due": ("Fill packet", "fill_packet", True), "acceptance_due": ("View packet", "view_packet", True),
    "override_decision_due": ("View packet", "view_packet", True),
    "first_touch_due": ("Done: I reached out", "record_first_touch", False),
    "kickoff_due": ("Set kickoff date", "set_kickoff", True), "feedback_after": ("Give feedback", "give_feedback", True),
    "checkin_after": ("Rate the packet", "check_in", True),
}


def _buttons(handoff_id: str, actions: Sequence[CardAction]) -> list[Button]:
    return [Button(VERBS[a][0], VERBS[a][1], {"handoff_id": handoff_id}, VERBS[a][2], dialog=a in DIALOG_ACTIONS)
            for a in actions if a in VERBS]


def handoff_card(
    view: HandoffCard, *, now: datetime, viewer: str = "everyone", csm_ids: Sequence[str] = (),
    ae_ids: Sequence[str] = (), manager_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The card in the thread. `viewer` is "everyone" (the status card the thread shows),
    "ae", "csm" or "manager" (their own view with their buttons, sent as an invoke answer or a
    refresh); `csm_ids`/`ae_ids`/`manager_ids` are the Teams user ids whose clients should ask
    for their own view: the CSM while it waits on them, the AE while the packet does, the
    managers while an exception waits for their decision (Approve / Deny on the card itself)."""
    facts = [
        {"title": "Deal", "value": view.deal_name},
        {"title": "Amount", "value": f"{view.currency} {view.amount:,}"},
        {"title": "Segment", "value": view.segment_label},
        {"title": "AE", "value": view.ae.email},
        {"title": "CSM", "value": view.csm.email},
        {"title": "Packet", "value": f"{view.filled} of {view.required} required fields"},
    ]
    body: list[dict[str, Any]] = [
        text(view.account, size="Large", weight="Bolder"),
        text(STATUS_WORDS.get(view.status, view.status.value), color="Accent", spacing="None"),
        {"type": "FactSet", "facts": facts},
    ]
    if (line := due_text(view.due, now)) is not None:
        body.append(text(line, color="Attention" if view.due and view.due.overdue(now) else "Default"))
    if view.sent_back is not None:
        body.append(text(f"↩️ Sent back: {view.sent_back.reason}"))
    if view.missing:
        body.append(text("Still empty: " + ", ".join(view.missing), isSubtle=True))
    if view.awaiting_decision:
        body.append(text("A manager is asked for an exception in this thread."))
    if view.submitted_with_exception:
        body.append(text("Submitted with a manager's approved exception."))
    if view.accepted_at is not None:
        body.append(text(f"Accepted by {view.csm.email} {when(view.accepted_at)}; ownership moved."))
    if view.ended is not None:
        ended = f"{view.ended.word} {when(view.ended.at)}" if view.ended.at else view.ended.word
        body.append(text(f"{ended}. {view.ended.reason}".strip()))
    shown = {"everyone": (CardAction.VIEW_PACKET,), "csm": tuple(a for a in view.actions if a in CSM_ACTIONS
                                                                    or a is CardAction.VIEW_PACKET),
             "ae": tuple(a for a in view.actions if a in AE_ACTIONS or a is CardAction.VIEW_PACKET),
             "manager": (CardAction.VIEW_PACKET,)}
    buttons = _buttons(view.handoff_id, [a for a in view.actions if a in shown[viewer]])
    if viewer == "manager" and view.awaiting_decision:
        data = {"handoff_id": view.handoff_id}
        buttons += [Button("Approve", "approve", data, "positive"), Button("Deny", "deny", data, "destructive")]
    waiting_on_csm = any(a in CSM_ACTIONS for a in view.actions)
    waiting_on_ae = any(a in AE_ACTIONS for a in view.actions)
    refresh = list(dict.fromkeys([*(csm_ids if waiting_on_csm else ()), *(ae_ids if waiting_on_ae else ()),
                                  *(manager_ids if view.awaiting_decision else ())]))[:MAX_REFRESH_USERS]
    return universal_card(body, buttons, refresh_for=refresh if viewer == "everyone" else (),
                          refresh_data={"handoff_id": view.handoff_id})


def _value(field: BriefField) -> str:
    value = field.value
    if field.empty:
        return "⚠️ missing" if field.required else "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def brief_card(view: Brief, *, with_buttons: bool = True) -> dict[str, Any]:
    """The packet as the CSM reads it before accepting; Accept / Escalate while it waits."""
    body: list[dict[str, Any]] = [
        text(f"{view.account}: {view.deal_name}", size="Large", weight="Bolder"),
        text(f"{view.segment_label} · {view.currency} {view.amount:,} · from {view.ae.email}", isSubtle=True),
    ]
    if view.exception is not None:
        note = f": {view.exception.note}" if view.exception.note else ""
        body.append(text(f"Submitted with an exception approved by {view.exception.decided_by}{note}"))
    for section in view.sections:
        body.append(text(section.title, weight="Bolder", separator=True))
        body.append({"type": "FactSet", "facts": [{"title": f.spec.label, "value": _value(f)} for f in section.fields]})
    buttons = _buttons(view.handoff_id, view.actions) if with_buttons else []
    return universal_card(body, buttons)


def exception_card(*, handoff_id: str, account: str, asked_by: str, reason: str, missing: Sequence[str],
                   decided: str | None = None, manager_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The exception request in the thread: Approve / Deny for managers until one decides."""
    body = [text(f"Exception requested for {account}", weight="Bolder"),
            text(f"{asked_by} asks to submit without: {', '.join(missing) or 'nothing listed'}"),
            text(f"“{reason}”", isSubtle=True)]
    if decided:
        body.append(text(decided, weight="Bolder"))
        return universal_card(body)
    data = {"handoff_id": handoff_id, "card": "exception"}
    buttons = [Button("Approve", "approve", data, "positive"), Button("Deny", "deny", data, "destructive")]
    return universal_card(body, buttons, refresh_for=manager_ids, refresh_data=data)


def nudge_card(items: Sequence[NudgeItem], *, recipient: str, now: datetime, snooze: str) -> dict[str, Any]:
    """A reminder (or a digest of several) with each item's next step and Snooze for its person."""
    body: list[dict[str, Any]] = []
    if len(items) > 1:
        body.append(text(f"{len(items)} handoffs need your attention", weight="Bolder"))
    for item in items:
        h, timer = item.handoff, item.timer
        late = ", **overdue**" if timer.due_at <= now else ""
        kind = "Escalation" if item.escalation else "Reminder"
        body.append(text(f"{kind}: {timer.label} for **{h.deal.account}** ({when(timer.due_at)}{late})"))
        buttons = []
        if (action := NUDGE_ACTIONS.get(timer.timer)) and not item.escalation:
            title, verb, dialog = action
            buttons.append(Button(title, verb, {"handoff_id": h.id}, "positive", dialog=dialog))
        if not item.escalation and "@" in recipient:
            buttons.append(Button(f"Snooze {snooze}", "snooze", {"handoff_id": h.id, "timer": timer.timer,
                                                               "cycle": timer.cycle, "recipient": recipient}))
        if buttons:
            body.append({"type": "ActionSet", "actions": [execute(b) for b in buttons]})
    body.append(text("Baton sends at most a few reminders a day and never during your quiet hours.",
                     isSubtle=True, size="Small"))
    return universal_card(body)


def notice_card(*lines: str) -> dict[str, Any]:
    return universal_card([text(line) for line in lines if line])
