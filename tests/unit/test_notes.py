"""Call notes as text: quotes found word for word, contact details hidden and restored, chunks."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.notes import clean_quote, normalise, quote_found, redact, shares_words, split_chunks

NOTES = """Dana (VP Ops):   We need the three regional order systems
consolidated before the “Q2 board review”.
Ana: Understood — we’ll include two admin trainings."""


@pytest.mark.parametrize("quote", [
    "we need the three regional order systems consolidated",  # line break and case
    "We  need   the three REGIONAL order systems",  # spacing
    'consolidated before the "Q2 board review"',  # straight quotes for curly ones
    "Understood - we'll include two admin trainings.",  # dash and apostrophe styles
    "“we’ll include two admin trainings.”",  # wrapped in quotation marks by the model
])
def test_a_quote_is_found_up_to_case_spacing_and_quote_style(quote: str) -> None:
    assert quote_found(quote, NOTES)


@pytest.mark.parametrize("quote", [
    "We need the regional order systems consolidated",  # a word left out
    "we will include two admin trainings",  # paraphrase
    "We need the three regional order systems ... Q2 board review",  # ellipsis
    "Dana said: We need the three regional order systems",  # attribution the notes do not have
    "",
    "  \"  ",
])
def test_anything_but_the_notes_own_words_is_not_found(quote: str) -> None:
    assert not quote_found(quote, NOTES)


def test_clean_quote_drops_the_marks_around_a_quote_but_not_inside() -> None:
    assert clean_quote("“It’s the “data residency”, really.”") == "It's the \"data residency\", really"


def test_normalise_is_idempotent() -> None:
    assert normalise(normalise(NOTES)) == normalise(NOTES)


def test_redaction_hides_emails_and_phones_and_keeps_dates_and_amounts() -> None:
    text = ("Priya <priya.n@northwind.example>, +1 (415) 555-0134. Go-live 2026-03-31; "
            "budget 120,000; call 020 7946 0958 or priya.n@northwind.example")
    hidden = redact(text, emails=True, phones=True)
    assert "priya.n@" not in hidden.text and "555-0134" not in hidden.text and "7946" not in hidden.text
    assert hidden.text.count("[EMAIL_1]") == 2  # the same address, the same placeholder
    assert "[PHONE_1]" in hidden.text and "[PHONE_2]" in hidden.text
    assert "2026-03-31" in hidden.text and "120,000" in hidden.text
    assert hidden.restore(hidden.text) == text


def test_redaction_is_off_unless_asked() -> None:
    text = "mail priya@northwind.example, call 415 555 0134"
    assert redact(text, emails=False, phones=False).text == text
    assert redact(text, emails=True, phones=False).text == "mail [EMAIL_1], call 415 555 0134"


def test_short_notes_are_one_chunk_and_blank_notes_none() -> None:
    assert split_chunks("a few words\n", size=100) == ["a few words\n"]
    assert split_chunks("  \n ", size=100) == []


def test_chunks_end_at_line_ends_and_overlap_by_whole_lines() -> None:
    text = "".join(f"line {n:03d} says something useful\n" for n in range(100))
    chunks = split_chunks(text, size=400, overlap=80)
    assert len(chunks) > 1 and all(len(c) <= 400 for c in chunks)
    assert all(c.endswith("\n") for c in chunks)
    for before, after in itertools.pairwise(chunks):
        last_line = before.splitlines(keepends=True)[-1]
        carried = after[: after.index(last_line) + len(last_line)]
        assert before.endswith(carried) and len(carried) <= 80  # whole lines, within the overlap


def test_a_line_longer_than_a_chunk_is_cut_at_spaces() -> None:
    text = " ".join(["word"] * 300)
    chunks = split_chunks(text, size=200, overlap=0)
    assert all(len(c) <= 200 for c in chunks)
    assert "".join(chunks) == text


@given(st.text(alphabet=st.sampled_from("ab \n.xyz"), min_size=1, max_size=3000),
       st.integers(min_value=20, max_value=500))
def test_every_line_of_the_notes_is_in_some_chunk(text: str, size: int) -> None:
    chunks = split_chunks(text, size=size, overlap=size // 4)
    assert all(len(c) <= size for c in chunks)
    joined = "".join(chunks)
    for line in text.splitlines():
        if line.strip() and len(line) < size // 2:
            assert line in joined


@pytest.mark.parametrize(("quote", "value"), [
    ("we promised two admin trainings and a 12% discount", "Two admin trainings; 12% off year one"),
    ("Goal: online booking for all 12 clinics", "Online booking across every clinic"),
    ("go-live slips to April 15", "April 15"),
    ("budget 120,000", "120000"),
])
def test_a_quote_backs_a_value_that_shares_a_word_or_number_with_it(quote: str, value: str) -> None:
    assert shares_words(quote, value)


@pytest.mark.parametrize(("quote", "value"), [
    ("in", "Free onboarding for a year"),
    ("we talked about it with them", "They were promised a dedicated engineer"),  # common words only
    ("Dana runs the rollout", "Two admin trainings"),
])
def test_a_quote_that_says_nothing_of_the_value_does_not_back_it(quote: str, value: str) -> None:
    assert not shares_words(quote, value)
