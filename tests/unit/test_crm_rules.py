"""The CRM's rules in the core: hold and resume, the SLA planner on hold, the CRM link on the trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.crm import LINK, CrmLink, link_of
from core.errors import NotPermitted
from core.handoff import Handoff
from core.machine import Status, Trigger
from core.playbook import Playbook
from core.sla import SlaPlanner
from tests.fakes import FrozenClock
from tests.unit.conftest import Cast


def test_a_held_handoff_runs_no_timer_and_a_resumed_one_restarts_its_packet_clock(
    walk: Callable[..., Handoff], cast: Cast, clock: FrozenClock, playbook: Playbook,
) -> None:
    planner = SlaPlanner(playbook)
    h = walk(Status.DRAFTING, complete=False)
    assert planner.plan(h, lambda _: None)
    h.fire(Trigger.HOLD, actor=cast.system, at=clock.now(), reason="Closed Lost", fields=("Closed Lost",))
    assert planner.plan(h, lambda _: None) == []
    clock.advance(days=9)
    h.fire(Trigger.RESUME, actor=cast.system, at=clock.now(), fields=("Closed Won",))
    packet_due = [t for t in planner.plan(h, lambda _: None) if t.timer == "packet_due"]
    assert packet_due and packet_due[0].started_at == clock.now()


def test_holding_withdraws_a_pending_exception_request(walk: Callable[..., Handoff], cast: Cast,
                                                       clock: FrozenClock) -> None:
    h = walk(Status.OVERRIDE_REQUESTED)
    h.fire(Trigger.HOLD, actor=cast.system, at=clock.now(), reason="reopened")
    assert h.pending_override is None and h.overrides[-1].approved is False
    h.fire(Trigger.RESUME, actor=cast.system, at=clock.now())
    assert h.status is Status.DRAFTING and h.can_edit(cast.ae)


def test_only_a_manager_revops_or_the_crm_holds_a_handoff(walk: Callable[..., Handoff], cast: Cast,
                                                         clock: FrozenClock) -> None:
    h = walk(Status.SUBMITTED)
    with pytest.raises(NotPermitted):
        h.fire(Trigger.HOLD, actor=cast.csm, at=clock.now())
    h.fire(Trigger.HOLD, actor=cast.system, at=clock.now())
    assert h.status is Status.ON_HOLD and not h.can_edit(cast.ae)


def test_the_latest_crm_link_on_the_trail_is_the_one_used(walk: Callable[..., Handoff], cast: Cast,
                                                         clock: FrozenClock) -> None:
    h = walk(Status.OPENED)
    assert link_of(h) is None
    h.record_crm(LINK, {"crm": "hubspot", "deal_id": "9", "company_id": "5", "owner_id": "101"},
                 actor=cast.system, at=clock.now())
    h.record_crm(LINK, {"crm": "hubspot", "deal_id": "9", "company_id": "6", "owner_id": None},
                 actor=cast.system, at=clock.now())
    assert link_of(h) == CrmLink("hubspot", "9", "6", "")
    assert all(e.name != "CrmNoted" for e in h.events)  # a link is quiet: nobody is told
