"""SLA timers as a pure function of a handoff: which run now, who holds the ball, and when each
step of its nudge ladder fires.

A timer starts from an event (the trigger, a submission, a request, the close, the acceptance,
the kickoff date) and stops when its condition is met; it exists only while `RULES[...].start`
returns a time. Each running timer is one *cycle* (named by its start), so a packet sent back
and due again is a new cycle with fresh nudges, while replanning the same cycle is a no-op.

Steps for each holder: `remind` before the due time (not for prompts), `due`, `repeat_1`…;
after `misses_before_escalation` unanswered nudges, `escalate` to the side's managers. Every
fire time is moved out of the recipient's quiet hours, weekends and holidays, in their own
time zone; a snooze recorded on the handoff delays that person's nudges until it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.business_time import WorkCalendar, zone
from core.durations import parse_duration
from core.handoff import Handoff
from core.machine import Status
from core.playbook import Ladder, Playbook, Sla, Slas

TzOf = Callable[[str], str | None]  # a recipient (email, chat id, @group) -> IANA zone, if known
SNOOZE_RANK, ESCALATE_RANK = 50, 100


class Side(StrEnum):
    """Who holds the ball while a timer runs."""

    AE = "ae"
    CSM = "csm"
    MANAGERS = "managers"


@dataclass(frozen=True)
class Rule:
    timer: str  # the field of Slas that sets its duration
    side: Side
    label: str
    prompt: bool = False  # the due step asks for something (feedback, check-in) rather than warns


RULES: dict[str, Rule] = {r.timer: r for r in (
    Rule("packet_due", Side.AE, "Packet due"),
    Rule("override_decision_due", Side.MANAGERS, "Exception decision due"),
    Rule("acceptance_due", Side.CSM, "Acceptance due"),
    Rule("first_touch_due", Side.CSM, "First customer touch due"),
    Rule("kickoff_due", Side.CSM, "Kickoff date due"),
    Rule("feedback_after", Side.CSM, "2-week feedback", prompt=True),
    Rule("checkin_after", Side.CSM, "30-day check-in", prompt=True),
)}
PRE_SUBMISSION = (Status.OPENED, Status.DRAFTING)
# Status.ON_HOLD starts no timer: a deal that left the trigger stage nudges nobody.


@dataclass(frozen=True)
class Step:
    name: str  # remind | due | repeat_<n> | snooze_<n> | escalate
    rank: int  # later steps rank higher; when several are due at once only the highest goes out
    recipient: str
    fire_at: datetime
    escalation: bool = False


@dataclass(frozen=True)
class Timer:
    handoff_id: str
    timer: str
    cycle: str
    side: Side
    holders: tuple[str, ...]
    started_at: datetime
    due_at: datetime
    prompt: bool
    high_touch: bool
    steps: tuple[Step, ...]

    @property
    def label(self) -> str:
        return RULES[self.timer].label

    def step(self, name: str, recipient: str) -> Step | None:
        return next((s for s in self.steps if s.name == name and s.recipient.lower() == recipient.lower()), None)


def cycle_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class SlaPlanner:
    """Plans a handoff's timers from the playbook; `tz_of` says where each recipient lives."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.calendar = WorkCalendar.from_quiet_hours(playbook.quiet_hours)

    def zone_of(self, recipient: str, tz_of: TzOf) -> ZoneInfo:
        """The recipient's own zone when chat told us, else the playbook's default."""
        return zone(tz_of(recipient) if recipient else None, self.playbook.quiet_hours.default_timezone)

    def slas(self, segment: str) -> Slas:
        try:
            return self.playbook.slas_for(segment)
        except KeyError:  # a segment removed from app.yaml after this handoff opened
            return self.playbook.slas

    def high_touch(self, segment: str) -> bool:
        try:
            return self.playbook.segment(segment).live_call_required
        except KeyError:
            return False

    def holders(self, handoff: Handoff, side: Side) -> tuple[str, ...]:
        roles = self.playbook.roles
        if side is Side.AE:
            return (handoff.ae.email,)
        if side is Side.CSM:
            return (handoff.csm.email,)
        return tuple(dict.fromkeys([*roles.sales_managers, *roles.cs_managers])) or self.escalation_targets(side)

    def escalation_targets(self, side: Side) -> tuple[str, ...]:
        """Sales managers for the AE's timers, CS managers for the CSM's, RevOps above managers;
        the managers' channel (`#name`) when nobody is named."""
        roles, channel = self.playbook.roles, self.playbook.channels.managers_channel
        named = {Side.AE: roles.sales_managers, Side.CSM: roles.cs_managers, Side.MANAGERS: roles.revops}[side]
        if named:
            return tuple(named)
        return (f"#{channel.lstrip('#')}",) if channel else ()

    def plan(self, handoff: Handoff, tz_of: TzOf) -> list[Timer]:
        """The timers running on this handoff now, with every step of their ladders."""
        if handoff.is_final:
            return []
        slas = self.slas(handoff.segment)
        timers = []
        for rule in RULES.values():
            holders = self.holders(handoff, rule.side)
            holder_tz = self.zone_of(holders[0], tz_of) if len(holders) == 1 else self.zone_of("", tz_of)
            start = self._start(handoff, rule.timer, holder_tz)
            if start is None or not holders:
                continue
            sla: Sla = getattr(slas, rule.timer)
            timers.append(self._timer(handoff, rule, sla, start, holders, holder_tz, tz_of))
        return timers

    def _start(self, h: Handoff, timer: str, tz: ZoneInfo) -> datetime | None:
        """When the timer's current cycle started, or None when it is not running."""
        accepted = h.status is Status.ACCEPTED
        m = h.milestones
        if timer == "packet_due":
            if h.status in PRE_SUBMISSION:
                return max(h.opened_at, h.resumed_at or h.opened_at)
            return h.escalations[-1].at if h.status is Status.ESCALATED and h.escalations else None
        if timer == "override_decision_due":
            request = h.pending_override
            return request.requested_at if h.status is Status.OVERRIDE_REQUESTED and request else None
        if timer == "acceptance_due":
            return h.submitted_at if h.status is Status.SUBMITTED else None
        if timer == "first_touch_due":
            return h.deal.closed_at if accepted and m.first_touch_at is None else None
        if timer == "kickoff_due":
            return h.accepted_at if accepted and m.kickoff_on is None else None
        if timer == "feedback_after":
            if not accepted or m.kickoff_on is None or m.feedback_at is not None:
                return None
            return datetime.combine(m.kickoff_on, self.calendar.opens, tzinfo=tz).astimezone(UTC)
        if timer == "checkin_after":
            return h.accepted_at if accepted and m.checkin_at is None else None
        raise KeyError(timer)

    def _timer(
        self, h: Handoff, rule: Rule, sla: Sla, start: datetime, holders: tuple[str, ...], tz: ZoneInfo,
        tz_of: TzOf,
    ) -> Timer:
        ladder: Ladder = sla.ladder or self.playbook.nudges.ladder
        cal, business = self.calendar, sla.business_hours

        def later(moment: datetime, duration: str, times: int = 1) -> datetime:
            for _ in range(times):
                moment = cal.after(moment, duration, tz) if business else moment + parse_duration(duration)
            return moment

        due = later(start, sla.after)
        cycle = cycle_of(start)
        snoozes = _snoozes(h, rule.timer, cycle)
        steps: list[Step] = []
        for who in holders:
            where = self.zone_of(who, tz_of)

            def at(raw: datetime, who: str = who, where: ZoneInfo = where) -> datetime:
                return cal.next_open(max(raw, snoozes.get(who.lower(), raw)), where)

            if ladder.remind_before and not rule.prompt:
                raw = (cal.before(due, ladder.remind_before, tz) if business
                       else due - parse_duration(ladder.remind_before))
                if raw > start:
                    steps.append(Step("remind", 0, who, at(raw)))
            for k in range(ladder.misses_before_escalation):
                steps.append(Step("due" if k == 0 else f"repeat_{k}", 1 + k, who, at(later(due, ladder.repeat_every, k))))
            if who.lower() in snoozes:
                until = snoozes[who.lower()]
                steps.append(Step(f"snooze_{cycle_of(until)}", SNOOZE_RANK, who, cal.next_open(until, where)))
        if ladder.escalate:
            raw = later(due, ladder.repeat_every, ladder.misses_before_escalation)
            for boss in self.escalation_targets(rule.side):
                steps.append(Step("escalate", ESCALATE_RANK, boss, cal.next_open(raw, self.zone_of(boss, tz_of)),
                                  escalation=True))
        return Timer(
            handoff_id=h.id, timer=rule.timer, cycle=cycle, side=rule.side, holders=holders, started_at=start,
            due_at=due, prompt=rule.prompt, high_touch=self.high_touch(h.segment), steps=tuple(steps),
        )


def _snoozes(h: Handoff, timer: str, cycle: str) -> dict[str, datetime]:
    """Each recipient's latest snooze of this timer cycle, read from the audit trail."""
    found: dict[str, datetime] = {}
    for entry in h.audit:
        d = entry.detail
        if entry.action == "snooze" and d.get("timer") == timer and d.get("cycle") == cycle:
            found[str(d["recipient"]).lower()] = datetime.fromisoformat(str(d["until"]))
    return found


def may_snooze(timer: Timer, recipient: str, *, actor_id: str, actor_email: str | None) -> bool:
    """Only the person a nudge is for may put it off, and only their own (not an escalation)."""
    who = recipient.lower()
    if not any(s.recipient.lower() == who and not s.escalation for s in timer.steps):
        return False
    return who in {actor_id.lower(), (actor_email or "").lower()}
