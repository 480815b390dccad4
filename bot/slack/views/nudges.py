"""Block Kit for SLA nudges and follow-ups: the reminder (or digest) a person gets, the forms
behind its buttons (kickoff date, 2-week feedback, 30-day check-in), the managers' weekly
digest and `/handoff overdue`. Pure functions of domain objects, like the other views.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ButtonElement,
    DatePickerElement,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.fmt import mention, mention_email
from bot.slack.views.text import metrics_blocks
from bot.slack.views.timing import slack_date, span
from core.handoff import Handoff
from core.metrics import Metrics
from core.playbook import Playbook
from core.presentation.nudges import NudgeItem as NudgeItem
from core.presentation.nudges import Overdue as Overdue
from core.sla import Side, Timer

# action ids
SNOOZE = "baton.nudge_snooze"
SET_KICKOFF = ids.SET_KICKOFF
GIVE_FEEDBACK = "baton.give_feedback"
CHECK_IN = "baton.check_in"
# view callback ids and their blocks
KICKOFF_FORM = "baton.kickoff_form"
FEEDBACK_FORM = "baton.feedback_form"
CHECKIN_FORM = "baton.checkin_form"
KICKOFF_DATE_BLOCK = "kickoff_on"
WENT_WELL_BLOCK = "went_well"
MISSING_BLOCK = "missing"
RATING_BLOCK = "rating"
REPEAT_ASKS_BLOCK = "repeat_asks"

_ASKS = {
    "packet_due": "fill and submit the handoff packet",
    "override_decision_due": "approve or deny the exception in the handoff's thread",
    "acceptance_due": "read the brief, then accept or escalate",
    "first_touch_due": "reach out to the customer, then click *Done*",
    "kickoff_due": "hold the kickoff with the customer and record its date",
}
DIGEST_SHOWN = 12  # items in one message; the rest are counted, and still due


@dataclass(frozen=True)
class SnoozeRef:
    """What a Snooze button carries: which timer cycle, for whom."""

    h: str
    t: str
    c: str
    r: str
    v: int = ids.PAYLOAD_VERSION

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> SnoozeRef:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != ids.PAYLOAD_VERSION:
            raise ValueError("not a Baton snooze payload of this version")
        return cls(h=str(data["h"]), t=str(data["t"]), c=str(data["c"]), r=str(data["r"]))


def _title(h: Handoff) -> str:
    return f"*{literal(h.deal.account)}* ({literal(h.deal.name)})"


def item_text(item: NudgeItem, *, user_ids: Mapping[str, str], now: datetime) -> str:
    h, timer = item.handoff, item.timer
    if item.escalation:
        holders = ", ".join(_who(timer, h, user_ids)) or "nobody"
        return (f"🚨 {_title(h)}: {timer.label.lower()} {slack_date(timer.due_at)} is {span(now - timer.due_at)} "
                f"overdue and still waits on {holders}. Reminders went unanswered; a word from you may help.")
    if timer.timer == "feedback_after":
        return (f"📝 {_title(h)}: kickoff was two weeks ago. Tell {mention(h.ae, user_ids)} what went well "
                "and what context was missing from the handoff.")
    if timer.timer == "checkin_after":
        return (f"⭐ {_title(h)}: a month since you took the account. Rate the handoff packet 1-5 and say "
                "which fields you had to ask the customer for again.")
    ask = _ASKS.get(timer.timer, "take the next step")
    if now < timer.due_at:
        return f"⏰ {_title(h)}: {timer.label.lower()} {slack_date(timer.due_at)} (in {span(timer.due_at - now)}). Please {ask}."
    return f"⚠️ {_title(h)}: {timer.label.lower()} {slack_date(timer.due_at)}, {span(now - timer.due_at)} ago. Please {ask}."


def _who(timer: Timer, h: Handoff, user_ids: Mapping[str, str]) -> list[str]:
    if timer.side is Side.AE:
        return [mention(h.ae, user_ids)]
    if timer.side is Side.CSM:
        return [mention(h.csm, user_ids)]
    return [mention_email(m, user_ids) if "@" in m and not m.startswith("@") else literal(m) for m in timer.holders]


def item_buttons(item: NudgeItem, recipient: str, *, snooze: str = "4h") -> list[ButtonElement]:
    """The next action where one click does it, and Snooze for the person the nudge is for."""
    h, timer = item.handoff, item.timer
    ref = ids.Ref(h=h.id).dumps()
    row = []
    if item.escalation or timer.timer in ("acceptance_due", "override_decision_due"):
        row.append(kit.button("View packet", ids.VIEW_PACKET, ref))
    elif timer.timer == "packet_due":
        row.append(kit.button("Fill packet", ids.FILL_PACKET, ref, style="primary"))
    elif timer.timer == "first_touch_due":
        row.append(kit.button("Done: I reached out", ids.RECORD_FIRST_TOUCH, ref, style="primary"))
    elif timer.timer == "kickoff_due":
        row.append(kit.button("Set kickoff date", SET_KICKOFF, ref, style="primary"))
    elif timer.timer == "feedback_after":
        row.append(kit.button("Give feedback", GIVE_FEEDBACK, ref, style="primary"))
    elif timer.timer == "checkin_after":
        row.append(kit.button("Rate the packet", CHECK_IN, ref, style="primary"))
    if not item.escalation and not recipient.startswith("#"):
        value = SnoozeRef(h=h.id, t=timer.timer, c=timer.cycle, r=recipient).dumps()
        row.append(kit.button(f"Snooze {snooze}", SNOOZE, value))
    return row


def nudge_message(
    items: Sequence[NudgeItem], *, recipient: str, user_ids: Mapping[str, str], now: datetime, snooze: str = "4h",
) -> tuple[str, list[kit.Block]]:
    """(notification text, blocks) for one person: a single reminder, or a digest of several."""
    first = items[0]
    if len(items) == 1:
        kind = "Escalation" if first.escalation else "Reminder"
        text = f"{kind}: {first.timer.label.lower()} for {literal(first.handoff.deal.account)}"
        blocks = []
    else:
        text = f"{len(items)} handoffs need your attention"
        blocks = [kit.header(f"{len(items)} handoffs need your attention")]
    for n, item in enumerate(items[:DIGEST_SHOWN]):
        blocks.append(kit.section(item_text(item, user_ids=user_ids, now=now)))
        buttons = item_buttons(item, recipient, snooze=snooze)
        if buttons:
            blocks.append(kit.actions(buttons, block_id=f"baton.nudge.{n}"))
    if len(items) > DIGEST_SHOWN:
        blocks.append(kit.context(f"…and {len(items) - DIGEST_SHOWN} more: `/handoff overdue` lists them all."))
    blocks.append(kit.context("Baton sends at most a few reminders a day and never during your quiet hours."))
    return text, blocks


def snoozed_text(until: datetime) -> str:
    return f"😴 Snoozed: Baton will remind you again {slack_date(until)}."


# -- follow-up forms ---------------------------------------------------------------------------

def kickoff_modal(handoff: Handoff, *, today: date) -> kit.Block:
    planned = handoff.milestones.kickoff_on or _date(handoff.packet.get("kickoff_date")) or today
    picker = DatePickerElement(action_id=ids.VALUE_ACTION, initial_date=planned.isoformat())
    blocks = [
        kit.section(f"When is (or was) the kickoff with *{literal(handoff.deal.account)}*?"),
        kit.input_block("Kickoff date", picker, block_id=KICKOFF_DATE_BLOCK, optional=False,
                        hint="Two weeks after it, Baton asks you for feedback for the AE."),
    ]
    return kit.modal(title="Kickoff date", blocks=blocks, callback_id=KICKOFF_FORM,
                     private_metadata=ids.Ref(h=handoff.id).dumps(), submit="Save", close="Cancel")


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def feedback_modal(handoff: Handoff, *, user_ids: Mapping[str, str]) -> kit.Block:
    def box(block_id: str, label: str) -> kit.Block:
        element = PlainTextInputElement(action_id=ids.VALUE_ACTION, multiline=True, max_length=kit.INPUT_MAX_LENGTH)
        return kit.input_block(label, element, block_id=block_id, optional=True)

    blocks = [
        kit.section(f"Two weeks in with *{literal(handoff.deal.account)}*. Baton sends this to "
                    f"{mention(handoff.ae, user_ids)}, so the next handoff is better."),
        box(WENT_WELL_BLOCK, "What went well in the handoff?"),
        box(MISSING_BLOCK, "What context was missing?"),
    ]
    return kit.modal(title="Handoff feedback", blocks=blocks, callback_id=FEEDBACK_FORM,
                     private_metadata=ids.Ref(h=handoff.id).dumps(), submit="Send to the AE", close="Cancel")


def checkin_modal(handoff: Handoff, playbook: Playbook) -> kit.Block:
    rating = StaticSelectElement(
        action_id=ids.VALUE_ACTION, placeholder=kit.placeholder("1 (poor) to 5 (everything I needed)"),
        options=[kit.option(f"{n} {'★' * n}", str(n)) for n in range(1, 6)],
    )
    fields = playbook.fields[: kit.OPTIONS_MAX]
    asked = StaticMultiSelectElement(
        action_id=ids.VALUE_ACTION, placeholder=kit.placeholder("Fields you asked the customer for again"),
        options=[kit.option(f.label, f.id) for f in fields],
    )
    blocks = [
        kit.section(f"A month since you took over *{literal(handoff.deal.account)}*. How good was the handoff packet?"),
        kit.input_block("Packet quality", rating, block_id=RATING_BLOCK, optional=False),
        kit.input_block("Which fields did you have to ask the customer for again?", asked,
                        block_id=REPEAT_ASKS_BLOCK, optional=True,
                        hint="Leave empty if the packet had everything. This is the repeat-ask metric."),
    ]
    return kit.modal(title="30-day check-in", blocks=blocks, callback_id=CHECKIN_FORM,
                     private_metadata=ids.Ref(h=handoff.id).dumps(), submit="Save", close="Cancel")


def feedback_for_ae(handoff: Handoff, *, user_ids: Mapping[str, str]) -> tuple[str, list[kit.Block]]:
    m = handoff.milestones
    text = f"Feedback on the {literal(handoff.deal.account)} handoff"
    lines = [f"📝 {mention(handoff.csm, user_ids)} on the handoff of {_title(handoff)}, two weeks after kickoff:"]
    if m.feedback_went_well:
        lines.append("*What went well*\n" + _quote(m.feedback_went_well))
    if m.feedback_missing:
        lines.append("*What context was missing*\n" + _quote(m.feedback_missing))
    return text, [kit.section("\n".join(lines))]


def _quote(text: str) -> str:
    return "\n".join(f">{literal(line)}" for line in text.strip().splitlines() or ["—"])


# -- lists for managers ------------------------------------------------------------------------

def overdue_lines(rows: Sequence[Overdue], *, user_ids: Mapping[str, str], now: datetime) -> list[str]:
    return [
        f"• {_title(r.handoff)} · {r.timer.label} {span(now - r.timer.due_at)} ago · waits on "
        f"{', '.join(_who(r.timer, r.handoff, user_ids))}"
        for r in rows
    ]


def overdue_blocks(title: str, rows: Sequence[Overdue], *, user_ids: Mapping[str, str], now: datetime) -> list[kit.Block]:
    """`/handoff overdue`: what is past due, most overdue first."""
    blocks = [kit.section(f"*{literal(title)}* ({len(rows)})")]
    if not rows:
        return [*blocks, kit.context("Nothing is overdue. 🎉")]
    texts = kit.pack_lines(overdue_lines(rows, user_ids=user_ids, now=now))
    room = kit.MESSAGE_BLOCKS_MAX - 2
    blocks += [kit.section(t) for t in texts[:room]]
    if len(texts) > room:
        blocks.append(kit.context("…cut to fit one message."))
    return blocks


def weekly_digest(
    rows: Sequence[Metrics], overdue: Sequence[Overdue], *, start: datetime, end: datetime,
    user_ids: Mapping[str, str],
) -> tuple[str, list[kit.Block]]:
    """The managers' Monday message: the week's metrics by segment with red flags, then what is overdue."""
    label = f"{start:%b} {start.day} – {end:%b} {end.day}"
    flagged = sum(1 for r in rows if r.red_flags)
    text = f"Weekly handoff digest ({label}): {len(overdue)} overdue, {flagged} segment(s) flagged"
    blocks = metrics_blocks(rows, label)
    blocks.append(kit.divider())
    lines = overdue_lines(overdue, user_ids=user_ids, now=end)
    blocks.append(kit.section(f"*Overdue now* ({len(overdue)})" if overdue else "*Overdue now*: nothing. 🎉"))
    room = kit.MESSAGE_BLOCKS_MAX - len(blocks) - 1
    texts = kit.pack_lines(lines)
    blocks += [kit.section(t) for t in texts[:room]]
    if len(texts) > room:
        blocks.append(kit.context("…more with `/handoff overdue`."))
    return text, blocks[: kit.MESSAGE_BLOCKS_MAX]
