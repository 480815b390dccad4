"""Snoozing a nudge: only its recipient may, it is on the audit trail, and it lasts exactly as
long as the playbook says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from core import commands as c
from core import events as ev
from core.errors import NotPermitted, TransitionNotAllowed
from core.machine import Status
from core.nudge_service import NudgeService
from core.playbook import Playbook
from core.services import HandoffService
from core.sla import SlaPlanner
from tests.fakes import FakeStore, FakeUnitOfWork, FrozenClock
from tests.unit.conftest import Cast, make_deal


@pytest.fixture
def nudges(playbook: Playbook, uow: Callable[[], FakeUnitOfWork], clock: FrozenClock) -> NudgeService:
    return NudgeService(planner=SlaPlanner(playbook), uow=uow, clock=clock)


def test_the_ae_snoozes_their_packet_reminder_for_four_hours_on_the_record(
    service: HandoffService, nudges: NudgeService, store: FakeStore, cast: Cast, clock: FrozenClock,
    playbook: Playbook,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(make_deal(), cast.system)).handoff_id
    (packet,) = SlaPlanner(playbook).plan(store.handoffs[handoff_id], lambda _: None)
    clock.advance(hours=24)

    until = nudges.snooze(c.SnoozeNudge(handoff_id, cast.ae, "packet_due", packet.cycle, "ana.ae@acme.test"))

    assert until == clock.now() + timedelta(hours=4)
    stored = store.handoffs[handoff_id]
    assert stored.audit[-1].action == "snooze" and stored.audit[-1].actor_id == cast.ae.id
    assert isinstance(store.outbox[-1], ev.NudgeSnoozed) and stored.status is Status.OPENED
    (later,) = SlaPlanner(playbook).plan(stored, lambda _: None)
    assert later.step(f"snooze_{until:%Y%m%dT%H%M%SZ}", "ana.ae@acme.test").fire_at == until  # type: ignore[union-attr]


def test_nobody_snoozes_someone_elses_reminder_or_one_that_is_over(
    service: HandoffService, nudges: NudgeService, store: FakeStore, cast: Cast, playbook: Playbook,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(make_deal(), cast.system)).handoff_id
    (packet,) = SlaPlanner(playbook).plan(store.handoffs[handoff_id], lambda _: None)

    with pytest.raises(NotPermitted):
        nudges.snooze(c.SnoozeNudge(handoff_id, cast.csm, "packet_due", packet.cycle, "ana.ae@acme.test"))
    with pytest.raises(TransitionNotAllowed):
        nudges.snooze(c.SnoozeNudge(handoff_id, cast.ae, "acceptance_due", packet.cycle, "ana.ae@acme.test"))
    assert store.handoffs[handoff_id].audit[-1].action == "open"
