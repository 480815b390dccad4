"""The next deadline of a handoff, read from the SLA planner and never recomputed.

The planner (core/sla.py) is what sends the nudges, so whatever due time a person sees (card,
home, status, lists) comes from its timers: a packet sent back starts a fresh cycle there, and a
business-hours SLA is counted on the quiet-hours calendar in the holder's zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.handoff import Handoff
from core.machine import Status
from core.sla import SlaPlanner, Timer, TzOf

# The deadlines a person is shown as "what is due next", with the words for them; the other
# timers (kickoff, feedback, check-in) reach people as nudges and prompts, not as a due line.
SHOWN: dict[str, tuple[str, str]] = {
    "packet_due": ("Packet due", "the deal closed"),
    "override_decision_due": ("Decision due", "the request"),
    "acceptance_due": ("Acceptance due", "submission"),
    "first_touch_due": ("First touch due", "the deal closed"),
}
SENT_BACK = "it was sent back"


@dataclass(frozen=True)
class DueLine:
    """What is due, when, and since what: `Packet due` at 8 Nov 10:00 since it was sent back."""

    timer: str
    label: str
    at: datetime
    since: str

    def overdue(self, now: datetime) -> bool:
        return now >= self.at

    def left(self, now: datetime) -> timedelta:
        """Time until the deadline; negative once it has passed."""
        return self.at - now


def no_zones(_: str) -> str | None:
    """Nobody's zone is known: the planner falls back on the playbook's default."""
    return None


def next_due(handoff: Handoff, timers: Iterable[Timer]) -> DueLine | None:
    """The deadline of whoever holds the ball now, from the planner's timers for this handoff
    (`SlaPlanner.plan`), or None when nothing people are shown is due."""
    lines = [line for t in timers if (line := _line(handoff, t)) is not None]
    return min(lines, key=lambda line: line.at, default=None)


def plan_due(handoff: Handoff, planner: SlaPlanner, tz_of: TzOf = no_zones) -> DueLine | None:
    """`next_due` with the timers planned here; `tz_of` gives people's zones when known."""
    return next_due(handoff, planner.plan(handoff, tz_of))


def _line(handoff: Handoff, timer: Timer) -> DueLine | None:
    shown = SHOWN.get(timer.timer)
    if shown is None:
        return None
    label, since = shown
    if timer.timer == "packet_due" and handoff.status is Status.ESCALATED:
        since = SENT_BACK
    return DueLine(timer=timer.timer, label=label, at=timer.due_at, since=since)
