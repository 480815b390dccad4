"""Due lines and the "what must I do next" queue: decided once in core, from the SLA planner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.handoff import Handoff
from core.machine import Status, Trigger
from core.playbook import Playbook
from core.presentation.due import SENT_BACK, DueLine, next_due, no_zones, plan_due
from core.presentation.queue import queue_for
from core.sla import SlaPlanner
from tests.fakes import FrozenClock
from tests.unit.conftest import Cast

AE, CSM = "ana.ae@acme.test", "carl.csm@acme.test"
SHOWN_BY_STATUS = {
    Status.OPENED: "packet_due", Status.DRAFTING: "packet_due", Status.ESCALATED: "packet_due",
    Status.OVERRIDE_REQUESTED: "override_decision_due", Status.SUBMITTED: "acceptance_due",
    Status.ACCEPTED: "first_touch_due",
}


@pytest.mark.parametrize("status", list(SHOWN_BY_STATUS))
def test_the_due_line_is_the_planners_due_time_in_every_waiting_state(
    status: Status, walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    handoff = walk(status, complete=status is not Status.OVERRIDE_REQUESTED)
    planner = SlaPlanner(playbook)
    timers = {t.timer: t for t in planner.plan(handoff, no_zones)}
    due = plan_due(handoff, planner)
    assert due is not None and due.timer == SHOWN_BY_STATUS[status]
    assert due.at == timers[due.timer].due_at


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_a_finished_handoff_has_nothing_due(status: Status, walk: Callable[..., Handoff], playbook: Playbook) -> None:
    assert plan_due(walk(status), SlaPlanner(playbook)) is None


def test_a_packet_sent_back_is_due_a_full_cycle_after_the_send_back_not_after_the_close(
    walk: Callable[..., Handoff], playbook: Playbook, clock: FrozenClock, cast: Cast,
) -> None:
    handoff = walk(Status.SUBMITTED)
    clock.advance(days=5)  # the CSM reads it days later and sends it back
    handoff.fire(Trigger.ESCALATE, actor=cast.csm, at=clock.now(), reason="Go-live?")
    due = plan_due(handoff, SlaPlanner(playbook))
    assert due is not None
    assert due.at == clock.now() + playbook.slas.packet_due.delta
    assert due.at > handoff.opened_at + playbook.slas.packet_due.delta and not due.overdue(clock.now())
    assert due.since == SENT_BACK and due.label == "Packet due"


def test_a_business_hours_deadline_is_a_time_on_the_calendar_not_a_rule(
    walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    handoff = walk(Status.OVERRIDE_REQUESTED, complete=False)
    due = plan_due(handoff, SlaPlanner(playbook))
    assert due is not None and due.label == "Decision due" and due.at > handoff.pending_override.requested_at  # type: ignore[union-attr]


def test_no_timers_means_no_due_line(walk: Callable[..., Handoff]) -> None:
    assert next_due(walk(Status.OPENED), []) is None


def test_the_queue_puts_a_sent_back_packet_first_and_shows_each_person_only_their_work(
    walk: Callable[..., Handoff], playbook: Playbook, clock: FrozenClock,
) -> None:
    planner = SlaPlanner(playbook)
    fresh = walk(Status.OPENED)
    sent_back = _renamed(walk(Status.ESCALATED), "ho_2")
    waiting = _renamed(walk(Status.SUBMITTED), "ho_3")
    asking = _renamed(walk(Status.OVERRIDE_REQUESTED, complete=False), "ho_4")
    handoffs = [fresh, sent_back, waiting, asking]

    def due_of(h: Handoff) -> DueLine | None:
        return plan_due(h, planner)

    ae = queue_for(AE.upper(), handoffs, due_of=due_of)  # emails match whatever their case
    assert [g.key for g in ae] == ["fill"]
    assert [i.handoff.id for i in ae[0].items] == ["ho_2", "ho_1"]
    assert all(i.due is not None and i.due.timer == "packet_due" for i in ae[0].items)

    csm = queue_for(CSM, handoffs, due_of=due_of)
    assert [(g.key, [i.handoff.id for i in g.items]) for g in csm] == [("accept", ["ho_3"])]
    assert queue_for("cleo.cs@acme.test", handoffs, due_of=due_of) == ()
    manager = queue_for("cleo.cs@acme.test", handoffs, due_of=due_of, is_manager=True)
    assert [(g.key, [i.handoff.id for i in g.items]) for g in manager] == [("decide", ["ho_4"])]


def test_a_long_group_says_how_many_are_hidden(walk: Callable[..., Handoff]) -> None:
    many = [_renamed(walk(Status.OPENED), f"ho_{n}") for n in range(20)]
    (fill,) = queue_for(AE, many, due_of=lambda h: None)
    assert len(fill.items) == 20 and fill.hidden == 20 - fill.limit


def _renamed(h: Handoff, handoff_id: str) -> Handoff:
    h.id = handoff_id
    return h
