"""Invisible controls are removed from outside text; what a person can see stays exactly as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.text import clean, clean_value
from tests.fakes import FrozenClock


@pytest.mark.parametrize(("raw", "shown"), [
    ("Acme\u202egpj.exe", "Acmegpj.exe"),  # right-to-left override
    ("\u2066Acme\u2069 \u202aInc\u202c", "Acme Inc"),  # isolates and embeddings
    ("Ac\u200bme\u2060\ufeff", "Acme"),  # zero-width space, word joiner, BOM
    ("nul\x00 bell\x07 esc\x1b del\x7f c1\x85", "nul bell esc del c1"),
    ("\u200fשלום\u200e", "שלום"),  # direction marks
])
def test_invisible_controls_are_removed(raw: str, shown: str) -> None:
    assert clean(raw) == shown


@pytest.mark.parametrize("kept", [
    "line one\nline two\ttabbed\r\n",
    "Zoë Ünal – Ærø, 東京, Δ",
    "👩\u200d💻 and می\u200cخواهم",  # zero-width joiners carry meaning in emoji and Persian
])
def test_visible_text_line_breaks_and_joiners_are_kept(kept: str) -> None:
    assert clean(kept) == kept


def test_nested_values_are_cleaned_and_other_types_left_alone() -> None:
    assert clean_value({"a\u202e": ["x\x00", 3, None, {"b": "\u200by"}], "n": 1.5}) == {
        "a": ["x", 3, None, {"b": "y"}], "n": 1.5}


def test_a_deal_is_cleaned_however_it_arrives() -> None:
    from core.deal import Deal

    deal = Deal(id="D\x00-1", name="Renewal\u202e", account="\u200bAcme", amount=Decimal(1), currency="USD",
                stage="Closed Won", closed_at=FrozenClock().now(), ae_email="ana@example.com\u200b",
                fields={"notes": "ok\u2066"})
    assert (deal.id, deal.name, deal.account, deal.ae_email, deal.fields) == (
        "D-1", "Renewal", "Acme", "ana@example.com", {"notes": "ok"})
