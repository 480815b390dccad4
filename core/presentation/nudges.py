"""Nudges and overdue deadlines as view-models, checked against the SLA planner at delivery.

A nudge is planned by the sweep and delivered later; if its timer stopped in between (the AE
submitted a minute ago) it is no longer due. Which items still stand is decided here, once, so
every chat adapter drops the same stale nudges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core.handoff import Handoff
from core.sla import Timer

PlanOf = Callable[[Handoff], list[Timer]]  # the planner's timers for a handoff, zones included


@dataclass(frozen=True)
class NudgeItem:
    """One nudge to render: the handoff, its timer as planned now, and which ladder step."""

    handoff: Handoff
    timer: Timer
    step: str
    escalation: bool


@dataclass(frozen=True)
class Overdue:
    """A deadline that has passed, with its handoff and the timer as planned now."""

    handoff: Handoff
    timer: Timer


def still_due(
    refs: Iterable[Mapping[str, str]], recipient: str, handoffs: Mapping[str, Handoff], plan: PlanOf,
) -> list[NudgeItem]:
    """The items of a nudge (refs: handoff `h`, timer `t`, cycle `c`, step `s`) whose timer cycle
    still runs and whose step is still this recipient's."""
    items = []
    for ref in refs:
        handoff = handoffs.get(ref["h"])
        if handoff is None:
            continue
        timer = next((t for t in plan(handoff) if (t.timer, t.cycle) == (ref["t"], ref["c"])), None)
        step = timer.step(ref["s"], recipient) if timer is not None else None
        if timer is not None and step is not None:
            items.append(NudgeItem(handoff, timer, ref["s"], step.escalation))
    return items
