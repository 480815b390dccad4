"""The SLA planner: which timers run, who holds the ball, and when each ladder step fires,
in each recipient's own time zone (an AE in Tokyo, a CSM in New York)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.handoff import Handoff
from core.machine import Trigger
from core.people import Person
from core.playbook import Ladder, Playbook, Roles, Sla, Slas
from core.sla import Side, SlaPlanner, Timer, may_snooze
from tests.unit.conftest import FULL_PACKET, REQUIRED, Cast, make_deal

ZONES = {"ana.ae@acme.test": "Asia/Tokyo", "carl.csm@acme.test": "America/New_York"}
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # 09:00 in Tokyo, 19:00 on Sunday in New York


def tz_of(person: str) -> str | None:
    return ZONES.get(person.lower())


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def opened(cast: Cast, when: datetime = MONDAY, *, segment: str = "smb") -> Handoff:
    return Handoff.open(
        handoff_id="ho_1", deal=make_deal(closed_at=when - timedelta(minutes=5)), segment=segment,
        ae=Person("ana.ae@acme.test"), csm=Person.of("carl.csm@acme.test", slack="U0CSM"),
        required_fields=REQUIRED, actor=cast.system, at=when,
    )


def submitted(cast: Cast, when: datetime) -> Handoff:
    h = opened(cast)
    h.edit_packet(FULL_PACKET, actor=cast.ae, at=when - timedelta(minutes=1))
    h.fire(Trigger.SUBMIT, actor=cast.ae, at=when)
    return h


def accepted(cast: Cast, when: datetime) -> Handoff:
    h = submitted(cast, when - timedelta(hours=1))
    h.fire(Trigger.ACCEPT, actor=cast.csm, at=when)
    return h


def timers(planner: SlaPlanner, h: Handoff) -> dict[str, Timer]:
    return {t.timer: t for t in planner.plan(h, tz_of)}


def steps(timer: Timer) -> list[tuple[str, str, datetime]]:
    return [(s.name, s.recipient, s.fire_at) for s in timer.steps]


@pytest.fixture
def planner(playbook: Playbook) -> SlaPlanner:
    return SlaPlanner(playbook)


def test_an_untouched_packet_nags_the_ae_in_tokyo_then_escalates_to_the_sales_manager(
    planner: SlaPlanner, cast: Cast,
) -> None:
    packet = timers(planner, opened(cast))["packet_due"]

    assert (packet.side, packet.holders, packet.due_at) == (Side.AE, ("ana.ae@acme.test",), at(3, 0))
    assert steps(packet) == [
        ("remind", "ana.ae@acme.test", at(2, 23)),  # due-4h is 05:00 in Tokyo: held to 08:00
        ("due", "ana.ae@acme.test", at(3, 0)),  # 09:00 Tuesday in Tokyo
        ("repeat_1", "ana.ae@acme.test", at(4, 0)),
        ("escalate", "U0SM", at(5, 8)),  # after two misses; 00:00 UTC is night for the manager (UTC)
    ]
    assert packet.step("escalate", "U0SM").escalation  # type: ignore[union-attr]


def test_submission_stops_the_packet_timer_and_starts_the_new_york_csms(planner: SlaPlanner, cast: Cast) -> None:
    running = timers(planner, submitted(cast, at(2, 20)))  # 15:00 in New York

    assert set(running) == {"acceptance_due"}
    acceptance = running["acceptance_due"]
    assert (acceptance.side, acceptance.due_at) == (Side.CSM, at(3, 20))
    assert steps(acceptance) == [
        ("remind", "carl.csm@acme.test", at(3, 16)),  # 11:00 in New York
        ("due", "carl.csm@acme.test", at(3, 20)),
        ("repeat_1", "carl.csm@acme.test", at(4, 20)),
        ("escalate", "cleo.cs@acme.test", at(6, 8)),  # the CS manager (UTC): held to the morning
    ]


def test_a_managers_decision_is_due_in_business_hours_and_escalates_to_revops(
    planner: SlaPlanner, cast: Cast,
) -> None:
    h = opened(cast)
    h.edit_packet({"goals": FULL_PACKET["goals"]}, actor=cast.ae, at=at(6, 16))
    h.fire(Trigger.REQUEST_OVERRIDE, actor=cast.ae, at=at(6, 17), reason="Champion on leave")  # Friday 17:00

    decision = timers(planner, h)["override_decision_due"]

    assert decision.side is Side.MANAGERS and decision.holders == ("U0SM", "cleo.cs@acme.test")
    assert decision.due_at == at(9, 14)  # 2h on Friday, 6h on Monday
    assert decision.step("remind", "U0SM").fire_at == at(9, 10)  # type: ignore[union-attr]
    assert decision.step("repeat_1", "cleo.cs@acme.test").fire_at == at(10, 14)  # type: ignore[union-attr]
    assert decision.step("escalate", "@revops").fire_at == at(11, 14)  # type: ignore[union-attr]


def test_after_the_flip_the_csm_has_first_touch_kickoff_and_check_in_timers(planner: SlaPlanner, cast: Cast) -> None:
    h = accepted(cast, at(3, 15))  # Tuesday 10:00 in New York
    running = timers(planner, h)

    assert set(running) == {"first_touch_due", "kickoff_due", "checkin_after"}
    assert running["first_touch_due"].due_at == h.deal.closed_at + timedelta(hours=48)
    assert running["kickoff_due"].due_at == at(10, 15)  # five working days, same local time
    checkin = running["checkin_after"]
    assert checkin.prompt and checkin.due_at == at(3, 15) + timedelta(days=30)
    assert [s.name for s in checkin.steps] == ["due", "repeat_1", "escalate"]  # a prompt has no heads-up


def test_a_recorded_follow_up_stops_its_timer_and_the_kickoff_starts_the_feedback_one(
    planner: SlaPlanner, cast: Cast,
) -> None:
    h = accepted(cast, at(3, 15))
    h.record_milestone("first_touch", actor=cast.csm, at=at(3, 16))
    h.record_milestone("kickoff", actor=cast.csm, at=at(4, 15), on=date(2026, 11, 9))

    running = timers(planner, h)

    assert set(running) == {"feedback_after", "checkin_after"}
    feedback = running["feedback_after"]
    assert feedback.started_at == at(9, 13)  # the kickoff day, 08:00 in New York
    assert feedback.due_at == at(23, 13) and feedback.cycle == "20261109T130000Z"


def test_a_packet_sent_back_starts_a_new_cycle_from_the_escalation(planner: SlaPlanner, cast: Cast) -> None:
    first = timers(planner, opened(cast))["packet_due"]
    h = submitted(cast, at(2, 20))
    h.fire(Trigger.ESCALATE, actor=cast.csm, at=at(3, 14), reason="Who signs off on go-live?")

    again = timers(planner, h)["packet_due"]

    assert again.started_at == at(3, 14) and again.due_at == at(4, 14)
    assert again.cycle != first.cycle


def test_nobody_named_for_escalation_means_the_managers_channel(playbook: Playbook, cast: Cast) -> None:
    book = playbook.model_copy(update={"roles": Roles(), "channels": playbook.channels.model_copy(
        update={"managers_channel": "revops"})})
    packet = timers(SlaPlanner(book), opened(cast))["packet_due"]
    assert packet.step("escalate", "#revops") is not None


def test_a_segment_and_a_timer_can_bring_their_own_ladder(playbook: Playbook, cast: Cast) -> None:
    quiet = Ladder(remind_before=None, repeat_every="6h", misses_before_escalation=3, escalate=False)
    slas = Slas(packet_due=Sla(after="12h", ladder=quiet))
    book = playbook.model_copy(update={"segments": [
        s.model_copy(update={"slas": slas}) if s.id == "enterprise" else s for s in playbook.segments]})

    (packet,) = [t for t in SlaPlanner(book).plan(opened(cast, segment="enterprise"), lambda _: None)]

    assert packet.high_touch and packet.due_at == at(2, 12)
    assert [(s.name, s.fire_at) for s in packet.steps] == [
        ("due", at(2, 12)), ("repeat_1", at(2, 18)), ("repeat_2", at(3, 8)),  # midnight waits for 08:00
    ]


def test_a_snooze_holds_that_persons_nudges_exactly_that_long_and_never_the_escalation(
    planner: SlaPlanner, cast: Cast,
) -> None:
    h = opened(cast)
    packet = timers(planner, h)["packet_due"]
    h.record_snooze("packet_due", packet.cycle, "ana.ae@acme.test", until=at(3, 4), actor=cast.ae, at=at(3, 0))

    after = timers(planner, h)["packet_due"]

    assert steps(after) == [
        ("remind", "ana.ae@acme.test", at(3, 4)),
        ("due", "ana.ae@acme.test", at(3, 4)),
        ("repeat_1", "ana.ae@acme.test", at(4, 0)),  # after the snooze ends: unchanged
        ("snooze_20261103T040000Z", "ana.ae@acme.test", at(3, 4)),  # 13:00 in Tokyo, four hours on
        ("escalate", "U0SM", at(5, 8)),
    ]


def test_only_the_person_a_nudge_is_for_may_snooze_it(planner: SlaPlanner, cast: Cast) -> None:
    packet = timers(planner, opened(cast))["packet_due"]

    assert may_snooze(packet, "ana.ae@acme.test", actor_id="U0AE", actor_email="Ana.AE@acme.test")
    assert not may_snooze(packet, "ana.ae@acme.test", actor_id="U0CSM", actor_email="carl.csm@acme.test")
    assert not may_snooze(packet, "U0SM", actor_id="U0SM", actor_email=None)  # an escalation


def test_a_finished_handoff_runs_no_timers(planner: SlaPlanner, cast: Cast) -> None:
    h = opened(cast)
    h.fire(Trigger.CANCEL, actor=cast.system, at=at(2, 3), reason="Deal reopened")
    assert planner.plan(h, tz_of) == []
