"""Which items of a planned nudge still stand when it is delivered, decided from the planner."""

from __future__ import annotations

from collections.abc import Callable

from core.handoff import Handoff
from core.machine import Status, Trigger
from core.playbook import Playbook
from core.presentation.due import no_zones
from core.presentation.nudges import still_due
from core.sla import SlaPlanner, cycle_of
from tests.fakes import FrozenClock
from tests.unit.conftest import Cast

AE = "ana.ae@acme.test"


def test_a_nudge_planned_before_submission_is_dropped_once_the_packet_is_submitted(
    walk: Callable[..., Handoff], playbook: Playbook, clock: FrozenClock, cast: Cast,
) -> None:
    planner = SlaPlanner(playbook)
    handoff = walk(Status.DRAFTING)
    ref = {"h": handoff.id, "t": "packet_due", "c": cycle_of(handoff.opened_at), "s": "due"}

    def plan(h: Handoff) -> list:  # type: ignore[type-arg]
        return planner.plan(h, no_zones)

    (item,) = still_due([ref], AE, {handoff.id: handoff}, plan)
    assert item.handoff is handoff and item.timer.timer == "packet_due" and not item.escalation
    assert still_due([ref], "carl.csm@acme.test", {handoff.id: handoff}, plan) == []  # not the CSM's step
    assert still_due([ref | {"h": "gone"}], AE, {handoff.id: handoff}, plan) == []

    clock.advance(minutes=5)
    handoff.fire(Trigger.SUBMIT, actor=cast.ae, at=clock.now())
    assert still_due([ref], AE, {handoff.id: handoff}, plan) == []
