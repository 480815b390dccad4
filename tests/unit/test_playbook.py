"""The rules of a valid playbook (core/playbook.py), checked on plain dicts with no YAML involved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from core.playbook import Channels, FieldSpec, Playbook, Roles, Segment, Sla, Slas, Thresholds


def field(**overrides: Any) -> dict[str, Any]:
    return {"id": "goals", "label": "Customer goals", "type": "long_text", **overrides}


def playbook(*, fields: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "default_segment": "smb",
        "segments": [
            {"id": "smb", "label": "SMB", "max_amount": 25000},
            {"id": "ent", "label": "Enterprise", "min_amount": 25000},
        ],
        "sections": [{"id": "story", "title": "Why they bought", "fields": fields or [field()]}],
        **overrides,
    }


def rejected(model: type[Any], data: dict[str, Any]) -> str:
    """The validation message, so a test can say which rule said no."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return str(caught.value)


# --------------------------------------------------------------------------- fields


@pytest.mark.parametrize("field_id", ["goals", "go_live_date", "q4"])
def test_a_field_id_is_lowercase_snake_case(field_id: str) -> None:
    assert FieldSpec.model_validate(field(id=field_id)).id == field_id


@pytest.mark.parametrize("field_id", ["Goals", "go-live", "1st_call", "", "_hidden", "x" * 61])
def test_a_field_id_that_is_not_snake_case_is_rejected(field_id: str) -> None:
    assert "id" in rejected(FieldSpec, field(id=field_id))


@pytest.mark.parametrize("kind", ["select", "multi_select"])
def test_a_choice_field_needs_options(kind: str) -> None:
    assert "needs a list of options" in rejected(FieldSpec, field(type=kind))
    assert "needs a list of options" in rejected(FieldSpec, field(type=kind, options=[]))


def test_options_on_a_field_that_is_not_a_choice_are_rejected() -> None:
    assert "has options but is a long_text" in rejected(FieldSpec, field(options=["a", "b"]))


def test_an_option_listed_twice_is_rejected() -> None:
    assert "lists an option twice" in rejected(FieldSpec, field(type="select", options=["Email", "Email"]))


def test_an_empty_or_overlong_option_is_rejected() -> None:
    assert "options.0\n  String should have at least 1 character" in rejected(FieldSpec, field(type="select", options=[""]))
    assert "options.0\n  String should have at most 75 characters" in rejected(
        FieldSpec, field(type="select", options=["x" * 76]))


def test_min_length_above_max_length_is_rejected() -> None:
    assert "min_length above max_length" in rejected(FieldSpec, field(min_length=500, max_length=400))


def test_length_and_pattern_rules_apply_only_to_text() -> None:
    assert "apply to text fields" in rejected(FieldSpec, field(type="number", max_length=10))
    assert "apply to text fields" in rejected(FieldSpec, field(type="date", pattern=r"\d+"))


def test_a_pattern_that_does_not_compile_is_rejected() -> None:
    assert "not a valid regular expression" in rejected(FieldSpec, field(type="text", pattern="(unclosed"))


def test_a_pattern_that_compiles_is_kept() -> None:
    assert FieldSpec.model_validate(field(type="text", pattern=r"[A-Z]{3}-\d+")).pattern == r"[A-Z]{3}-\d+"


def test_not_before_applies_only_to_dates() -> None:
    assert "not_before applies to date fields" in rejected(FieldSpec, field(not_before="close_date"))


def test_a_field_is_required_in_every_segment_the_listed_ones_or_none() -> None:
    everywhere = FieldSpec.model_validate(field(required=True))
    listed = FieldSpec.model_validate(field(required=["ent"]))
    optional = FieldSpec.model_validate(field())

    assert everywhere.required_in("smb") and everywhere.required_in("ent")
    assert listed.required_in("ent") and not listed.required_in("smb")
    assert not optional.required_in("smb")


def test_an_unknown_key_on_a_field_is_an_error_not_ignored() -> None:
    assert "requierd" in rejected(FieldSpec, field(requierd=True))


# --------------------------------------------------------------------------- segments


def test_a_segment_takes_amounts_from_its_minimum_up_to_but_not_including_its_maximum() -> None:
    mid = Segment.model_validate({"id": "mid", "label": "Mid", "min_amount": 25000, "max_amount": 100000})

    assert mid.takes_amount(Decimal(25000))
    assert mid.takes_amount(Decimal("99999.99"))
    assert not mid.takes_amount(Decimal(100000))
    assert not mid.takes_amount(Decimal(24999))


def test_a_segment_with_one_bound_is_open_on_the_other_side() -> None:
    small = Segment.model_validate({"id": "smb", "label": "SMB", "max_amount": 25000})
    large = Segment.model_validate({"id": "ent", "label": "Enterprise", "min_amount": 100000})

    assert small.takes_amount(Decimal(0)) and not small.takes_amount(Decimal(25000))
    assert large.takes_amount(Decimal(10**9)) and not large.takes_amount(Decimal(99999))


def test_a_segment_without_amounts_takes_no_deal_by_amount() -> None:
    named_only = Segment.model_validate({"id": "partner", "label": "Partner", "crm_values": ["Partner"]})

    assert not named_only.takes_amount(Decimal(50000))


@pytest.mark.parametrize(("low", "high"), [(100000, 25000), (25000, 25000)])
def test_a_segment_minimum_must_be_below_its_maximum(low: int, high: int) -> None:
    data = {"id": "mid", "label": "Mid", "min_amount": low, "max_amount": high}

    assert "min_amount must be below max_amount" in rejected(Segment, data)


def test_a_negative_amount_is_rejected() -> None:
    assert "max_amount\n  Input should be greater than or equal to 0" in rejected(
        Segment, {"id": "smb", "label": "SMB", "max_amount": -1})


def test_a_segment_place_is_thread_or_channel() -> None:
    assert "'channel' or 'thread'" in rejected(Segment, {"id": "smb", "label": "SMB", "place": "dm"})


# --------------------------------------------------------------------------- the whole playbook


def test_field_ids_must_be_unique_across_sections() -> None:
    data = playbook()
    data["sections"].append({"id": "more", "title": "More", "fields": [field(label="Goals again")]})

    assert "field id 'goals' is used twice" in rejected(Playbook, data)


def test_segment_and_section_ids_must_be_unique() -> None:
    twice = playbook()
    twice["segments"].append({"id": "smb", "label": "Again"})
    assert "segment id 'smb' is used twice" in rejected(Playbook, twice)

    sections = playbook()
    sections["sections"].append({"id": "story", "title": "Again", "fields": [field(id="other")]})
    assert "section id 'story' is used twice" in rejected(Playbook, sections)


def test_the_default_segment_must_be_one_of_the_segments() -> None:
    message = rejected(Playbook, playbook(default_segment="mid_market"))

    assert "default_segment 'mid_market' is not a segment" in message
    assert "smb, ent" in message


def test_a_field_cannot_be_required_in_an_unknown_segment() -> None:
    data = playbook(fields=[field(required=["ent", "mid_market"])])

    assert "required in unknown segment 'mid_market'" in rejected(Playbook, data)


def test_not_before_must_name_close_date_or_another_field() -> None:
    kickoff = field(id="kickoff_date", label="Kickoff", type="date", not_before="close_date")
    go_live = field(id="go_live_date", label="Go-live", type="date", not_before="kickoff_date")
    Playbook.model_validate(playbook(fields=[kickoff, go_live]))

    stray = field(id="go_live_date", label="Go-live", type="date", not_before="kickoff")
    assert "not_before names unknown field 'kickoff'" in rejected(Playbook, playbook(fields=[stray]))


def test_required_fields_differ_per_segment() -> None:
    fields = [
        field(id="goals", required=True),
        field(id="stakeholders", label="Stakeholders", required=["ent"]),
        field(id="notes", label="Notes"),
    ]
    book = Playbook.model_validate(playbook(fields=fields))

    assert book.required_fields("smb") == ("goals",)
    assert book.required_fields("ent") == ("goals", "stakeholders")


def test_a_segment_without_its_own_slas_uses_the_top_level_ones() -> None:
    data = playbook(slas={"packet_due": {"after": "36h"}})
    data["segments"][1]["slas"] = {"packet_due": {"after": "48h"}}
    book = Playbook.model_validate(data)

    assert book.slas_for("smb").packet_due.delta == timedelta(hours=36)
    assert book.slas_for("ent").packet_due.delta == timedelta(hours=48)


def test_a_segment_slas_block_replaces_the_top_level_one_whole() -> None:
    data = playbook(slas={"acceptance_due": {"after": "12h"}})
    data["segments"][1]["slas"] = {"packet_due": {"after": "48h"}}
    book = Playbook.model_validate(data)

    assert book.slas_for("ent").acceptance_due == Slas().acceptance_due


def test_the_default_slas_follow_revenue_operations_practice() -> None:
    slas = Slas()

    assert slas.notify_csm_within.delta == timedelta(minutes=5)
    assert slas.packet_due.delta == timedelta(hours=24)
    assert slas.first_touch_due.delta == timedelta(hours=48)
    assert slas.override_decision_due.business_hours


@pytest.mark.parametrize(("after", "why"), [
    ("24 hours", "is not a duration; write it like 90s, 30m, 24h, 2d or 1w"),
    ("soon", "is not a duration; write it like 90s, 30m, 24h, 2d or 1w"),
    ("", "is not a duration; write it like 90s, 30m, 24h, 2d or 1w"),
    ("0h", "must be longer than zero"),
])
def test_an_sla_needs_a_positive_duration(after: str, why: str) -> None:
    assert f"'{after}' {why}" in rejected(Sla, {"after": after})


def test_lookups_by_id_raise_key_error_for_unknown_ids() -> None:
    book = Playbook.model_validate(playbook())

    assert book.field("goals").label == "Customer goals"
    with pytest.raises(KeyError):
        book.field("nope")
    with pytest.raises(KeyError):
        book.segment("nope")


def test_a_playbook_needs_at_least_one_segment_and_one_section() -> None:
    assert "segments\n  List should have at least 1 item" in rejected(Playbook, playbook(segments=[]))
    assert "sections\n  List should have at least 1 item" in rejected(Playbook, playbook(sections=[]))


# --------------------------------------------------------------------------- chat and metrics


@pytest.mark.parametrize(
    "template", ["handoff-{account}-{deal_id}", "{segment}-{deal}", "handoff-{handoff_id}", "handoffs"],
)
def test_a_channel_template_may_use_the_known_placeholders(template: str) -> None:
    assert Channels(name_template=template).name_template == template


def test_a_channel_template_with_an_unknown_placeholder_is_rejected() -> None:
    message = rejected(Channels, {"name_template": "handoff-{customer}"})

    assert "unknown placeholder 'customer'" in message
    assert "account, deal, deal_id, handoff_id, segment" in message


def test_threshold_rates_are_shares_between_zero_and_one() -> None:
    assert Thresholds().completion_rate_min == 0.85
    assert "completion_rate_min\n  Input should be less than or equal to 1" in rejected(
        Thresholds, {"completion_rate_min": 85})
    assert "escalation_rate_max\n  Input should be greater than or equal to 0" in rejected(
        Thresholds, {"escalation_rate_max": -0.1})


def test_manager_teams_name_people_by_email_and_give_each_manager_their_reports() -> None:
    roles = Roles.model_validate({"sales_managers": ["Maria@Example.com"],
                                  "manager_teams": {"Maria@Example.com": ["Ana@Example.com", "dev@example.com"]}})
    assert roles.team_of("maria@example.com") == ("maria@example.com", "ana@example.com", "dev@example.com")
    assert roles.team_of("liam@example.com") is None  # not configured: the manager sees every handoff
    assert "manager_teams names people by email; 'U0123ABCD' is not one" in rejected(
        Roles, {"manager_teams": {"maria@example.com": ["U0123ABCD"]}})
