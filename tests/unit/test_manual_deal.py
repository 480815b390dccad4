"""A deal typed in by hand is checked once, in core, for Slack's form and Teams' dialog alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from core.manual_deal import DealEntry, deal_from_entry
from core.playbook import Playbook

NOW = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def test_a_complete_entry_becomes_a_deal_at_the_trigger_stage_closing_at_noon_utc(playbook: Playbook) -> None:
    entry = DealEntry(deal_id=" D-1 ", name="Expansion", account="Acme", amount="12,500.50", currency="EUR",
                      close_date="2026-11-03", ae_email="ana@example.com", csm_email="", segment=None)
    errors, deal = deal_from_entry(entry, playbook=playbook, now=NOW)
    assert errors == {} and deal is not None
    assert (deal.id, deal.amount, deal.currency, deal.csm_email) == ("D-1", Decimal("12500.50"), "EUR", None)
    assert deal.stage == playbook.trigger_stages[0]
    assert deal.closed_at == datetime(2026, 11, 3, 12, tzinfo=UTC)


def test_no_close_date_means_now(playbook: Playbook) -> None:
    entry = DealEntry(deal_id="D-2", name="N", account="A", amount="0", ae_email="ana@example.com")
    _, deal = deal_from_entry(entry, playbook=playbook, now=NOW)
    assert deal is not None and deal.closed_at == NOW


def test_every_problem_is_named_under_its_own_field(playbook: Playbook) -> None:
    entry = DealEntry(deal_id=" ", name="", account="A" * 201, amount="-5", currency="XYZ", close_date="3/11/2026",
                      ae_email="ana", csm_email="carl at example", segment="galactic")
    errors, deal = deal_from_entry(entry, playbook=playbook, now=NOW)
    assert deal is None
    assert errors == {
        "deal_id": "The deal id is required.", "name": "The deal name is required.",
        "account": "The account is longer than 200 characters.",
        "amount": "Enter the amount as a number of zero or more.",
        "currency": "Pick one of USD, EUR, GBP, CAD, AUD, JPY.",
        "close_date": "Enter the close date as YYYY-MM-DD.",
        "ae_email": "The AE must be an email address, like ana@example.com.",
        "csm_email": "The CSM must be an email address, like carl@example.com (or leave it empty).",
        "segment": "Pick one of the playbook's segments (or leave it empty).",
    }


def test_an_amount_that_is_not_a_number_or_not_finite_is_refused(playbook: Playbook) -> None:
    for raw in ("lots", "NaN", "Infinity", None):
        errors, _ = deal_from_entry(DealEntry(deal_id="D", name="N", account="A", amount=raw,
                                              ae_email="ana@example.com"), playbook=playbook, now=NOW)
        assert list(errors) == ["amount"], raw
