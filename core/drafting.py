"""Drafting packet values from call notes: the LLM port, and Baton's own checks on its answers.

The model only proposes. For each field the playbook marks `llm_fill` it answers with a value and
the words in the notes that support it. Baton keeps a value only when those words really are in
the notes, the value passes the field's own rules, and (for free text) the words are about the
value; the AE then decides. Long notes are read in chunks, and where chunks disagree the AE sees
every candidate: nothing is silently picked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from core.draft_schema import read_reply, response_schema
from core.errors import BatonError, DraftingError, FieldInvalid, MissingInput, NotesTooLong
from core.handoff import is_empty
from core.notes import (
    Redacted,
    clean_quote,
    normalise,
    quote_found,
    redact,
    shares_words,
    split_chunks,
)
from core.packet import parse_value
from core.playbook import FieldSpec, FieldType, Playbook

CONCURRENT_CHUNKS = 3
OVERLAP_MAX = 1_000  # characters repeated from one chunk into the next
QUOTE_NOT_FOUND = "quote_not_found"
INVALID = "invalid"
UNSUPPORTED = "unsupported"
_UNIONS = {FieldType.MULTI_SELECT, FieldType.USERS}  # lists read in parts add up; they don't conflict
_TEXTS = {FieldType.TEXT, FieldType.LONG_TEXT}  # free text is where a value can drift from its quote


@dataclass(frozen=True)
class ChunkRequest:
    """One request to the model: a piece of the (redacted) notes and the fields to look for."""

    notes: str
    part: int  # 1-based
    parts: int
    fields: tuple[FieldSpec, ...]
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class ChunkReply:
    content: str  # the JSON text the model returned
    model: str
    prompt_version: str


class Drafter(Protocol):
    """The LLM, as the core needs it. Adapters: bot/llm (any OpenAI-compatible server)."""

    async def read_chunk(self, request: ChunkRequest) -> ChunkReply:
        """The model's answer; raises ModelTimedOut, ModelRefused or ModelUnavailable."""
        ...


@dataclass(frozen=True)
class Suggestion:
    field_id: str
    value: Any  # already parsed by the field's rules
    quotes: tuple[str, ...]  # the notes' own words; more than one when parts add up


@dataclass(frozen=True)
class Conflict:
    """Parts of the notes support different values: the AE chooses."""

    field_id: str
    options: tuple[Suggestion, ...]


@dataclass(frozen=True)
class Dropped:
    field_id: str
    reason: str  # QUOTE_NOT_FOUND, INVALID or UNSUPPORTED
    detail: str


@dataclass(frozen=True)
class Draft:
    suggestions: tuple[Suggestion, ...]
    conflicts: tuple[Conflict, ...]
    dropped: tuple[Dropped, ...]
    model: str
    prompt_version: str
    parts: int
    proposed: int  # values the model offered, before Baton's checks
    redacted: int = 0  # contact details hidden from the model

    @property
    def quote_misses(self) -> int:
        return sum(1 for d in self.dropped if d.reason == QUOTE_NOT_FOUND)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for a chat adapter to keep while the AE reviews."""
        return {
            "suggestions": [_suggestion_dict(s) for s in self.suggestions],
            "conflicts": [{"field": c.field_id, "options": [_suggestion_dict(s) for s in c.options]}
                          for c in self.conflicts],
            "dropped": [{"field": d.field_id, "reason": d.reason, "detail": d.detail} for d in self.dropped],
            "model": self.model, "prompt_version": self.prompt_version, "parts": self.parts,
            "proposed": self.proposed, "redacted": self.redacted,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Draft:
        return cls(
            suggestions=tuple(_suggestion(s) for s in data["suggestions"]),
            conflicts=tuple(Conflict(c["field"], tuple(_suggestion(s) for s in c["options"]))
                            for c in data["conflicts"]),
            dropped=tuple(Dropped(d["field"], d["reason"], d["detail"]) for d in data["dropped"]),
            model=data["model"], prompt_version=data["prompt_version"], parts=data["parts"],
            proposed=data["proposed"], redacted=data.get("redacted", 0),
        )


def _suggestion_dict(s: Suggestion) -> dict[str, Any]:
    return {"field": s.field_id, "value": s.value, "quotes": list(s.quotes)}


def _suggestion(data: Mapping[str, Any]) -> Suggestion:
    return Suggestion(data["field"], data["value"], tuple(data["quotes"]))


def llm_fields(playbook: Playbook) -> tuple[FieldSpec, ...]:
    """The fields the playbook lets the model draft, in playbook order."""
    return tuple(spec for spec in playbook.fields if spec.llm_fill)


def check_notes(notes: str, playbook: Playbook) -> str:
    """The notes, trimmed; raises MissingInput when empty and NotesTooLong past the limit."""
    text = notes.strip()
    if not text:
        raise MissingInput("the call notes")
    if len(text) > playbook.llm.max_notes_chars:
        raise NotesTooLong(len(text), playbook.llm.max_notes_chars)
    return text


async def draft_from_notes(
    notes: str, *, playbook: Playbook, drafter: Drafter, close_date: date,
    current: Mapping[str, Any] | None = None,
) -> Draft:
    """Ask the model about every chunk of the notes, check each answer, and merge them."""
    text = check_notes(notes, playbook)
    fields = llm_fields(playbook)
    if not fields:
        raise DraftingError("no field of this playbook may be drafted from notes (llm_fill)")
    policy = playbook.llm
    hidden = redact(text, emails=policy.redact_emails, phones=policy.redact_phones)
    chunks = split_chunks(hidden.text, size=policy.chunk_chars, overlap=min(policy.chunk_chars // 10, OVERLAP_MAX))
    schema = response_schema(fields)
    replies = await _ask_all(drafter, [ChunkRequest(c, i + 1, len(chunks), fields, schema)
                                       for i, c in enumerate(chunks)])
    found: dict[str, list[Suggestion]] = {}
    dropped: list[Dropped] = []
    proposed = 0
    for reply in replies:
        for spec_id, (raw, quote) in read_reply(reply.content, fields).items():
            spec = next(f for f in fields if f.id == spec_id)
            kept = _check(spec, raw, quote, notes=text, hidden=hidden, close_date=close_date, others=current or {})
            if kept is None:
                continue
            proposed += 1
            if isinstance(kept, Dropped):
                dropped.append(kept)
            else:
                found.setdefault(spec.id, []).append(kept)
    suggestions, conflicts = _merge(fields, found)
    return Draft(
        suggestions=suggestions, conflicts=conflicts, dropped=tuple(dropped), model=replies[0].model,
        prompt_version=replies[0].prompt_version, parts=len(chunks), proposed=proposed,
        redacted=len(hidden.originals),
    )


async def _ask_all(drafter: Drafter, requests: list[ChunkRequest]) -> list[ChunkReply]:
    """A few chunks at a time; the first failure cancels the rest and is what the AE hears."""
    gate = asyncio.Semaphore(CONCURRENT_CHUNKS)

    async def ask(request: ChunkRequest) -> ChunkReply:
        async with gate:
            return await drafter.read_chunk(request)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(ask(r)) for r in requests]
    except* BatonError as failed:
        raise failed.exceptions[0] from None
    return [t.result() for t in tasks]


def _check(
    spec: FieldSpec, raw: Any, quote: Any, *, notes: str, hidden: Redacted, close_date: date,
    others: Mapping[str, Any],
) -> Suggestion | Dropped | None:
    """None when the model offered nothing; Dropped when Baton cannot stand behind the value."""
    if is_empty(raw) or (isinstance(raw, str) and not raw.strip()):
        return None
    words = hidden.restore(quote) if isinstance(quote, str) else ""
    if not quote_found(words, notes):
        detail = "no supporting quote" if not words.strip() else "the quoted words are not in the notes"
        return Dropped(spec.id, QUOTE_NOT_FOUND, detail)
    value = [hidden.restore(v) if isinstance(v, str) else v for v in raw] if isinstance(raw, list) else (
        hidden.restore(raw) if isinstance(raw, str) else raw)
    try:
        parsed = parse_value(spec, value, close_date=close_date, others=others)
    except FieldInvalid as exc:
        return Dropped(spec.id, INVALID, exc.message)
    if is_empty(parsed):
        return None
    if spec.type in _TEXTS and not shares_words(words, parsed):
        return Dropped(spec.id, UNSUPPORTED, "the quoted words do not mention what the value says")
    return Suggestion(spec.id, parsed, (clean_quote(words),))


def _merge(
    fields: tuple[FieldSpec, ...], found: Mapping[str, list[Suggestion]],
) -> tuple[tuple[Suggestion, ...], tuple[Conflict, ...]]:
    """One suggestion per field when the chunks agree (or add up); a conflict when they differ."""
    suggestions: list[Suggestion] = []
    conflicts: list[Conflict] = []
    for spec in fields:
        candidates = found.get(spec.id, [])
        if not candidates:
            continue
        if spec.type in _UNIONS:
            items = list(dict.fromkeys(v for c in candidates for v in c.value))
            suggestions.append(Suggestion(spec.id, items, _quotes(candidates)))
            continue
        by_value: dict[str, list[Suggestion]] = {}
        for c in candidates:
            by_value.setdefault(_key(c.value), []).append(c)
        options = [Suggestion(spec.id, group[0].value, _quotes(group)) for group in by_value.values()]
        if len(options) == 1:
            suggestions.append(options[0])
        else:
            conflicts.append(Conflict(spec.id, tuple(options)))
    return tuple(suggestions), tuple(conflicts)


def _key(value: Any) -> str:
    return normalise(value) if isinstance(value, str) else repr(value)


def _quotes(candidates: list[Suggestion]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for c in candidates:
        for q in c.quotes:
            seen.setdefault(normalise(q), q)
    return tuple(seen.values())
