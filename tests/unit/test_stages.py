"""Stage names match the way a RevOps person reads them."""

from __future__ import annotations

import pytest

from core.stages import matches, stage_key


@pytest.mark.parametrize("spelling", ["Closed Won", "closed_won", "closedwon", "CLOSED-WON", " Closed  won "])
def test_every_usual_spelling_of_closed_won_matches(spelling: str) -> None:
    assert matches(spelling, ["Closed Won"])


@pytest.mark.parametrize("other", ["Closed Lost", "closedlost", "Won", "", "   "])
def test_other_stages_do_not_match(other: str) -> None:
    assert not matches(other, ["Closed Won"])


def test_a_list_of_trigger_stages_matches_any_of_them() -> None:
    triggers = ["Closed Won", "contractsigned", "123456789"]
    assert matches("Contract Signed", triggers) and matches("123456789", triggers)
    assert stage_key("Closed-Won_now") == "closedwonnow"
