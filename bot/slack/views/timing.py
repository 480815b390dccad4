"""Due times for the step a handoff is waiting on, written as Slack date tokens.

Slack renders `<!date^UNIX^{date_short_pretty} at {time}|fallback>` in each reader's own time
zone; the fallback (UTC) shows in notifications and old clients. SLAs counted in business hours
need the quiet-hours calendar, which belongs to the scheduler, so for those we state the rule
("8h of business hours after the request") rather than print a time that could be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.handoff import Handoff
from core.machine import Status
from core.playbook import Playbook, Sla, Slas

PRE_SUBMISSION = frozenset({Status.OPENED, Status.DRAFTING, Status.ESCALATED})


@dataclass(frozen=True)
class Due:
    """The next deadline: what is due, when (None for business-hour SLAs), and from what."""

    label: str
    at: datetime | None
    sla: Sla
    since: str

    def describe(self, now: datetime) -> str:
        """`Nov 3 at 14:00 UTC` as a Slack date token, flagged when it has passed."""
        if self.at is None:
            return f"{self.sla.after} of business hours after {self.since}"
        text = slack_date(self.at)
        return f"{text} ⚠️ overdue" if now >= self.at else text

    def countdown(self, now: datetime) -> str:
        """`due in 5h` or `⚠️ 3h overdue`, for lists."""
        if self.at is None:
            return f"due {self.sla.after} of business hours after {self.since}"
        if now >= self.at:
            return f"⚠️ {span(now - self.at)} overdue"
        return f"due in {span(self.at - now)}"


def slack_date(at: datetime, *, with_date: bool = True) -> str:
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    stamp = int(utc.timestamp())
    if with_date:
        fallback = f"{utc:%b} {utc.day}, {utc.year} at {utc:%H:%M} UTC"
        return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback}>"
    return f"<!date^{stamp}^{{time}}|{utc:%H:%M} UTC>"


def span(delta: timedelta) -> str:
    """A rough, readable length of time: `45m`, `5h`, `2d 3h`."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes}m"
    hours, days = minutes // 60, minutes // 1440
    if days == 0:
        return f"{hours}h"
    rest = hours - days * 24
    return f"{days}d {rest}h" if rest else f"{days}d"


def slas(playbook: Playbook, segment: str) -> Slas:
    try:
        return playbook.slas_for(segment)
    except KeyError:  # a segment removed from app.yaml after this handoff opened
        return playbook.slas


def _due(label: str, start: datetime, sla: Sla, since: str) -> Due:
    return Due(label, None if sla.business_hours else start + sla.delta, sla, since)


def next_due(handoff: Handoff, playbook: Playbook) -> Due | None:
    """The deadline of whoever holds the ball now, or None when nothing is due."""
    timers = slas(playbook, handoff.segment)
    if handoff.status in PRE_SUBMISSION:
        return _due("Packet due", handoff.opened_at, timers.packet_due, "the deal closed")
    if handoff.status is Status.OVERRIDE_REQUESTED and handoff.pending_override is not None:
        requested = handoff.pending_override.requested_at
        return _due("Decision due", requested, timers.override_decision_due, "the request")
    if handoff.status is Status.SUBMITTED and handoff.submitted_at is not None:
        return _due("Acceptance due", handoff.submitted_at, timers.acceptance_due, "submission")
    if handoff.status is Status.ACCEPTED and handoff.milestones.first_touch_at is None:
        return _due("First touch due", handoff.deal.closed_at, timers.first_touch_due, "the deal closed")
    return None
