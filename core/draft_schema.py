"""What Baton asks the model for, and how it reads the answer back.

The JSON Schema is written for OpenAI's strict structured outputs, the strictest dialect in use:
every object lists all its properties as required and forbids others, and "not in the notes" is
a null rather than a missing key. Servers without strict mode get the same schema in the prompt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from core.errors import ModelReplyInvalid
from core.playbook import FieldSpec, FieldType

SCHEMA_NAME = "packet_draft"
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)
_QUOTE = {
    "type": ["string", "null"],
    "description": "The exact words from the notes that support the value, copied character for "
                   "character (no paraphrase, no ellipsis). Null when value is null.",
}


def response_schema(fields: Sequence[FieldSpec]) -> dict[str, Any]:
    """One property per field, each an object {value, quote}; both null when the notes are silent."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.id for f in fields],
        "properties": {
            f.id: {
                "type": "object",
                "description": describe(f),
                "additionalProperties": False,
                "required": ["value", "quote"],
                "properties": {"value": _value_schema(f), "quote": _QUOTE},
            }
            for f in fields
        },
    }


def _value_schema(spec: FieldSpec) -> dict[str, Any]:
    if spec.type is FieldType.NUMBER:
        return {"type": ["number", "null"]}
    if spec.type is FieldType.CHECKBOX:
        return {"type": ["boolean", "null"]}
    if spec.type is FieldType.SELECT:
        return {"type": ["string", "null"], "enum": [*(spec.options or []), None]}
    if spec.type is FieldType.MULTI_SELECT:
        return {"type": ["array", "null"], "items": {"type": "string", "enum": list(spec.options or [])}}
    if spec.type is FieldType.USERS:
        return {"type": ["array", "null"], "items": {"type": "string"}}
    return {"type": ["string", "null"]}


_SHAPES = {
    FieldType.TEXT: "a short text", FieldType.LONG_TEXT: "a few sentences",
    FieldType.NUMBER: "a number", FieldType.MONEY: "an amount, digits only",
    FieldType.DATE: "a date as YYYY-MM-DD", FieldType.SELECT: "one of the listed options",
    FieldType.MULTI_SELECT: "any of the listed options", FieldType.USER: "an email address",
    FieldType.USERS: "email addresses", FieldType.EMAIL: "an email address",
    FieldType.URL: "a web address", FieldType.CHECKBOX: "true only if the notes say so",
}


def describe(spec: FieldSpec) -> str:
    """One line about a field for the model: what it holds and the form of its value."""
    parts = [spec.label]
    if spec.help:
        parts.append(spec.help)
    shape = _SHAPES[spec.type]
    if spec.max_length:
        shape += f", at most {spec.max_length} characters"
    if spec.options:
        shape += f" ({'; '.join(spec.options)})"
    parts.append(f"Value: {shape}.")
    return " ".join(p.rstrip() if p.rstrip().endswith(".") else p.rstrip() + "." for p in parts)


def field_guide(fields: Sequence[FieldSpec]) -> str:
    """The fields as a list for the prompt, one `- id: description` line each."""
    return "\n".join(f"- {f.id}: {describe(f)}" for f in fields)


def read_reply(content: str, fields: Sequence[FieldSpec]) -> dict[str, tuple[Any, Any]]:
    """field id -> (value, quote) for each field the answer mentions; ModelReplyInvalid otherwise.

    Only the fields asked about are read; anything else in the answer is ignored.
    """
    fenced = _FENCE.match(content or "")
    text = fenced.group(1) if fenced else (content or "")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelReplyInvalid(f"{exc.msg} at character {exc.pos}") from None
    if not isinstance(data, dict):
        raise ModelReplyInvalid(f"expected an object, got {type(data).__name__}")
    answers: dict[str, tuple[Any, Any]] = {}
    for spec in fields:
        entry = data.get(spec.id)
        if entry is None:
            continue
        if isinstance(entry, dict):
            answers[spec.id] = (entry.get("value"), entry.get("quote"))
        else:  # a bare value: no quote, so it will be dropped as unsupported
            answers[spec.id] = (entry, None)
    return answers
