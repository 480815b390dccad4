"""Packet values: what a person types becomes a typed value, or a message that says what is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from core.errors import FieldInvalid, PacketInvalid
from core.packet import parse_value, validate_values
from core.playbook import FieldSpec, Playbook

CLOSE_DATE = date(2026, 11, 2)


def spec(type_: str, **rules: Any) -> FieldSpec:
    return FieldSpec.model_validate({"id": "f", "label": "The field", "type": type_, **rules})


def parse(field: FieldSpec, raw: Any, **others: Any) -> Any:
    return parse_value(field, raw, close_date=CLOSE_DATE, others=others)


def message(field: FieldSpec, raw: Any, **others: Any) -> str:
    with pytest.raises(FieldInvalid) as exc:
        parse(field, raw, **others)
    assert exc.value.field_id == field.id
    return exc.value.message


# -- empty is not an error here: required-ness is the handoff's business -------------------------

@pytest.mark.parametrize("type_", ["text", "long_text", "number", "money", "date", "user", "users", "email", "url"])
@pytest.mark.parametrize("raw", [None, "", "   ", []])
def test_an_empty_answer_is_no_value_rather_than_an_error(type_: str, raw: Any) -> None:
    assert parse(spec(type_), raw) is None


def test_a_blank_answer_is_no_value_even_where_rules_would_refuse_it() -> None:
    assert parse(spec("text", min_length=10, pattern=r"PO-\d+"), "   ") is None


# -- checkbox -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [True, "yes", "Y", "true", "1", "on", "checked", ["contract_signed"]])
def test_a_ticked_checkbox_is_true(raw: Any) -> None:
    assert parse(spec("checkbox"), raw) is True


@pytest.mark.parametrize("raw", [False, None, [], "", "no", "N", "false", "0", "off"])
def test_an_unticked_checkbox_is_false(raw: Any) -> None:
    assert parse(spec("checkbox"), raw) is False


def test_a_checkbox_refuses_anything_but_yes_or_no() -> None:
    assert message(spec("checkbox"), "maybe") == "The field must be yes or no"


# -- text ---------------------------------------------------------------------------------------

def test_text_is_trimmed() -> None:
    assert parse(spec("text"), "  Renewals in spreadsheets \n") == "Renewals in spreadsheets"


def test_text_must_be_text() -> None:
    assert message(spec("long_text"), 42) == "The field must be text"


def test_text_shorter_than_min_length_says_how_many_characters() -> None:
    field = spec("text", min_length=5)
    assert message(field, "abcd") == "The field needs at least 5 characters"
    assert parse(field, "abcde") == "abcde"


def test_text_longer_than_max_length_says_the_limit() -> None:
    field = spec("long_text", max_length=5)
    assert message(field, "abcdef") == "The field can be at most 5 characters"
    assert parse(field, "abcde") == "abcde"


def test_a_pattern_mismatch_shows_the_playbooks_hint() -> None:
    field = spec("text", pattern=r"PO-\d{6}", pattern_hint="PO numbers look like PO-123456")
    assert message(field, "PO-12") == "PO numbers look like PO-123456"
    assert message(field, "xPO-123456") == "PO numbers look like PO-123456"  # the whole value must match
    assert parse(field, "PO-123456") == "PO-123456"


def test_a_pattern_without_a_hint_says_the_format_is_wrong() -> None:
    assert message(spec("text", pattern=r"\d+"), "abc") == "The field is not in the expected format"


# -- number -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("1,200", 1200), (" 3.5 ", 3.5), ("1_000", 1000), ("12.0", 12), (7, 7), (2.5, 2.5), ("0", 0)],
)
def test_a_number_is_read_the_way_people_write_it(raw: Any, expected: float) -> None:
    value = parse(spec("number"), raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw", ["twelve", "12 seats", "NaN", "Infinity"])
def test_something_that_is_not_a_number_is_refused_with_an_example(raw: str) -> None:
    assert message(spec("number"), raw) == "The field must be a number, like 12 or 3.5"


def test_a_yes_is_not_a_number() -> None:
    assert message(spec("number"), True) == "The field must be a number"


def test_an_absurdly_large_number_is_refused_quickly() -> None:
    assert message(spec("number"), "1e999999999") == "The field is too large"


def test_a_number_below_min_value_says_the_minimum() -> None:
    field = spec("number", min_value=1)
    assert message(field, "0") == "The field must be at least 1"
    assert parse(field, "1") == 1


def test_a_number_above_max_value_says_the_maximum() -> None:
    field = spec("number", max_value=2.5)
    assert message(field, "2.6") == "The field must be at most 2.5"
    assert parse(field, "2.5") == 2.5


# -- money --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12000", "12000.00"), ("$12,000.5", "12000.50"), ("€ 99.999", "100.00"), ("0", "0.00"), (1500, "1500.00")],
)
def test_an_amount_is_kept_to_the_cent(raw: Any, expected: str) -> None:
    assert parse(spec("money"), raw) == expected


def test_an_amount_must_look_like_one() -> None:
    assert message(spec("money"), "a lot") == "The field must be an amount, like 12000 or 12,000.50"


def test_an_amount_cannot_be_negative() -> None:
    assert message(spec("money"), "-5") == "The field must be an amount of zero or more"


def test_an_absurdly_large_amount_is_refused_with_a_message() -> None:
    assert message(spec("money"), "1" + "0" * 30) == "The field is too large"



# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", "2026-12-01"),
        (" 2026-12-01T09:30:00Z", "2026-12-01"),
        (date(2026, 12, 1), "2026-12-01"),
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), "2026-12-01"),
    ],
)
def test_a_date_is_kept_as_the_day(raw: Any, expected: str) -> None:
    assert parse(spec("date"), raw) == expected


@pytest.mark.parametrize("raw", ["next Tuesday", "2026-13-01", "31/12/2026"])
def test_something_that_is_not_a_date_is_refused_with_an_example(raw: str) -> None:
    assert message(spec("date"), raw) == "The field must be a date, like 2026-03-31"


def test_a_date_before_the_close_date_is_refused() -> None:
    field = spec("date", not_before="close_date")
    assert message(field, "2026-11-01") == "The field must be on or after the close date (2026-11-02)"
    assert parse(field, "2026-11-02") == "2026-11-02"


def test_a_crm_timestamp_is_checked_against_the_close_date_too() -> None:
    field = spec("date", not_before="close_date")
    assert parse(field, datetime(2026, 11, 20, 8, 0, tzinfo=UTC)) == "2026-11-20"
    assert "close date" in message(field, datetime(2026, 10, 20, 8, 0, tzinfo=UTC))


def test_a_date_before_the_field_it_follows_is_refused() -> None:
    field = spec("date", not_before="kickoff_date")
    assert message(field, "2026-11-30", kickoff_date="2026-12-01") == (
        "The field must be on or after kickoff date (2026-12-01)"
    )
    assert parse(field, "2026-12-01", kickoff_date="2026-12-01") == "2026-12-01"


def test_a_date_is_not_held_to_a_field_that_is_empty_or_itself_wrong() -> None:
    field = spec("date", not_before="kickoff_date")
    assert parse(field, "2026-11-30") == "2026-11-30"
    assert parse(field, "2026-11-30", kickoff_date="") == "2026-11-30"
    assert parse(field, "2026-11-30", kickoff_date="soon") == "2026-11-30"


# -- choices ------------------------------------------------------------------------------------

def test_a_select_takes_one_of_its_options() -> None:
    field = spec("select", options=["Starter", "Growth"])
    assert parse(field, " Growth ") == "Growth"
    assert message(field, "growth") == "The field must be one of: Starter, Growth"


def test_a_multi_select_takes_only_its_options() -> None:
    field = spec("multi_select", options=["Salesforce", "HubSpot", "Zendesk"])
    assert parse(field, ["Zendesk", "Salesforce"]) == ["Zendesk", "Salesforce"]
    assert parse(field, "HubSpot") == ["HubSpot"]
    assert message(field, ["Salesforce", "Jira", "Asana"]) == "The field: 'Jira' is not an option"


# -- people, email, links -----------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "U024BE7LH", "W0123ABC", "dana@customer.test",  # Slack ids, an email
    "29:1kXr-9pQzT0aBcD", "8f2c1a3e-4b5d-4e6f-9a0b-1c2d3e4f5a6b",  # Teams: a user id, an AAD object id
])
def test_a_user_is_a_chat_user_id_of_any_platform_or_an_email(raw: str) -> None:
    assert parse(spec("user"), raw) == raw


@pytest.mark.parametrize("raw", ["Dana", "U1", "@dana", "Dana Scully"])
def test_a_name_alone_is_not_a_user(raw: str) -> None:
    assert message(spec("user"), raw) == "The field must be a person (a chat user or an email)"


def test_users_are_split_on_commas_and_spaces_and_each_is_checked() -> None:
    field = spec("users")
    assert parse(field, "U024BE7LH, dana@customer.test  W0123ABC") == [
        "U024BE7LH", "dana@customer.test", "W0123ABC"]
    assert parse(field, ["U024BE7LH"]) == ["U024BE7LH"]
    assert message(field, "U024BE7LH, Dana") == "The field must be a person (a chat user or an email)"


def test_an_email_must_be_an_address() -> None:
    field = spec("email")
    assert parse(field, " dana@customer.test ") == "dana@customer.test"
    for bad in ("dana", "dana@customer", "dana @customer.test", "<dana@customer.test>"):
        assert message(field, bad) == "The field must be an email address, like ana@example.com"


def test_a_link_must_be_a_web_address() -> None:
    field = spec("url")
    assert parse(field, "HTTPS://crm.example.com/deals/42") == "HTTPS://crm.example.com/deals/42"
    for bad in ("crm.example.com", "ftp://crm.example.com", "https://localhost", "javascript:alert(1)"):
        assert message(field, bad) == "The field must be a web address starting with https://"


# -- a batch of fields --------------------------------------------------------------------------

def test_a_batch_comes_back_typed(playbook: Playbook) -> None:
    clean = validate_values(
        playbook, {"seats": "1,200", "arr": "$24,000", "contract_signed": "yes", "pains": ""},
        close_date=CLOSE_DATE,
    )
    assert clean == {"seats": 1200, "arr": "24000.00", "contract_signed": True, "pains": None}


def test_a_batch_reports_every_bad_field_and_unknown_id_at_once(playbook: Playbook) -> None:
    with pytest.raises(PacketInvalid) as exc:
        validate_values(
            playbook,
            {"seats": "0", "champion_email": "dana", "goals": "Grow", "tier": "Gold",
             "budget": "100", "pains": "Spreadsheets"},
            close_date=CLOSE_DATE,
        )
    assert exc.value.errors == {
        "seats": "Seats must be at least 1",
        "champion_email": "Champion email must be an email address, like ana@example.com",
        "goals": "Customer goals needs at least 10 characters",
        "tier": "Tier must be one of: Starter, Growth, Scale",
        "budget": "'budget' is not a field of this playbook",
    }


def test_a_date_in_a_batch_is_checked_against_the_saved_packet_and_the_same_step(playbook: Playbook) -> None:
    with pytest.raises(PacketInvalid) as exc:
        validate_values(playbook, {"go_live": "2026-11-20"}, close_date=CLOSE_DATE,
                        current={"kickoff_date": "2026-12-01"})
    assert exc.value.errors == {"go_live": "Go-live must be on or after kickoff date (2026-12-01)"}

    # Moving the kickoff earlier in the same step lets the same go-live through.
    clean = validate_values(playbook, {"go_live": "2026-11-20", "kickoff_date": "2026-11-10"},
                            close_date=CLOSE_DATE, current={"kickoff_date": "2026-12-01"})
    assert clean == {"go_live": "2026-11-20", "kickoff_date": "2026-11-10"}
