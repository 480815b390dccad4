"""What the AE decided about drafted values, decided once in core for Slack and Teams."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_playbook
from core.draft_review import ALL_OF_THEM, decide_review
from core.drafting import Conflict, Draft, Suggestion
from core.playbook import Playbook


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    """The shipped playbook: its goals are long text, its kickoff a date."""
    return load_playbook(Path(__file__).resolve().parents[2] / "app.yaml")


def draft(*suggestions: Suggestion, conflicts: tuple[Conflict, ...] = ()) -> Draft:
    return Draft(suggestions=suggestions, conflicts=conflicts, dropped=(), model="m", prompt_version="v1",
                 parts=1, proposed=len(suggestions))


GOALS = Suggestion("customer_goals", "One order system by Q2.", ("one order system by Q2",))
RISKS = Suggestion("risks", "Change freeze in December.", ("change freeze",))
TWO_GOALS = Conflict("customer_goals", (Suggestion("customer_goals", "Cut costs.", ("cut costs",)),
                                        Suggestion("customer_goals", "Grow in Asia.", ("grow in asia",))))


def test_kept_changed_and_dropped_values_each_leave_their_fate(playbook: Playbook) -> None:
    decision = decide_review(draft(GOALS, RISKS), playbook, picks={},
                             kept={"customer_goals": (True, " One order system by Q2. "), "risks": (False, "x")})
    assert decision.values == {"customer_goals": " One order system by Q2. "}
    assert [(r.field_id, r.accepted, r.edited) for r in decision.reviewed] == [
        ("customer_goals", True, False), ("risks", False, False)]  # spacing is no change


def test_a_kept_box_with_the_value_emptied_is_a_drop_and_an_edit_is_recorded(playbook: Playbook) -> None:
    decision = decide_review(draft(GOALS, RISKS), playbook, picks={},
                             kept={"customer_goals": (True, ""), "risks": (True, "Freeze Dec 15 - Jan 10.")})
    assert decision.values == {"risks": "Freeze Dec 15 - Jan 10."}
    assert [(r.field_id, r.accepted, r.edited) for r in decision.reviewed] == [
        ("customer_goals", False, False), ("risks", True, True)]


def test_what_was_not_shown_is_neither_kept_nor_rejected(playbook: Playbook) -> None:
    decision = decide_review(draft(GOALS, RISKS, conflicts=(TWO_GOALS,)), playbook, kept={}, picks={})
    assert decision.values == {} and decision.reviewed == ()


def test_a_conflict_keeps_one_option_all_of_them_for_long_text_or_none(playbook: Playbook) -> None:
    one = decide_review(draft(conflicts=(TWO_GOALS,)), playbook, kept={}, picks={"customer_goals": "1"})
    assert one.values == {"customer_goals": "Grow in Asia."} and one.reviewed[0].quotes == ("grow in asia",)
    both = decide_review(draft(conflicts=(TWO_GOALS,)), playbook, kept={}, picks={"customer_goals": ALL_OF_THEM})
    assert both.values == {"customer_goals": "Cut costs.\n\nGrow in Asia."}
    for refused in (None, "7", "x"):
        none = decide_review(draft(conflicts=(TWO_GOALS,)), playbook, kept={}, picks={"customer_goals": refused})
        assert none.values == {} and not none.reviewed[0].accepted and none.reviewed[0].conflict
        assert none.reviewed[0].quotes == ("cut costs", "grow in asia")


def test_all_of_them_is_not_offered_where_answers_cannot_be_joined(playbook: Playbook) -> None:
    dates = Conflict("kickoff_date", (Suggestion("kickoff_date", "2026-12-01", ("Dec 1",)),
                                      Suggestion("kickoff_date", "2026-12-08", ("Dec 8",))))
    decision = decide_review(draft(conflicts=(dates,)), playbook, kept={}, picks={"kickoff_date": ALL_OF_THEM})
    assert decision.values == {}
