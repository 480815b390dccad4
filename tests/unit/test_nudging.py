"""What the sweep decides about the steps it claimed: cancel, reschedule, skip, or send, and
how what it sends is grouped (one digest per person, most important first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.business_time import WorkCalendar
from core.events import NudgeDue
from core.nudging import (
    Claimed,
    Decision,
    Outcome,
    digests,
    local_day,
    next_day_open,
    nudge_events,
    settle,
)
from core.playbook import QuietHours
from core.sla import Side, Step, Timer

NOW = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
H = timedelta(hours=1)


def timer(handoff_id: str, *steps: Step, due: datetime = NOW, high_touch: bool = False, name: str = "packet_due",
          ) -> Timer:
    return Timer(handoff_id=handoff_id, timer=name, cycle="c1", side=Side.AE, holders=("ae@x.test",),
                 started_at=due - 24 * H, due_at=due, prompt=False, high_touch=high_touch, steps=steps)


def step(name: str, rank: int, fire_at: datetime, recipient: str = "ae@x.test") -> Step:
    return Step(name, rank, recipient, fire_at, escalation=name == "escalate")


def row(n: int, handoff_id: str, name: str, fire_at: datetime, recipient: str = "ae@x.test",
        timer_name: str = "packet_due") -> Claimed:
    return Claimed(n, handoff_id, timer_name, "c1", name, recipient, fire_at)


def outcomes(decisions: list[Decision]) -> dict[int, tuple[Outcome, str]]:
    return {d.row.id: (d.outcome, d.note) for d in decisions}


def test_a_step_whose_timer_stopped_is_cancelled_and_a_moved_one_goes_back_in_the_queue() -> None:
    plans = {"h1": [timer("h1", step("due", 1, NOW + 4 * H))]}
    decided = settle([row(1, "h1", "due", NOW), row(2, "h2", "due", NOW)], plans, NOW)

    by_id = {d.row.id: d for d in decided}
    assert (by_id[1].outcome, by_id[1].fire_at) == (Outcome.RESCHEDULE, NOW + 4 * H)  # snoozed since
    assert by_id[2].outcome is Outcome.CANCEL  # h2's packet was submitted


def test_after_a_day_down_only_the_latest_step_of_each_timer_goes_out() -> None:
    steps = [step("remind", 0, NOW - 28 * H), step("due", 1, NOW - 24 * H), step("repeat_1", 2, NOW)]
    plans = {"h1": [timer("h1", *steps, due=NOW - 24 * H)]}
    rows = [row(n, "h1", s.name, s.fire_at) for n, s in enumerate(steps)]

    decided = outcomes(settle(rows, plans, NOW))

    assert decided == {0: (Outcome.SKIP, "superseded by repeat_1"), 1: (Outcome.SKIP, "superseded by repeat_1"),
                       2: (Outcome.FIRE, "")}


def test_the_escalation_is_the_managers_own_and_is_not_swallowed_by_the_holders_nudge() -> None:
    steps = [step("repeat_1", 2, NOW - H), step("escalate", 100, NOW, recipient="boss@x.test")]
    plans = {"h1": [timer("h1", *steps)]}
    rows = [row(1, "h1", "repeat_1", NOW - H), row(2, "h1", "escalate", NOW, recipient="boss@x.test")]

    assert {o for o, _ in outcomes(settle(rows, plans, NOW)).values()} == {Outcome.FIRE}


def test_steps_due_soon_join_a_persons_digest_only_when_something_is_due_now() -> None:
    soon, later = NOW + timedelta(minutes=10), NOW + timedelta(minutes=5)
    plans = {
        "h1": [timer("h1", step("due", 1, NOW))],
        "h2": [timer("h2", step("due", 1, soon))],
        "h3": [timer("h3", step("due", 1, later, recipient="csm@x.test"))],
    }
    rows = [row(1, "h1", "due", NOW), row(2, "h2", "due", soon), row(3, "h3", "due", later, recipient="csm@x.test")]

    decided = outcomes(settle(rows, plans, NOW, horizon=NOW + timedelta(minutes=15)))

    assert decided[1][0] is Outcome.FIRE and decided[2][0] is Outcome.FIRE
    assert decided[3] == (Outcome.RESCHEDULE, "not due yet")  # the CSM has nothing due now


def test_one_digest_per_person_high_touch_first_then_the_most_overdue() -> None:
    plans = {
        "late": [timer("late", step("due", 1, NOW), due=NOW - 30 * H)],
        "fresh": [timer("fresh", step("due", 1, NOW), due=NOW)],
        "big": [timer("big", step("due", 1, NOW), due=NOW - H, high_touch=True)],
        "other": [timer("other", step("due", 1, NOW, recipient="csm@x.test"))],
    }
    rows = [row(1, "fresh", "due", NOW), row(2, "late", "due", NOW), row(3, "big", "due", NOW),
            row(4, "other", "due", NOW, recipient="csm@x.test")]

    grouped = digests([d for d in settle(rows, plans, NOW) if d.outcome is Outcome.FIRE], NOW)

    assert [(g.recipient, [d.row.handoff_id for d in g.items]) for g in grouped] == [
        ("ae@x.test", ["big", "late", "fresh"]), ("csm@x.test", ["other"]),
    ]


def test_each_nudge_gets_its_own_outbox_key_and_the_first_carries_the_digest() -> None:
    plans = {"a": [timer("a", step("due", 1, NOW))], "b": [timer("b", step("repeat_1", 2, NOW))]}
    fired = settle([row(1, "a", "due", NOW), row(2, "b", "repeat_1", NOW)], plans, NOW)
    (digest,) = digests(fired, NOW)

    lead, folded = nudge_events(digest, NOW)

    assert isinstance(lead, NudgeDue) and lead.lead and not folded.lead and folded.items == ()
    assert [i["h"] for i in lead.items] == ["a", "b"]
    assert lead.key == "a:nudge:packet_due:c1:due:ae@x.test"
    assert folded.key == "b:nudge:packet_due:c1:repeat_1:ae@x.test"


def test_a_budget_day_is_the_recipients_own_and_over_budget_waits_for_their_next_morning() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    calendar = WorkCalendar.from_quiet_hours(QuietHours())
    friday_night_utc = datetime(2026, 11, 6, 16, 0, tzinfo=UTC)  # already Saturday 01:00 in Tokyo

    assert local_day(friday_night_utc, tokyo) == "2026-11-07"
    assert next_day_open(friday_night_utc, calendar, tokyo) == datetime(2026, 11, 8, 23, 0, tzinfo=UTC)  # Mon 08:00
