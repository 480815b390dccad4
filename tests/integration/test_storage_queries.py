"""Repository queries: what the service asks for routing, status lists, SLA sweeps and metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from core import commands as c
from core.handoff import facts_of
from core.machine import Status
from core.metrics import GroupBy, compute
from core.people import Actor
from core.playbook import Thresholds
from core.services import HandoffService
from storage.repository import SqlHandoffRepository
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeStore, FakeUnitOfWork, FrozenClock
from tests.integration.test_storage import AE, CRM, MANAGER, deal, make_service

CARA, DAN = Actor("U_CARA", "cara@acme.test"), Actor("U_DAN", "dan@acme.test")


def csms_assigned(service: HandoffService, count: int) -> list[str]:
    return [service.get(service.open_handoff(c.OpenHandoff(deal(f"D-{i}"), CRM)).handoff_id).csm.email
            for i in range(count)]


def test_routing_rotates_through_the_pool_exactly_as_with_the_fake(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    # A frozen clock opens every handoff at the same instant: insertion order must break the tie.
    store = FakeStore()
    on_sql = csms_assigned(make_service(uow_factory, FrozenClock()), 5)
    on_fake = csms_assigned(make_service(lambda: FakeUnitOfWork(store), FrozenClock()), 5)
    assert on_sql == on_fake == ["cara@acme.test", "dan@acme.test"] * 2 + ["cara@acme.test"]


def test_open_load_counts_unfinished_handoffs_per_csm_by_lower_cased_email(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    service = make_service(uow_factory, FrozenClock())
    ids = [service.open_handoff(c.OpenHandoff(deal(f"D-{i}", csm_email=e), CRM)).handoff_id
           for i, e in enumerate(["Cara@Acme.test", "cara@acme.test", "dan@acme.test", "dan@acme.test"])]
    service.cancel(c.CancelHandoff(ids[2], MANAGER, "deal fell through"))
    with uow_factory() as uow:
        load = uow.handoffs.open_load(["CARA@ACME.TEST", "dan@acme.test", "erin@acme.test"])
        assert uow.handoffs.open_load([]) == {}
    assert load == {"cara@acme.test": 2, "dan@acme.test": 1}


def test_last_assigned_csm_is_the_csm_of_the_latest_handoff_in_that_segment(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    clock = FrozenClock()
    service = make_service(uow_factory, clock)
    service.open_handoff(c.OpenHandoff(deal("D-1", csm_email="zoe@acme.test"), CRM))
    clock.advance(hours=1)
    service.open_handoff(c.OpenHandoff(deal("D-2", csm_email="Yan@Acme.test"), CRM))
    with uow_factory() as uow:
        assert uow.handoffs.last_assigned_csm("smb") == "Yan@Acme.test"
        assert uow.handoffs.last_assigned_csm("ent") is None


def test_find_filters_by_person_state_and_text_newest_first(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    clock = FrozenClock()
    service = make_service(uow_factory, clock)
    opened = []
    for i, account in enumerate(["Globex", "Initech 50% off", "Umbrella"]):
        clock.advance(hours=1)
        opened.append(service.open_handoff(c.OpenHandoff(deal(f"D-{i}", account=account), CRM)).handoff_id)
    service.cancel(c.CancelHandoff(opened[0], MANAGER))
    with uow_factory() as uow:
        def ids(**kw: object) -> list[str]:
            return [h.id for h in uow.handoffs.find(**kw)]  # type: ignore[arg-type]
        assert ids() == opened[::-1]
        assert ids(person_email="ANA@acme.test") == opened[::-1]
        assert ids(person_email="dan@acme.test") == [opened[1]]
        assert ids(statuses=[Status.OPENED]) == [opened[2], opened[1]]
        assert ids(statuses=["cancelled"], person_email="cara@acme.test") == [opened[0]]
        assert ids(text="UMBRELLA") == [opened[2]]
        assert ids(text="d-1") == [opened[1]]
        assert ids(text="50%") == [opened[1]] and ids(text="5_%") == []
        assert ids(text="x 50") == []
        assert ids(limit=2) == [opened[2], opened[1]]


def test_facts_are_projected_in_sql_exactly_as_facts_of_computes_them(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    clock = FrozenClock()
    service = make_service(uow_factory, clock)
    start = clock.now()
    ids = []
    for i in range(5):
        ids.append(service.open_handoff(c.OpenHandoff(deal(f"D-{i}", ae_email="Ana@Acme.test"), CRM)).handoff_id)
        clock.advance(days=1)
    # ids[0] (routed to cara): escalated once, accepted, followed up; ids[2]: an approved override.
    service.save_draft(c.SaveDraft(ids[0], AE, {"goals": "Roll out", "kickoff_date": "2026-11-20"}))
    service.submit(c.SubmitPacket(ids[0], AE))
    service.escalate(c.EscalateHandoff(ids[0], CARA, ("goals",), "vague"))
    service.submit(c.SubmitPacket(ids[0], AE))
    clock.advance(hours=5)
    service.accept(c.AcceptHandoff(ids[0], CARA))
    service.record_milestone(c.RecordMilestone(ids[0], CARA, "first_touch"))
    service.record_milestone(c.RecordMilestone(ids[0], CARA, "checkin", {"rating": 3, "repeat_asks": ["goals"]}))
    service.request_override(c.RequestOverride(ids[2], AE, "customer waiting"))
    service.decide_override(c.DecideOverride(ids[2], MANAGER, approve=True))
    with uow_factory() as uow:
        uow.handoffs.get(ids[1]).record_sla_breach("packet_due", at=clock.now())
        uow.commit()

    end = start + timedelta(days=4)  # the handoff opened exactly at `end` is outside
    with uow_factory() as uow:
        expected = [facts_of(uow.handoffs.get(i)) for i in ids[:4]]
        projected = uow.handoffs.facts(start, end)
    assert projected == expected
    thresholds = Thresholds()
    assert compute(projected, by=GroupBy.SEGMENT, thresholds=thresholds) == compute(
        expected, by=GroupBy.SEGMENT, thresholds=thresholds)


@pytest.mark.parametrize("hours_ago, expected", [(30, {"opened", "drafting", "submitted"}), (10, set())])
def test_waiting_since_finds_handoffs_stuck_with_the_ae_or_the_csm(
    uow_factory: Callable[[], SqlUnitOfWork], hours_ago: int, expected: set[str],
) -> None:
    clock = FrozenClock()
    service = make_service(uow_factory, clock)
    opened, drafting, submitted, accepted = (
        service.open_handoff(c.OpenHandoff(deal(f"D-{i}"), CRM)).handoff_id for i in range(4))
    service.save_draft(c.SaveDraft(drafting, AE, {"goals": "x"}))
    for handoff_id in (submitted, accepted):
        service.save_draft(c.SaveDraft(handoff_id, AE, {"goals": "x", "kickoff_date": "2026-11-20"}))
        service.submit(c.SubmitPacket(handoff_id, AE))
    service.accept(c.AcceptHandoff(accepted, DAN))
    clock.advance(hours=hours_ago)
    with uow_factory() as uow:
        repo = uow.handoffs
        assert isinstance(repo, SqlHandoffRepository)
        found = repo.waiting_since(clock.now() - timedelta(hours=24))
    names = {opened: "opened", drafting: "drafting", submitted: "submitted"}
    assert {names[i] for i, _ in found} == expected
    assert all(status.value == names[i] for i, status in found)
