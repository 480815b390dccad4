"""Handoff metrics and the red flags RevOps reviews every week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.handoff import Handoff, facts_of
from core.machine import Status
from core.metrics import GroupBy, HandoffFacts, Metrics, compute
from core.playbook import Thresholds

CLOSED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEFAULTS = Thresholds()


def fact(n: int = 1, **overrides: Any) -> HandoffFacts:
    """A handoff submitted complete after 2h, accepted 3h later, first touch 24h after close."""
    values: dict[str, Any] = {
        "handoff_id": f"ho_{n}", "segment": "smb", "ae_email": "ana@acme.test", "csm_email": "carl@acme.test",
        "closed_at": CLOSED, "opened_at": CLOSED,
        "first_submitted_at": CLOSED + timedelta(hours=2), "submitted_complete": True, "overridden": False,
        "accepted_at": CLOSED + timedelta(hours=5), "first_touch_at": CLOSED + timedelta(hours=24),
        "escalations": 0, "sla_breaches": 0, "rating": None, "repeat_asks": 0,
    }
    return HandoffFacts(**(values | overrides))


def overall(facts: list[HandoffFacts], thresholds: Thresholds = DEFAULTS) -> Metrics:
    (row,) = compute(facts, by=GroupBy.ALL, thresholds=thresholds)
    return row


def some(count: int, hits: int, hit: dict[str, Any], miss: dict[str, Any] | None = None) -> list[HandoffFacts]:
    """`count` handoffs of which the first `hits` have the `hit` values."""
    return [fact(i, **(hit if i < hits else (miss or {}))) for i in range(count)]


OVERRIDDEN = {"submitted_complete": False, "overridden": True}


def test_no_handoffs_gives_an_empty_row_without_flags() -> None:
    row = overall([])
    assert (row.group, row.handoffs, row.submitted) == ("all", 0, 0)
    assert row.completion_rate is row.hours_to_submit is row.avg_rating is row.escalation_rate is None
    assert row.red_flags == ()


def test_no_handoffs_grouped_by_segment_gives_no_rows() -> None:
    assert compute([], by=GroupBy.SEGMENT, thresholds=DEFAULTS) == []


def test_completion_rate_counts_complete_submissions_without_an_override() -> None:
    facts = [*some(4, 1, OVERRIDDEN), fact(9, first_submitted_at=None, submitted_complete=None, accepted_at=None)]
    row = overall(facts)
    assert (row.handoffs, row.submitted) == (5, 4)
    assert row.completion_rate == 0.75
    assert row.override_rate == 0.25


def test_unsubmitted_handoffs_do_not_count_against_completion() -> None:
    draft = fact(2, first_submitted_at=None, submitted_complete=None, accepted_at=None, first_touch_at=None)
    assert overall([fact(1), draft]).completion_rate == 1.0


def test_times_are_medians_in_hours() -> None:
    facts = [
        fact(1, first_submitted_at=CLOSED + timedelta(hours=1), accepted_at=CLOSED + timedelta(hours=2),
             first_touch_at=CLOSED + timedelta(hours=10)),
        fact(2, first_submitted_at=CLOSED + timedelta(hours=3), accepted_at=CLOSED + timedelta(hours=7),
             first_touch_at=CLOSED + timedelta(hours=20)),
        fact(3, first_submitted_at=CLOSED + timedelta(hours=50), accepted_at=CLOSED + timedelta(hours=100),
             first_touch_at=CLOSED + timedelta(hours=200)),
        fact(4, first_submitted_at=None, submitted_complete=None, accepted_at=None, first_touch_at=None),
    ]
    row = overall(facts)
    assert (row.hours_to_submit, row.hours_to_accept, row.hours_to_first_touch) == (3.0, 4.0, 20.0)


def test_time_to_submit_runs_from_opening_and_first_touch_from_close() -> None:
    late_open = fact(opened_at=CLOSED + timedelta(hours=1), first_submitted_at=CLOSED + timedelta(hours=1, minutes=30))
    row = overall([late_open])
    assert row.hours_to_submit == 0.5
    assert row.hours_to_first_touch == 24.0


def test_escalation_repeat_ask_and_rating_figures() -> None:
    facts = [
        fact(1, escalations=2, rating=4, repeat_asks=0),
        fact(2, escalations=0, rating=3, repeat_asks=2),
        fact(3, escalations=0, rating=None, repeat_asks=0, sla_breaches=2),
        fact(4, escalations=1, rating=5, repeat_asks=0, sla_breaches=1),
    ]
    row = overall(facts)
    assert row.escalation_rate == 0.5
    assert row.repeat_ask_rate == round(1 / 3, 4)  # of the handoffs that had a check-in
    assert row.avg_rating == 4.0
    assert row.sla_breaches == 3


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        (GroupBy.SEGMENT, {"enterprise": 1, "smb": 2}),
        (GroupBy.AE, {"ana@acme.test": 2, "bo@acme.test": 1}),
        (GroupBy.CSM, {"carl@acme.test": 1, "olga@acme.test": 2}),
    ],
)
def test_metrics_group_by_segment_ae_or_csm_sorted_by_name(by: GroupBy, groups: dict[str, int]) -> None:
    facts = [
        fact(1, segment="smb", ae_email="ana@acme.test", csm_email="olga@acme.test"),
        fact(2, segment="enterprise", ae_email="bo@acme.test", csm_email="carl@acme.test"),
        fact(3, segment="smb", ae_email="ana@acme.test", csm_email="olga@acme.test", **OVERRIDDEN),
    ]
    rows = compute(facts, by=by, thresholds=DEFAULTS)
    assert [(r.group, r.handoffs) for r in rows] == list(groups.items())
    assert sum(r.submitted for r in rows) == 3


# -- red flags, at and around each threshold ---------------------------------------------------

def flags(row: Metrics, word: str) -> list[str]:
    return [f for f in row.red_flags if f.startswith(word)]


@pytest.mark.parametrize(("complete", "flagged"), [(84, True), (85, False), (86, False)])
def test_completion_is_flagged_under_85_percent(complete: int, flagged: bool) -> None:
    row = overall(some(100, 100 - complete, OVERRIDDEN))
    assert row.completion_rate == complete / 100
    expected = [f"completion rate {complete}% is under 85%"] if flagged else []
    assert flags(row, "completion") == expected


@pytest.mark.parametrize(("hours", "flagged"), [(47.99, False), (48, False), (48.01, True), (49, True)])
def test_first_touch_is_flagged_over_48_hours(hours: float, flagged: bool) -> None:
    row = overall([fact(first_touch_at=CLOSED + timedelta(hours=hours))])
    assert bool(flags(row, "time to first touch")) is flagged


def test_a_first_touch_flag_says_how_late() -> None:
    row = overall([fact(first_touch_at=CLOSED + timedelta(hours=72))])
    assert row.red_flags == ("time to first touch 72h is over 48h",)


@pytest.mark.parametrize(("escalated", "flagged"), [(19, False), (20, False), (21, True)])
def test_escalations_are_flagged_over_20_percent(escalated: int, flagged: bool) -> None:
    row = overall(some(100, escalated, {"escalations": 1}))
    expected = [f"escalation rate {escalated}% is over 20%"] if flagged else []
    assert flags(row, "escalation") == expected


@pytest.mark.parametrize(("overridden", "flagged"), [(15, False), (16, True)])
def test_overrides_are_flagged_over_15_percent(overridden: int, flagged: bool) -> None:
    row = overall(some(100, overridden, OVERRIDDEN))
    assert bool(flags(row, "override rate")) is flagged


@pytest.mark.parametrize(("repeats", "flagged"), [(10, False), (11, True)])
def test_repeat_asks_are_flagged_over_10_percent(repeats: int, flagged: bool) -> None:
    row = overall(some(100, repeats, {"rating": 4, "repeat_asks": 1}, {"rating": 4}))
    expected = [f"repeat-ask rate {repeats}% is over 10%"] if flagged else []
    assert flags(row, "repeat-ask") == expected


@pytest.mark.parametrize(("ratings", "flagged"), [((3, 4), False), ((3, 3, 4, 4, 3, 4), False), ((3, 4, 3), True)])
def test_packet_quality_is_flagged_under_3_and_a_half(ratings: tuple[int, ...], flagged: bool) -> None:
    row = overall([fact(i, rating=r) for i, r in enumerate(ratings)])
    expected = [f"packet quality {row.avg_rating:g}/5 is under 3.5"] if flagged else []
    assert flags(row, "packet quality") == expected


def test_a_healthy_week_raises_no_flags() -> None:
    assert overall([fact(i, rating=5) for i in range(10)]).red_flags == ()


def test_the_playbooks_thresholds_decide_the_flags() -> None:
    strict = Thresholds(completion_rate_min=0.95, escalation_rate_max=0.05)
    row = overall(some(10, 1, OVERRIDDEN | {"escalations": 1}), strict)
    assert row.red_flags == ("completion rate 90% is under 95%", "escalation rate 10% is over 5%")


def test_a_real_handoff_projects_onto_its_facts(walk: Callable[..., Handoff]) -> None:
    handoff = walk(Status.ACCEPTED, complete=False)
    facts = facts_of(handoff)
    assert (facts.submitted_complete, facts.overridden) == (False, True)
    assert facts.first_submitted_at == handoff.first_submitted_at
    assert facts.accepted_at == handoff.accepted_at
    assert facts.closed_at == handoff.deal.closed_at
    assert (facts.ae_email, facts.csm_email, facts.segment) == ("ana.ae@acme.test", "carl.csm@acme.test", "smb")
