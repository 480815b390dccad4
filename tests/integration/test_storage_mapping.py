"""Row mapping round trips, for awkward values a scenario would not think of (no database needed:
the JSON columns store exactly what json.dumps/loads give back)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.deal import Deal
from core.handoff import Escalation, Handoff, OverrideRequest
from core.machine import Status
from core.milestones import Milestones
from core.people import Person
from storage.mapping import from_row, to_row

JSON_COLUMNS = ("deal", "required_fields", "packet", "overrides", "escalations", "milestones", "sla_breaches")

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=offsets)
texts = st.text(max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts, lambda inner: st.lists(inner, max_size=3), max_leaves=5,
)


@st.composite
def handoffs(draw: st.DrawFn) -> Handoff:
    deal = Deal(
        id=draw(texts), name=draw(texts), account=draw(texts),
        amount=draw(st.decimals(allow_nan=False, allow_infinity=False)), currency="EUR", stage="Closed Won",
        closed_at=draw(moments), ae_email=draw(texts), csm_email=draw(st.none() | texts),
        fields=draw(st.dictionaries(texts, json_values, max_size=3)),
    )
    maybe_moment = st.none() | moments
    return Handoff(
        id=draw(texts), deal=deal, segment=draw(texts), ae=Person.of(draw(texts), slack=draw(st.none() | texts), teams=draw(st.none() | texts)),
        csm=Person(draw(texts)), required_fields=tuple(draw(st.lists(texts, max_size=3))), opened_at=draw(moments),
        status=draw(st.sampled_from(Status)), packet=draw(st.dictionaries(texts, json_values, max_size=4)),
        version=draw(st.integers(0, 10**6)), first_submitted_at=draw(maybe_moment),
        submitted_complete=draw(st.none() | st.booleans()), accepted_at=draw(maybe_moment),
        overrides=[OverrideRequest(draw(texts), draw(texts), ("a",), draw(moments), draw(st.none() | texts),
                                   draw(st.none() | st.booleans()), draw(texts), draw(maybe_moment))],
        escalations=draw(st.lists(st.builds(Escalation, texts, moments, st.tuples(texts), texts), max_size=2)),
        milestones=Milestones(first_touch_at=draw(maybe_moment), kickoff_on=draw(st.none() | st.dates()),
                              rating=draw(st.none() | st.integers(1, 5)), repeat_asks=tuple(draw(st.lists(texts, max_size=2)))),
        sla_breaches=draw(st.lists(texts, max_size=3)),
    )


@given(handoffs())
def test_a_handoff_survives_row_and_json_unchanged(handoff: Handoff) -> None:
    row = to_row(handoff) | {"version": handoff.version}
    stored = row | {k: json.loads(json.dumps(row[k])) for k in JSON_COLUMNS}
    loaded = from_row(stored, [])
    for name in ("id", "deal", "segment", "ae", "csm", "required_fields", "opened_at", "status", "packet",
                 "version", "first_submitted_at", "submitted_complete", "accepted_at", "overrides",
                 "escalations", "milestones", "sla_breaches"):
        assert getattr(loaded, name) == getattr(handoff, name), name
    assert loaded.opened_at.tzinfo is UTC and loaded.deal.amount == handoff.deal.amount
    assert to_row(loaded) == to_row(handoff)  # so a loaded handoff never looks changed


def test_decimal_amounts_keep_their_scale() -> None:
    row = to_row(Handoff(
        id="h", deal=Deal("d", "n", "a", Decimal("1200.50"), "USD", "won", datetime(2026, 1, 1, tzinfo=UTC), "ae@x"),
        segment="smb", ae=Person("ae@x"), csm=Person("csm@x"), required_fields=(), opened_at=datetime.now(UTC),
    ))
    assert row["deal"]["amount"] == "1200.50"
