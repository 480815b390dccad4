"""Call notes as text: find a quote in them, hide contact details, cut them into chunks.

Pure string work for drafting the packet. A quote counts as found when it appears in the
notes once both are normalised the same way: case folded, runs of whitespace made one space,
curly quotes and dashes made straight. Nothing looser: "the exact words" is the promise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

_STRAIGHTEN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2026": "...",
})
_SPACES = re.compile(r"\s+")
# What a model wraps around a quote without meaning it as part of the words.
_WRAPPING = " \t\r\n\"'.,;:!?()[]-"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits with the separators phone numbers use; `_phone_like` then counts the digits, so dates
# (2026-03-31: 8 digits) and amounts stay.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,}\d(?!\w)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PHONE_DIGITS = (9, 15)
_WORD = re.compile(r"[\w%$€£]+")
_GROUPED = re.compile(r"(?<=\d)[,_](?=\d{3}\b)")  # 120,000 is 120000
_COMMON = frozenset({
    "about", "also", "been", "before", "both", "could", "does", "each", "from", "have", "into", "just",
    "like", "more", "most", "much", "must", "only", "other", "over", "said", "same", "should", "some",
    "such", "than", "that", "them", "then", "there", "these", "they", "this", "those", "very", "want",
    "were", "what", "when", "which", "while", "will", "with", "would", "your",
})


def normalise(text: str) -> str:
    """The form both notes and quotes take before they are compared."""
    return _SPACES.sub(" ", text.translate(_STRAIGHTEN).casefold()).strip()


def clean_quote(quote: str) -> str:
    """A quote without the quotation marks and end punctuation a model puts around it."""
    return quote.translate(_STRAIGHTEN).strip(_WRAPPING)


def quote_found(quote: str, notes: str) -> bool:
    """Whether `quote` is in `notes`, word for word, up to case, spacing and quote style."""
    wanted = normalise(clean_quote(quote))
    return bool(wanted) and wanted in normalise(notes)


def shares_words(quote: str, value: str) -> bool:
    """Whether a quote and the value it backs have a meaningful word (or a number) in common.

    A real quote attached to an invented value ("in" for "Free onboarding") passes the
    found-in-the-notes test; this catches it. Words are compared by their first five letters,
    so "trainings" backs "training".
    """
    return bool(_stems(quote) & _stems(value))


def _stems(text: str) -> set[str]:
    words = _WORD.findall(_GROUPED.sub("", normalise(text)))
    numbers = {w for w in words if any(ch.isdigit() for ch in w)}
    return numbers | {w[:5] for w in words if len(w) >= 4 and w not in _COMMON and w not in numbers}


@dataclass(frozen=True)
class Redacted:
    """Notes with contact details swapped for numbered placeholders, and the way back."""

    text: str
    originals: Mapping[str, str] = field(default_factory=dict)  # placeholder -> original

    def restore(self, text: str) -> str:
        """Put the original details back into something the model wrote about the notes."""
        for placeholder, original in self.originals.items():
            text = text.replace(placeholder, original)
        return text


def redact(text: str, *, emails: bool, phones: bool) -> Redacted:
    """Replace emails and/or phone numbers; the same detail always gets the same placeholder."""
    originals: dict[str, str] = {}
    if emails:
        text = _swap(_EMAIL, "EMAIL", text, originals)
    if phones:
        text = _swap(_PHONE, "PHONE", text, originals, accept=_phone_like)
    return Redacted(text, originals)


def _swap(
    pattern: re.Pattern[str], kind: str, text: str, originals: dict[str, str],
    accept: Callable[[str], bool] = lambda found: True,
) -> str:
    given = {original: placeholder for placeholder, original in originals.items()}

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if not accept(found):
            return found
        if found not in given:
            count = sum(1 for p in originals if p.startswith(f"[{kind}_"))
            given[found] = f"[{kind}_{count + 1}]"
            originals[given[found]] = found
        return given[found]

    return pattern.sub(replace, text)


def _phone_like(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    low, high = PHONE_DIGITS
    return low <= digits <= high and not _ISO_DATE.search(candidate)


def split_chunks(text: str, *, size: int, overlap: int = 0) -> list[str]:
    """Cut `text` into pieces of at most `size` characters, at line ends where possible.

    Each piece after the first starts with up to `overlap` characters of whole lines from the
    end of the one before, so a sentence on the boundary is whole in at least one piece.
    """
    if size < 1 or not 0 <= overlap < size:
        raise ValueError("need size >= 1 and 0 <= overlap < size")
    if len(text) <= size:
        return [text] if text.strip() else []
    lines = [piece for line in text.splitlines(keepends=True) for piece in _fit(line, size - overlap)]
    chunks: list[str] = []
    current: list[str] = []
    fresh = 0  # lines in `current` that no earlier chunk holds
    for line in lines:
        if current and sum(map(len, current)) + len(line) > size:
            chunks.append("".join(current))
            current = _tail(current, overlap)
            fresh = 0
        current.append(line)
        fresh += 1
    if fresh:
        chunks.append("".join(current))
    return chunks


def _fit(line: str, limit: int) -> list[str]:
    """A line longer than `limit` cut at spaces (or hard, for a run without any)."""
    pieces = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit) + 1 or limit
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line] if line else pieces


def _tail(lines: list[str], budget: int) -> list[str]:
    kept: list[str] = []
    for line in reversed(lines):
        if sum(map(len, kept)) + len(line) > budget:
            break
        kept.insert(0, line)
    return kept
