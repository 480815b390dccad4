"""The SQL unit of work and repository, driven through the real HandoffService, on each dialect.

The reference is the in-memory FakeUnitOfWork: the same scenario run on both must leave the
same handoff behind and the same messages in the outbox.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from core import commands as c
from core.deal import Deal
from core.errors import ConcurrencyConflict, HandoffNotFound
from core.handoff import Handoff
from core.machine import Status
from core.people import Actor, Person, Role
from core.playbook import FieldSpec, FieldType, Playbook, Section, Segment
from core.ports import UnitOfWork
from core.services import HandoffService
from storage.outbox import Outbox
from storage.tables import AUDIT_ENTRIES, HANDOFFS, OUTBOX, PROCESSED_EVENTS
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeStore, FakeUnitOfWork, FrozenClock

AE = Actor("U_ANA", "ana@acme.test")
CSM = Actor("U_DAN", "dan@acme.test")
MANAGER = Actor("U_MO", "mo@acme.test", frozenset({Role.CS_MANAGER}))
CRM = Actor.system()


def playbook() -> Playbook:
    """Two segments by amount; three packet fields, two of them required."""
    return Playbook(
        default_segment="smb",
        segments=[
            Segment(id="smb", label="SMB", max_amount=Decimal(50_000), csm_pool=["cara@acme.test", "dan@acme.test"]),
            Segment(id="ent", label="Enterprise", min_amount=Decimal(50_000), csm_pool=["erin@acme.test"]),
        ],
        sections=[Section(id="basics", title="Basics", fields=[
            FieldSpec(id="goals", label="Goals", type=FieldType.TEXT, required=True),
            FieldSpec(id="kickoff_date", label="Kickoff date", type=FieldType.DATE, required=True),
            FieldSpec(id="stakeholders", label="Stakeholders", type=FieldType.MULTI_SELECT, options=["cfo", "cto"]),
        ])],
    )


def deal(deal_id: str = "D-1", **overrides: Any) -> Deal:
    values: dict[str, Any] = {
        "id": deal_id, "name": f"Expansion {deal_id}", "account": "Globex", "amount": Decimal("12000.50"),
        "currency": "EUR", "stage": "Closed Won", "ae_email": "ana@acme.test",
        "closed_at": datetime(2026, 11, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
        "crm_url": "https://crm.test/deals/1",
        "fields": {"stakeholders": ["cfo"], "goals": "", "bogus": 1},
    }
    return Deal(**(values | overrides))


def sequential_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"ho_{next(counter):04d}"


def make_service(uow: Callable[[], UnitOfWork], clock: FrozenClock) -> HandoffService:
    return HandoffService(playbook=playbook(), uow=uow, clock=clock, new_id=sequential_ids())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def service(uow_factory: Callable[[], SqlUnitOfWork], clock: FrozenClock) -> HandoffService:
    return make_service(uow_factory, clock)


def whole_life(service: HandoffService, uow: Callable[[], UnitOfWork], clock: FrozenClock) -> str:
    """Every kind of change a handoff goes through, from the CRM's close to the 30-day check-in."""
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM, event_id="evt-1")).handoff_id
    steps: list[Callable[[], object]] = [
        lambda: service.reassign_csm(c.ReassignCsm(handoff_id, MANAGER, "Dan@Acme.test")),
        lambda: service.save_draft(c.SaveDraft(handoff_id, AE, {"kickoff_date": "2026-11-20"})),
        lambda: service.request_override(c.RequestOverride(handoff_id, AE, "customer is waiting")),
        lambda: service.decide_override(c.DecideOverride(handoff_id, MANAGER, approve=True, note="ok once")),
        lambda: service.escalate(c.EscalateHandoff(handoff_id, CSM, ("goals",), "what are the goals?")),
        lambda: service.save_draft(c.SaveDraft(handoff_id, AE, {"goals": "Roll out to 3 teams"})),
        lambda: service.submit(c.SubmitPacket(handoff_id, AE)),
        lambda: service.accept(c.AcceptHandoff(handoff_id, CSM)),
        lambda: service.record_milestone(c.RecordMilestone(handoff_id, CSM, "first_touch")),
        lambda: service.record_milestone(c.RecordMilestone(handoff_id, CSM, "kickoff", {"on": date(2026, 11, 20)})),
        lambda: service.record_milestone(c.RecordMilestone(handoff_id, CSM, "feedback", {"went_well": "clear", "missing": "SSO"})),
        lambda: service.record_milestone(c.RecordMilestone(handoff_id, CSM, "checkin", {"rating": 4, "repeat_asks": ["goals"]})),
        lambda: service.comment(c.AddComment(handoff_id, CSM, "thanks, all set")),
    ]
    for step in steps:
        clock.advance(hours=3)
        step()
    with uow() as unit:
        unit.handoffs.get(handoff_id).record_sla_breach("first_touch_due", at=clock.now())
        unit.commit()
    return handoff_id


def state(handoff: Handoff) -> dict[str, Any]:
    """Everything a handoff holds except pending events (which a loaded handoff never has)."""
    return {f.name: getattr(handoff, f.name) for f in dataclasses.fields(handoff) if f.name != "events"}


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def outbox_keys(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [(r.idempotency_key, r.kind) for r in connection.execute(select(OUTBOX).order_by(OUTBOX.c.id))]


def test_every_field_survives_the_round_trip_exactly_as_the_fake_keeps_it(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    sql_clock, fake_clock, store = FrozenClock(), FrozenClock(), FakeStore()
    sql_id = whole_life(make_service(uow_factory, sql_clock), uow_factory, sql_clock)
    fake_uow = lambda: FakeUnitOfWork(store)  # noqa: E731
    fake_id = whole_life(make_service(fake_uow, fake_clock), fake_uow, fake_clock)

    with uow_factory() as uow:
        loaded = uow.handoffs.get(sql_id)
    expected = store.handoffs[fake_id]
    assert state(loaded) == state(expected)
    assert loaded.status is Status.ACCEPTED and loaded.csm == Person("Dan@Acme.test")
    assert loaded.deal.amount == Decimal("12000.50") and loaded.deal.fields["bogus"] == 1
    assert loaded.milestones.kickoff_on == date(2026, 11, 20) and loaded.milestones.repeat_asks == ("goals",)
    assert all(t.tzinfo is not None for t in (loaded.opened_at, loaded.deal.closed_at, loaded.audit[0].at))
    assert outbox_keys(engine) == [(e.key, e.name) for e in store.outbox]


def test_outbox_payloads_rebuild_the_domain_events(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], clock: FrozenClock, service: HandoffService,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    store = FakeStore()
    make_service(lambda: FakeUnitOfWork(store), FrozenClock()).open_handoff(c.OpenHandoff(deal(), CRM))
    with uow_factory() as uow:
        messages = Outbox(uow.session).pending(limit=10, now=clock.now())
    assert [m.event() for m in messages] == store.outbox
    assert messages[0].handoff_id == handoff_id and messages[0].kind == "HandoffOpened"


def test_the_audit_trail_is_only_ever_appended_to(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], clock: FrozenClock, service: HandoffService,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    service.save_draft(c.SaveDraft(handoff_id, AE, {"goals": "Roll out"}))
    with engine.connect() as connection:
        before = connection.execute(select(AUDIT_ENTRIES).order_by(AUDIT_ENTRIES.c.seq)).all()
    service.save_draft(c.SaveDraft(handoff_id, AE, {"kickoff_date": "2026-11-20"}))
    service.submit(c.SubmitPacket(handoff_id, AE))
    with engine.connect() as connection:
        after = connection.execute(select(AUDIT_ENTRIES).order_by(AUDIT_ENTRIES.c.seq)).all()
    with uow_factory() as uow:
        trail = uow.handoffs.get(handoff_id).audit
    assert after[: len(before)] == before  # same rows, same ids: nothing rewritten
    assert [r.seq for r in after] == [a.seq for a in trail] == list(range(1, len(trail) + 1))
    assert [r.action for r in after] == ["open", "start_draft", "edit_packet", "edit_packet", "submit"]


def test_a_change_that_records_no_event_is_still_saved_and_an_unchanged_one_is_not(
    uow_factory: Callable[[], SqlUnitOfWork], service: HandoffService,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    with uow_factory() as uow:
        uow.handoffs.get(handoff_id)
        uow.commit()
    assert service.get(handoff_id).version == 1
    with uow_factory() as uow:
        handoff = uow.handoffs.get(handoff_id)
        handoff.ae = Person.of(handoff.ae.email, slack="U_ANA")  # chat resolved the AE's user id
        uow.commit()
        assert handoff.version == 2
    assert service.get(handoff_id).ae == Person.of("ana@acme.test", slack="U_ANA")


def test_a_person_known_on_slack_and_teams_keeps_both_ids_and_a_slack_only_row_stays_a_bare_id(
    uow_factory: Callable[[], SqlUnitOfWork], service: HandoffService, engine: Engine,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    with uow_factory() as uow:
        handoff = uow.handoffs.get(handoff_id)
        handoff.ae = Person.of(handoff.ae.email, slack="U_ANA")
        handoff.csm = handoff.csm.with_id("slack", "U_DEV").with_id("teams", "29:1kXr-9pQ")
        uow.commit()
    loaded = service.get(handoff_id)
    assert loaded.csm.id_on("teams") == "29:1kXr-9pQ" and loaded.csm.id_on("slack") == "U_DEV"
    with engine.connect() as conn:  # what older releases read back: the Slack id alone
        raw = conn.execute(text("select ae_chat_id from handoffs where id = :id"), {"id": handoff_id}).scalar()
    assert raw == "U_ANA"


def test_one_unit_of_work_hands_out_one_object_per_handoff(
    uow_factory: Callable[[], SqlUnitOfWork], service: HandoffService,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    with uow_factory() as uow:
        first = uow.handoffs.get(handoff_id)
        assert uow.handoffs.get_by_deal("D-1") is first
        assert uow.handoffs.find(text="globex") == [first]
        with pytest.raises(HandoffNotFound):
            uow.handoffs.get("ho_missing")
        assert uow.handoffs.get_by_deal("D-missing") is None


def test_a_claimed_event_is_refused_in_every_later_unit_of_work(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    with uow_factory() as uow:
        assert uow.claim_event("slack:Ev1") is True
        assert uow.claim_event("slack:Ev1") is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.claim_event("slack:Ev1") is False
    with uow_factory() as uow:
        assert uow.claim_event("slack:Ev2") is True  # not committed: forgotten
    with uow_factory() as uow:
        assert uow.claim_event("slack:Ev2") is True


def test_an_exception_before_commit_leaves_nothing_behind(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], clock: FrozenClock,
) -> None:
    handoff = Handoff.open(
        handoff_id="ho_x", deal=deal(), segment="smb", ae=Person("ana@acme.test"), csm=Person("cara@acme.test"),
        required_fields=("goals",), actor=CRM, at=clock.now(),
    )
    with pytest.raises(RuntimeError), uow_factory() as uow:
        uow.claim_event("deal:evt-9")
        uow.handoffs.add(handoff)
        raise RuntimeError("the Slack call failed")
    assert [count(engine, t) for t in (HANDOFFS, AUDIT_ENTRIES, OUTBOX, PROCESSED_EVENTS)] == [0, 0, 0, 0]


def test_a_conflict_in_one_handoff_saves_none_of_the_others(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], service: HandoffService, clock: FrozenClock,
) -> None:
    stale_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    new = Handoff.open(
        handoff_id="ho_new", deal=deal("D-2"), segment="smb", ae=Person("ana@acme.test"),
        csm=Person("cara@acme.test"), required_fields=(), actor=CRM, at=clock.now(),
    )
    with uow_factory() as uow:
        uow.handoffs.add(new)
        stale = uow.handoffs.get(stale_id)
        service.comment(c.AddComment(stale_id, AE, "meanwhile, elsewhere"))
        stale.comment("too late", actor=AE, at=clock.now())
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    assert (new.version, len(new.events)) == (0, 1)  # untouched: nothing was saved
    assert count(engine, HANDOFFS) == 1
    assert [k for _, k in outbox_keys(engine)] == ["HandoffOpened", "CommentAdded"]


def test_two_writers_of_one_version_the_second_conflicts(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], service: HandoffService, clock: FrozenClock,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    with uow_factory() as first, uow_factory() as second:
        mine, theirs = first.handoffs.get(handoff_id), second.handoffs.get(handoff_id)
        mine.comment("first", actor=AE, at=clock.now())
        theirs.comment("second", actor=MANAGER, at=clock.now())
        first.commit()
        with pytest.raises(ConcurrencyConflict):
            second.commit()
    saved = service.get(handoff_id)
    assert saved.version == 2 and saved.audit[-1].detail == {"text": "first"}
    assert count(engine, AUDIT_ENTRIES) == 2 and count(engine, OUTBOX) == 2


def test_the_same_deal_opened_twice_is_one_handoff(
    engine: Engine, service: HandoffService,
) -> None:
    first = service.open_handoff(c.OpenHandoff(deal(), CRM, event_id="evt-1"))
    again = service.open_handoff(c.OpenHandoff(deal(), CRM, event_id="evt-1"))
    other_event = service.open_handoff(c.OpenHandoff(deal(), CRM, event_id="evt-2"))
    assert first.created and not again.created and not other_event.created
    assert first.handoff_id == again.handoff_id == other_event.handoff_id
    assert first.ignored_fields == {"bogus": "not a field of this playbook"}
    assert count(engine, HANDOFFS) == 1 and count(engine, OUTBOX) == 1 and count(engine, PROCESSED_EVENTS) == 2


def test_a_replayed_event_key_adds_no_second_outbox_message(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], service: HandoffService, clock: FrozenClock,
) -> None:
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    with uow_factory() as uow:
        handoff = uow.handoffs.get(handoff_id)
        handoff.comment("hello", actor=AE, at=clock.now())
        replay = list(handoff.events)
        uow.commit()
    with uow_factory() as uow:
        handoff = uow.handoffs.get(handoff_id)
        handoff.events.extend(replay)  # a retried commit carrying the same event again
        uow.commit()
    keys = [k for k, _ in outbox_keys(engine)]
    assert len(keys) == len(set(keys)) == 2
