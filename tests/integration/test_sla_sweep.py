"""The SLA sweep on SQLite and PostgreSQL, driven by an injected clock: each ladder step goes out
once, at its time, to the right person; nothing after the condition is met; a day of downtime
catches up with one nudge per timer; budgets, digests, snoozes and time zones hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import commands as c
from core.events import SlaBreached
from storage.sweep import SlaSweeper
from storage.tables import OUTBOX, SLA_TIMERS
from tests.integration.sla_world import AE, MONDAY_9AM, SlaWorld, quiet_ladder, sla_playbook

H = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> SlaWorld:
    return SlaWorld(engine)


def test_an_untouched_packet_gets_reminder_due_repeat_and_escalation_once_each_in_order(world: SlaWorld) -> None:
    handoff_id = world.open()

    world.run_until(at(6, 18))

    assert [(n.step, n.recipient, n.at) for n in world.nudges()] == [
        ("remind", "ana@acme.test", at(3, 8)),  # 05:00 is the AE's night: held to 08:00
        ("due", "ana@acme.test", at(3, 9)),
        ("repeat_1", "ana@acme.test", at(4, 9)),
        ("escalate", "sam@acme.test", at(5, 9)),  # the sales manager, for the AE's timer
    ]
    handoff = world.service.get(handoff_id)
    assert handoff.sla_breaches == ["packet_due"]
    breach = [e for e in handoff.audit if e.action == "sla_breach"]
    assert len(breach) == 1 and breach[0].at == at(3, 9)
    assert all(s["status"] == "fired" for s in world.steps(handoff_id))


def test_sweeping_the_same_moment_again_sends_nothing(world: SlaWorld) -> None:
    world.open()
    world.clock.at = at(3, 9)
    first, again = world.sweep(), world.sweep()
    assert (first.fired, first.skipped, first.breaches) == (1, 1, 1)  # remind is superseded by due
    assert (again.claimed, again.fired, again.breaches) == (0, 0, 0)
    assert len(world.nudges()) == 1


def test_no_nudge_after_the_condition_is_met(world: SlaWorld) -> None:
    handoff_id = world.open()
    world.run_until(at(3, 8))
    world.clock.at = at(3, 13)
    world.submit(handoff_id)

    world.run_until(at(9, 18))

    packet = [s for s in world.steps(handoff_id) if s["timer"] == "packet_due"]
    assert [(s["step"], s["status"]) for s in packet] == [
        ("remind", "fired"), ("due", "cancelled"), ("repeat_1", "cancelled"), ("escalate", "cancelled"),
    ]
    assert [(n.step, n.recipient) for n in world.nudges()] == [
        ("remind", "ana@acme.test"),
        ("remind", "dan@acme.test"), ("due", "dan@acme.test"), ("repeat_1", "dan@acme.test"),  # now the CSM's turn
        ("escalate", "cleo@acme.test"),  # the CS manager, for the CSM's timer
    ]
    assert world.service.get(handoff_id).sla_breaches == ["acceptance_due"]


def test_a_process_down_for_a_day_catches_up_with_one_nudge_per_timer(world: SlaWorld) -> None:
    handoff_id = world.open()
    world.clock.at = at(4, 10)  # down since Monday: remind, due and repeat_1 all passed

    report = world.sweep()

    assert (report.fired, report.skipped, report.messages, report.breaches) == (1, 2, 1, 1)
    world.run_until(at(5, 8, 30))
    assert [n.step for n in world.nudges()] == ["repeat_1"]
    world.run_until(at(5, 9))
    assert [n.step for n in world.nudges()] == ["repeat_1", "escalate"]
    assert [s["status"] for s in world.steps(handoff_id)] == ["skipped", "skipped", "fired", "fired"]


def test_nudges_due_together_go_out_as_one_digest_high_touch_first(world: SlaWorld) -> None:
    small, big, other = world.open(), world.open(amount=250_000), world.open()
    world.clock.at = at(3, 9)

    report = world.sweep()

    assert (report.fired, report.messages) == (3, 1)
    (message,) = world.messages()
    assert [i["h"] for i in message.items] == [big, small, other]
    assert len(world.nudges()) == 3  # one outbox row per nudge, so each is written exactly once


def test_the_daily_budget_holds_the_rest_until_the_persons_next_morning(engine: Engine) -> None:
    world = SlaWorld(engine, sla_playbook(nudges=quiet_ladder(remind_before=None)), start=at(2, 8))
    handoffs = []
    for _ in range(8):  # due at 08:00, 09:00 ... 15:00 on Tuesday
        handoffs.append(world.open())
        world.clock.advance(hours=1)

    world.run_until(at(3, 18), every=H)

    assert [n.at for n in world.messages()] == [at(3, h) for h in range(8, 14)]  # six, then the budget is spent
    held = [world.step(h, "due") for h in handoffs[6:]]
    assert [(s["status"], s["fire_at"], s["note"]) for s in held] == [("pending", at(4, 8), "over the daily budget")] * 2

    world.run_until(at(4, 8))
    morning = world.messages()[-1]
    assert morning.at == at(4, 8) and {i["h"] for i in morning.items} == {handoffs[0], handoffs[6], handoffs[7]}


def test_a_snooze_delays_the_next_nudge_exactly_as_long_as_it_says(world: SlaWorld) -> None:
    handoff_id = world.open()
    world.run_until(at(3, 9, 30))
    (packet,) = world.sla.plan(world.service.get(handoff_id))
    world.sla.nudges.snooze(c.SnoozeNudge(handoff_id, AE, "packet_due", packet.cycle, "ana@acme.test"))

    world.run_until(at(3, 13, 15), every=timedelta(minutes=15))
    assert [n.step for n in world.nudges()] == ["remind", "due"]  # nothing while snoozed
    world.run_until(at(3, 13, 30), every=timedelta(minutes=15))
    assert [(n.step, n.at) for n in world.nudges()][-1] == ("snooze_20261103T133000Z", at(3, 13, 30))
    assert [e.action for e in world.service.get(handoff_id).audit].count("snooze") == 1


def test_learning_someones_time_zone_moves_their_nudges_into_their_working_day(world: SlaWorld) -> None:
    handoff_id = world.open()
    assert world.step(handoff_id, "due")["fire_at"] == at(3, 9)

    assert world.sla.learn_timezone("ana@acme.test", "Asia/Tokyo")

    assert world.step(handoff_id, "remind")["fire_at"] == at(3, 5)  # 14:00 in Tokyo
    assert world.step(handoff_id, "due")["fire_at"] == at(3, 9)  # 18:00 in Tokyo
    assert world.step(handoff_id, "repeat_1")["fire_at"] == at(4, 9)
    assert not world.sla.learn_timezone("ana@acme.test", "Asia/Tokyo")  # nothing new, nothing replanned


def test_a_sweep_killed_between_claim_and_commit_leaves_the_steps_claimable(world: SlaWorld) -> None:
    handoff_id = world.open()
    world.clock.at = at(3, 9)

    def killed(report: object) -> None:
        raise SystemExit("killed mid-sweep")

    doomed = SlaSweeper(engine=world.engine, planner=world.sla.planner, before_commit=killed)
    with pytest.raises(SystemExit):
        doomed.sweep(world.clock.now())
    assert {s["status"] for s in world.steps(handoff_id)} == {"pending"}
    assert world.nudges() == [] and world.service.get(handoff_id).sla_breaches == []

    assert world.sweep().fired == 1
    assert [n.step for n in world.nudges()] == ["due"] and world.service.get(handoff_id).sla_breaches == ["packet_due"]


def test_the_weekly_digest_is_queued_once_however_many_replicas_ask(world: SlaWorld) -> None:
    assert world.sla.enqueue_weekly_digest(at(9, 14))
    assert not world.sla.enqueue_weekly_digest(at(9, 14, 1))
    with Session(world.engine) as session:
        kinds = session.execute(select(OUTBOX.c.kind, func.count()).group_by(OUTBOX.c.kind)).all()
    assert dict(kinds)["WeeklyDigestDue"] == 1


def test_overdue_lists_deadlines_still_running_past_their_due_time(world: SlaWorld) -> None:
    late, done = world.open(), world.open()
    world.run_until(at(3, 10))
    world.submit(done)

    overdue = world.sla.overdue()

    assert [(o.handoff_id, o.timer, o.holders) for o in overdue] == [(late, "packet_due", ("ana@acme.test",))]


def test_replanning_every_unfinished_handoff_fills_a_queue_that_was_lost(world: SlaWorld) -> None:
    handoff_id = world.open()
    with Session(world.engine) as session, session.begin():
        session.execute(SLA_TIMERS.delete())

    assert world.sla.reconcile() == 1
    assert [s["step"] for s in world.steps(handoff_id)] == ["remind", "due", "repeat_1", "escalate"]
    assert world.step(handoff_id, "remind")["fire_at"] > MONDAY_9AM


def test_a_breach_is_an_event_in_the_outbox(world: SlaWorld) -> None:
    world.open()
    world.clock.at = at(3, 9)
    world.sweep()
    with Session(world.engine) as session:
        kinds = [k for (k,) in session.execute(select(OUTBOX.c.kind).order_by(OUTBOX.c.id))]
    assert kinds.count(SlaBreached.__name__) == 1
