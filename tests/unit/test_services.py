"""The service layer over in-memory fakes: what lands in the store and the outbox for each use case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core import commands as c
from core import events as ev
from core.deal import Deal
from core.errors import (
    ConcurrencyConflict,
    MissingInput,
    NoCsmAvailable,
    NotPermitted,
    PacketIncomplete,
    PacketInvalid,
    TransitionNotAllowed,
)
from core.machine import Status
from core.metrics import GroupBy
from core.playbook import Playbook
from core.services import HandoffService
from tests.fakes import FakeStore, FakeUnitOfWork, FrozenClock
from tests.unit.conftest import CLOSED_AT, TYPED_PACKET, Cast

MakeDeal = Callable[..., Deal]


def outbox(store: FakeStore) -> list[str]:
    return [e.name for e in store.outbox]


@pytest.fixture
def opened(service: HandoffService, cast: Cast, deal: MakeDeal) -> str:
    """The id of a freshly opened smb handoff (AE ana, CSM carl)."""
    return service.open_handoff(c.OpenHandoff(deal(), cast.system, event_id="evt-1")).handoff_id


@pytest.fixture
def submitted(service: HandoffService, cast: Cast, opened: str, clock: FrozenClock) -> str:
    clock.advance(hours=2)
    service.save_draft(c.SaveDraft(opened, cast.ae, TYPED_PACKET))
    clock.advance(minutes=10)
    service.submit(c.SubmitPacket(opened, cast.ae))
    return opened


@pytest.fixture
def accepted(service: HandoffService, cast: Cast, submitted: str, clock: FrozenClock) -> str:
    clock.advance(hours=3)
    service.accept(c.AcceptHandoff(submitted, cast.csm))
    return submitted


# -- opening ------------------------------------------------------------------------------------

def test_opening_routes_the_deal_assigns_a_csm_and_requires_the_tiers_fields(
    service: HandoffService, cast: Cast, deal: MakeDeal, store: FakeStore,
) -> None:
    result = service.open_handoff(c.OpenHandoff(deal(amount=Decimal("250000")), cast.system))
    handoff = service.get(result.handoff_id)
    assert result.created
    assert (handoff.segment, handoff.csm.email, handoff.ae.email) == ("enterprise", "erin.csm@acme.test", "ana.ae@acme.test")
    assert handoff.required_fields == ("goals", "champion", "champion_email", "exec_sponsor", "contract_signed")
    assert handoff.status is Status.OPENED
    assert outbox(store) == ["HandoffOpened"]


def test_opening_prefills_valid_crm_values_and_reports_the_rest(
    service: HandoffService, cast: Cast, deal: MakeDeal,
) -> None:
    crm = {
        "goals": "Replace renewal spreadsheets",
        "seats": "1,200",
        "kickoff_date": "2026-11-09",
        "tier": "Platinum",
        "go_live": "2026-11-01",
        "favourite_colour": "teal",
        "pains": "",
    }
    result = service.open_handoff(c.OpenHandoff(deal(fields=crm), cast.system))
    handoff = service.get(result.handoff_id)
    assert handoff.packet == {"goals": "Replace renewal spreadsheets", "seats": 1200, "kickoff_date": "2026-11-09"}
    assert result.ignored_fields == {
        "tier": "Tier must be one of: Starter, Growth, Scale",
        "go_live": "Go-live must be on or after kickoff date (2026-11-09)",
        "favourite_colour": "not a field of this playbook",
    }


def test_a_crm_value_that_would_crash_a_parser_is_reported_not_raised(
    service: HandoffService, cast: Cast, deal: MakeDeal,
) -> None:
    crm = {"seats": "1e999999999", "arr": "9" * 40, "kickoff_date": CLOSED_AT + timedelta(days=3)}
    result = service.open_handoff(c.OpenHandoff(deal(fields=crm), cast.system))
    assert service.get(result.handoff_id).packet == {"kickoff_date": "2026-11-05"}
    assert result.ignored_fields == {"seats": "Seats is too large", "arr": "ARR is too large"}


def test_the_crm_can_name_the_csm(service: HandoffService, cast: Cast, deal: MakeDeal) -> None:
    result = service.open_handoff(c.OpenHandoff(deal(csm_email="zoe.csm@acme.test"), cast.system))
    assert service.get(result.handoff_id).csm.email == "zoe.csm@acme.test"


def test_new_deals_go_to_the_least_loaded_csm_in_turn(service: HandoffService, cast: Cast, deal: MakeDeal) -> None:
    csms = [
        service.get(service.open_handoff(c.OpenHandoff(deal(f"D-{n}"), cast.system)).handoff_id).csm.email
        for n in range(4)
    ]
    assert csms == ["carl.csm@acme.test", "olga.csm@acme.test", "carl.csm@acme.test", "olga.csm@acme.test"]


def test_a_tier_with_no_csms_and_no_named_csm_opens_nothing(
    cast: Cast, deal: MakeDeal, store: FakeStore, clock: FrozenClock, playbook: Playbook,
) -> None:
    empty_pool = playbook.model_copy(update={"segments": [
        s.model_copy(update={"csm_pool": []}) for s in playbook.segments]})
    service = HandoffService(playbook=empty_pool, uow=lambda: FakeUnitOfWork(store), clock=clock)
    with pytest.raises(NoCsmAvailable, match="no CSM available for segment 'smb'"):
        service.open_handoff(c.OpenHandoff(deal(), cast.system))
    assert store.handoffs == {} and store.outbox == []


def test_the_same_deal_closing_twice_opens_one_handoff(
    service: HandoffService, cast: Cast, deal: MakeDeal, store: FakeStore,
) -> None:
    first = service.open_handoff(c.OpenHandoff(deal(), cast.system, event_id="evt-1"))
    again = service.open_handoff(c.OpenHandoff(deal(amount=Decimal("300000")), cast.system, event_id="evt-2"))
    assert (again.handoff_id, again.created) == (first.handoff_id, False)
    assert len(store.handoffs) == 1
    assert outbox(store) == ["HandoffOpened"]


def test_a_redelivered_webhook_opens_one_handoff_and_notifies_once(
    service: HandoffService, cast: Cast, deal: MakeDeal, store: FakeStore,
) -> None:
    first = service.open_handoff(c.OpenHandoff(deal(), cast.system, event_id="evt-1"))
    again = service.open_handoff(c.OpenHandoff(deal(), cast.system, event_id="evt-1"))
    assert (again.handoff_id, again.created) == (first.handoff_id, False)
    assert outbox(store) == ["HandoffOpened"]
    assert "deal:evt-1" in store.seen


# -- drafting and submitting --------------------------------------------------------------------

def test_a_bad_draft_names_every_bad_field_and_saves_nothing(
    service: HandoffService, cast: Cast, opened: str, store: FakeStore,
) -> None:
    before = (store.commits, list(store.outbox))
    with pytest.raises(PacketInvalid) as exc:
        service.save_draft(c.SaveDraft(opened, cast.ae, {
            "goals": "Cut onboarding time in half", "champion_email": "dana", "seats": "lots"}))
    assert exc.value.errors == {
        "champion_email": "Champion email must be an email address, like ana@example.com",
        "seats": "Seats must be a number, like 12 or 3.5",
    }
    handoff = service.get(opened)
    assert (handoff.status, handoff.packet) == (Status.OPENED, {})
    assert (store.commits, store.outbox) == before


def test_a_draft_saves_typed_values(service: HandoffService, cast: Cast, opened: str) -> None:
    changed = service.save_draft(c.SaveDraft(opened, cast.ae, TYPED_PACKET | {"arr": "$24,000"}))
    handoff = service.get(opened)
    assert set(changed) == {*TYPED_PACKET, "arr"}
    assert handoff.packet["contract_signed"] is True and handoff.packet["arr"] == "24000.00"
    assert handoff.status is Status.DRAFTING


def test_only_the_ae_saves_a_draft(service: HandoffService, cast: Cast, opened: str, store: FakeStore) -> None:
    with pytest.raises(NotPermitted):
        service.save_draft(c.SaveDraft(opened, cast.csm, {"pains": "Spreadsheets"}))
    assert service.get(opened).packet == {}


def test_an_incomplete_packet_is_refused_at_submission(service: HandoffService, cast: Cast, opened: str) -> None:
    service.save_draft(c.SaveDraft(opened, cast.ae, {"goals": "Cut onboarding time in half"}))
    with pytest.raises(PacketIncomplete) as exc:
        service.submit(c.SubmitPacket(opened, cast.ae))
    assert exc.value.missing == ("champion", "champion_email", "contract_signed")
    assert service.get(opened).status is Status.DRAFTING


def test_the_happy_path_writes_its_events_to_the_outbox_in_order(
    service: HandoffService, cast: Cast, accepted: str, store: FakeStore,
) -> None:
    assert outbox(store) == ["HandoffOpened", "PacketEdited", "PacketSubmitted", "OwnershipFlipped"]
    handoff = service.get(accepted)
    assert handoff.status is Status.ACCEPTED
    assert handoff.owner.email == "carl.csm@acme.test"
    assert [e.seq for e in store.outbox] == sorted(e.seq for e in store.outbox)
    assert len({e.key for e in store.outbox}) == len(store.outbox)


def test_escalate_fix_resubmit_accept(service: HandoffService, cast: Cast, submitted: str, store: FakeStore) -> None:
    service.escalate(c.EscalateHandoff(submitted, cast.csm, ("stakeholders",), "Who else signs off?"))
    service.save_draft(c.SaveDraft(submitted, cast.ae, {"stakeholders": "U024BE7LH, W0123ABC"}))
    service.submit(c.SubmitPacket(submitted, cast.ae))
    service.accept(c.AcceptHandoff(submitted, cast.csm))

    assert outbox(store)[-4:] == ["HandoffEscalated", "PacketEdited", "PacketSubmitted", "OwnershipFlipped"]
    resubmitted = [e for e in store.outbox if isinstance(e, ev.PacketSubmitted)]
    assert [e.resubmission for e in resubmitted] == [False, True]
    handoff = service.get(submitted)
    assert (handoff.status, len(handoff.escalations)) == (Status.ACCEPTED, 1)


def test_an_escalation_may_only_name_playbook_fields(service: HandoffService, cast: Cast, submitted: str) -> None:
    with pytest.raises(PacketInvalid) as exc:
        service.escalate(c.EscalateHandoff(submitted, cast.csm, ("budget",), "What budget?"))
    assert exc.value.errors == {"budget": "not a field of this playbook"}
    assert service.get(submitted).status is Status.SUBMITTED


def test_an_approved_override_lets_an_incomplete_packet_through(
    service: HandoffService, cast: Cast, opened: str, store: FakeStore,
) -> None:
    service.save_draft(c.SaveDraft(opened, cast.ae, {"goals": "Cut onboarding time in half"}))
    service.request_override(c.RequestOverride(opened, cast.ae, "Champion is on leave until the 20th"))
    status = service.decide_override(c.DecideOverride(opened, cast.sales_manager, approve=True, note="OK"))

    assert status is Status.SUBMITTED
    assert outbox(store)[-3:] == ["OverrideRequested", "OverrideApproved", "PacketSubmitted"]
    handoff = service.get(opened)
    assert handoff.submitted_complete is False
    assert handoff.overrides[-1].missing == ("champion", "champion_email", "contract_signed")


def test_a_denied_override_sends_the_packet_back(service: HandoffService, cast: Cast, opened: str, store: FakeStore) -> None:
    service.request_override(c.RequestOverride(opened, cast.ae, "Champion is on leave"))
    status = service.decide_override(c.DecideOverride(opened, cast.cs_manager, approve=False, note="Name a deputy"))
    assert status is Status.DRAFTING
    assert outbox(store)[-1] == "OverrideDenied"
    assert service.get(opened).first_submitted_at is None


def test_the_ae_cannot_approve_their_own_override(service: HandoffService, cast: Cast, opened: str) -> None:
    service.request_override(c.RequestOverride(opened, cast.ae, "Champion is on leave"))
    with pytest.raises(NotPermitted):
        service.decide_override(c.DecideOverride(opened, cast.ae, approve=True))
    assert service.get(opened).status is Status.OVERRIDE_REQUESTED


# -- after the flip -----------------------------------------------------------------------------

def test_follow_ups_are_recorded_after_the_flip(
    service: HandoffService, cast: Cast, accepted: str, clock: FrozenClock, store: FakeStore,
) -> None:
    clock.advance(hours=20)
    service.record_milestone(c.RecordMilestone(accepted, cast.csm, "first_touch"))
    service.record_milestone(c.RecordMilestone(accepted, cast.csm, "kickoff", {"on": date(2026, 11, 9)}))
    service.record_milestone(c.RecordMilestone(accepted, cast.csm, "feedback", {"went_well": "Clear goals"}))
    service.record_milestone(c.RecordMilestone(
        accepted, cast.csm, "checkin", {"rating": 4, "repeat_asks": ["champion_email"]}))

    milestones = service.get(accepted).milestones
    assert milestones.first_touch_at == clock.now()
    assert (milestones.kickoff_on, milestones.rating, milestones.repeat_asks) == (
        date(2026, 11, 9), 4, ("champion_email",))
    assert outbox(store)[-4:] == ["MilestoneRecorded"] * 4


@pytest.mark.parametrize("rating", [0, 6, "five"])
def test_a_checkin_rating_outside_1_to_5_is_refused(
    rating: object, service: HandoffService, cast: Cast, accepted: str,
) -> None:
    with pytest.raises(MissingInput):
        service.record_milestone(c.RecordMilestone(accepted, cast.csm, "checkin", {"rating": rating}))
    assert service.get(accepted).milestones.rating is None


def test_repeat_asks_must_be_playbook_fields(service: HandoffService, cast: Cast, accepted: str) -> None:
    with pytest.raises(PacketInvalid) as exc:
        service.record_milestone(c.RecordMilestone(
            accepted, cast.csm, "checkin", {"rating": 3, "repeat_asks": ["goals", "budget"]}))
    assert exc.value.errors == {"budget": "not a field of this playbook"}
    assert service.get(accepted).milestones.rating is None


def test_an_unknown_follow_up_is_refused(service: HandoffService, cast: Cast, accepted: str) -> None:
    with pytest.raises(MissingInput):
        service.record_milestone(c.RecordMilestone(accepted, cast.csm, "lunch"))


def test_no_follow_ups_before_the_flip(service: HandoffService, cast: Cast, submitted: str) -> None:
    with pytest.raises(TransitionNotAllowed):
        service.record_milestone(c.RecordMilestone(submitted, cast.csm, "first_touch"))


def test_after_the_flip_the_ae_comments_but_cannot_edit(
    service: HandoffService, cast: Cast, accepted: str, store: FakeStore,
) -> None:
    with pytest.raises(NotPermitted):
        service.save_draft(c.SaveDraft(accepted, cast.ae, {"pains": "Spreadsheets"}))
    service.comment(c.AddComment(accepted, cast.ae, "Their CFO cares about SOC 2"))
    service.save_draft(c.SaveDraft(accepted, cast.csm, {"pains": "Spreadsheets"}))
    assert outbox(store)[-2:] == ["CommentAdded", "PacketEdited"]
    assert service.get(accepted).packet["pains"] == "Spreadsheets"


def test_a_manager_reassigns_before_acceptance(service: HandoffService, cast: Cast, submitted: str) -> None:
    service.reassign_csm(c.ReassignCsm(submitted, cast.cs_manager, "olga.csm@acme.test"))
    service.accept(c.AcceptHandoff(submitted, cast.other_csm))
    assert service.get(submitted).owner.email == "olga.csm@acme.test"


def test_cancel_and_close_end_a_handoff(service: HandoffService, cast: Cast, deal: MakeDeal, accepted: str) -> None:
    lost = service.open_handoff(c.OpenHandoff(deal("D-LOST"), cast.system)).handoff_id
    assert service.cancel(c.CancelHandoff(lost, cast.system, "Deal reopened")) is Status.CANCELLED
    assert service.close(c.CloseHandoff(accepted, cast.csm, "Live")) is Status.CLOSED


def test_metrics_read_what_the_store_holds(
    service: HandoffService, cast: Cast, accepted: str, clock: FrozenClock,
) -> None:
    (row,) = service.metrics(CLOSED_AT - timedelta(days=1), clock.now(), by=GroupBy.CSM)
    assert (row.group, row.handoffs, row.submitted, row.completion_rate) == ("carl.csm@acme.test", 1, 1, 1.0)
    assert (row.hours_to_submit, row.hours_to_accept) == (2.17, 3.0)


# -- racing writers -----------------------------------------------------------------------------

class InterleavedUnitOfWork(FakeUnitOfWork):
    """A unit of work that lets queued 'other writers' run just before it commits."""

    def __init__(self, store: FakeStore, writers: list[Callable[[], None]]) -> None:
        super().__init__(store)
        self._writers = writers

    def commit(self) -> None:
        if self._writers:
            self._writers.pop(0)()
        super().commit()


@pytest.fixture
def writers() -> list[Callable[[], None]]:
    return []


@pytest.fixture
def racing(
    playbook: Playbook, store: FakeStore, clock: FrozenClock, writers: list[Callable[[], None]],
) -> HandoffService:
    """A service whose commits can lose a race to the writers queued in `writers`."""
    return HandoffService(playbook=playbook, uow=lambda: InterleavedUnitOfWork(store, writers), clock=clock)


def test_a_commit_that_loses_a_race_is_retried_and_lands_once(
    racing: HandoffService, cast: Cast, submitted: str, store: FakeStore, writers: list[Callable[[], None]],
) -> None:
    def concurrent_writer() -> None:
        store.handoffs[submitted].version += 1

    writers.append(concurrent_writer)
    assert racing.accept(c.AcceptHandoff(submitted, cast.csm)) is Status.ACCEPTED
    assert writers == []
    assert outbox(store).count("OwnershipFlipped") == 1


def test_of_two_accepts_one_wins_and_the_other_is_refused_on_retry(
    racing: HandoffService, service: HandoffService, cast: Cast, submitted: str, store: FakeStore,
    writers: list[Callable[[], None]],
) -> None:
    writers.append(lambda: service.accept(c.AcceptHandoff(submitted, cast.csm)))
    with pytest.raises(TransitionNotAllowed):
        racing.accept(c.AcceptHandoff(submitted, cast.csm))
    handoff = service.get(submitted)
    assert handoff.status is Status.ACCEPTED
    assert outbox(store).count("OwnershipFlipped") == 1
    assert [a.action for a in handoff.audit].count("accept") == 1


def test_the_retry_rechecks_the_rules_against_the_winners_change(
    racing: HandoffService, service: HandoffService, cast: Cast, submitted: str, store: FakeStore,
    writers: list[Callable[[], None]],
) -> None:
    writers.append(lambda: service.cancel(c.CancelHandoff(submitted, cast.system, "Deal reopened")))
    with pytest.raises(TransitionNotAllowed):
        racing.escalate(c.EscalateHandoff(submitted, cast.csm, ("goals",), "Too vague"))
    assert service.get(submitted).status is Status.CANCELLED
    assert "HandoffEscalated" not in outbox(store)


def test_a_writer_that_keeps_losing_gives_up_after_three_tries(
    racing: HandoffService, cast: Cast, submitted: str, store: FakeStore, writers: list[Callable[[], None]],
) -> None:
    def bump() -> None:
        store.handoffs[submitted].version += 1

    writers.extend([bump, bump, bump])
    with pytest.raises(ConcurrencyConflict):
        racing.accept(c.AcceptHandoff(submitted, cast.csm))
    assert store.handoffs[submitted].status is Status.SUBMITTED
    assert "OwnershipFlipped" not in outbox(store)
