"""Routing: which tier a closed deal lands in, and which CSM takes it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from core.deal import Deal
from core.errors import NoCsmAvailable
from core.playbook import Playbook
from core.routing import assign_csm, route_segment

MakeDeal = Callable[..., Deal]


@pytest.mark.parametrize("crm_segment", ["enterprise", "Enterprise", " STRATEGIC ", "small business"])
def test_the_crms_segment_wins_over_the_amount(crm_segment: str, playbook: Playbook, deal: MakeDeal) -> None:
    expected = "smb" if crm_segment == "small business" else "enterprise"
    other_amount = Decimal("500000") if expected == "smb" else Decimal("1000")
    assert route_segment(playbook, deal(segment=crm_segment, amount=other_amount)) == expected


def test_an_unknown_crm_segment_falls_back_to_the_amount(playbook: Playbook, deal: MakeDeal) -> None:
    assert route_segment(playbook, deal(segment="Public Sector", amount=Decimal("75000"))) == "mid"


@pytest.mark.parametrize(
    ("amount", "segment"),
    [
        ("0", "smb"),
        ("49999.99", "smb"),
        ("50000", "mid"),  # a lower bound takes the deal
        ("99999.99", "mid"),
        ("100000", "enterprise"),  # an upper bound does not
        ("2500000", "enterprise"),
    ],
)
def test_the_amount_picks_the_tier_min_inclusive_max_exclusive(
    amount: str, segment: str, playbook: Playbook, deal: MakeDeal,
) -> None:
    assert route_segment(playbook, deal(amount=Decimal(amount))) == segment


def test_a_deal_no_tier_takes_goes_to_the_default_segment(deal: MakeDeal) -> None:
    playbook = Playbook.model_validate({
        "default_segment": "standard",
        "segments": [
            {"id": "standard", "label": "Standard"},
            {"id": "big", "label": "Big", "min_amount": "100000"},
        ],
        "sections": [{"id": "s", "title": "S", "fields": [{"id": "goals", "label": "Goals", "type": "text"}]}],
    })
    assert route_segment(playbook, deal(amount=Decimal("5000"))) == "standard"
    assert route_segment(playbook, deal(amount=Decimal("100000"))) == "big"


POOL = ["carl@acme.test", "olga@acme.test", "erin@acme.test"]


def test_a_csm_named_in_the_crm_wins() -> None:
    assert assign_csm(pool=POOL, named="zoe@acme.test", load={}, last_assigned=None, segment="smb") == "zoe@acme.test"


def test_a_named_csm_is_used_even_when_the_pool_is_empty() -> None:
    assert assign_csm(pool=[], named="zoe@acme.test", load={}, last_assigned=None, segment="smb") == "zoe@acme.test"


def test_the_least_loaded_csm_takes_the_deal() -> None:
    load = {"carl@acme.test": 4, "olga@acme.test": 1, "erin@acme.test": 2}
    assert assign_csm(pool=POOL, named=None, load=load, last_assigned=None, segment="smb") == "olga@acme.test"


def test_a_csm_missing_from_the_load_has_none() -> None:
    load = {"carl@acme.test": 1, "olga@acme.test": 1}
    assert assign_csm(pool=POOL, named=None, load=load, last_assigned=None, segment="smb") == "erin@acme.test"


def test_load_is_matched_whatever_the_pools_spelling() -> None:
    pool = ["Carl@ACME.test", "Olga@acme.test"]
    load = {"carl@acme.test": 3}
    assert assign_csm(pool=pool, named=None, load=load, last_assigned=None, segment="smb") == "Olga@acme.test"


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (None, "carl@acme.test"),
        ("carl@acme.test", "olga@acme.test"),
        ("OLGA@acme.test", "erin@acme.test"),
        ("erin@acme.test", "carl@acme.test"),  # wraps around
        ("gone@acme.test", "carl@acme.test"),  # someone who left the pool
    ],
)
def test_equal_loads_rotate_after_whoever_was_assigned_last(last: str | None, expected: str) -> None:
    load = {c: 2 for c in POOL}
    assert assign_csm(pool=POOL, named=None, load=load, last_assigned=last, segment="smb") == expected


def test_the_rotation_skips_csms_who_are_busier() -> None:
    load = {"carl@acme.test": 0, "olga@acme.test": 5, "erin@acme.test": 0}
    picked = assign_csm(pool=POOL, named=None, load=load, last_assigned="carl@acme.test", segment="smb")
    assert picked == "erin@acme.test"


def test_an_empty_pool_and_no_named_csm_says_so() -> None:
    with pytest.raises(NoCsmAvailable) as exc:
        assign_csm(pool=[], named=None, load={}, last_assigned=None, segment="enterprise")
    assert exc.value.segment == "enterprise"
    assert str(exc.value) == "no CSM available for segment 'enterprise'"
