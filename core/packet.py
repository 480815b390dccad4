"""Packet values: turn what a person typed into a typed value, or say plainly what is wrong.

Messages are written to be shown under the field in a modal, so they name the field by its
label and say what would be accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import FieldInvalid, PacketInvalid
from core.handoff import is_empty
from core.playbook import FieldSpec, FieldType, Playbook
from core.text import clean_value

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_URL = re.compile(r"^https?://[^\s<>]+\.[^\s<>]+$", re.IGNORECASE)
# A person is an email, or a chat platform's user id as its adapter gave it: opaque to the core
# (Slack `U024BE7LH`, Teams `29:1kXr…` or an AAD object id), at least three characters with a
# digit, so a bare name ("Dana") or a handle ("@dana") is refused. Each adapter checks its own
# platform's shape at its edge (bot/slack/ids.py for Slack).
_USER = re.compile(r"^(?:(?=[^\s]*\d)[A-Za-z0-9][A-Za-z0-9:._-]{2,}|[^@\s]+@[^@\s]+)$")
_TRUE = {"true", "yes", "y", "1", "on", "checked"}
_FALSE = {"false", "no", "n", "0", "off", ""}
_DIGITS_MAX = 15  # beyond any real seat count or deal size; stops "1e999999999" eating the CPU


def parse_value(spec: FieldSpec, raw: Any, *, close_date: date, others: Mapping[str, Any]) -> Any:
    """The typed value for `raw`, None when empty; raises FieldInvalid with a message for people."""
    raw = clean_value(raw)  # typed or pasted: invisible controls never reach the packet
    blank = is_empty(raw) or (isinstance(raw, str) and not raw.strip())
    if blank and spec.type is not FieldType.CHECKBOX:
        return None
    value = _PARSERS[spec.type](spec, raw)
    _check_rules(spec, value, close_date=close_date, others=others)
    return value


def validate_values(
    playbook: Playbook, raw: Mapping[str, Any], *, close_date: date, current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Parse a batch of fields (one modal step); raise PacketInvalid naming every bad field."""
    merged = {**(current or {}), **raw}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field_id, value in raw.items():
        try:
            spec = playbook.field(field_id)
        except KeyError:
            errors[field_id] = f"'{field_id}' is not a field of this playbook"
            continue
        try:
            clean[field_id] = parse_value(spec, value, close_date=close_date, others=merged)
        except FieldInvalid as exc:
            errors[field_id] = exc.message
    if errors:
        raise PacketInvalid(errors)
    return clean


def _text(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid(spec.id, f"{spec.label} must be text")
    return raw.strip()


def _number(spec: FieldSpec, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise FieldInvalid(spec.id, f"{spec.label} must be a number")
    if isinstance(raw, int | float):
        return raw
    try:
        number = Decimal(str(raw).replace(",", "").replace("_", "").strip())
    except InvalidOperation:
        raise FieldInvalid(spec.id, f"{spec.label} must be a number, like 12 or 3.5") from None
    if not number.is_finite():
        raise FieldInvalid(spec.id, f"{spec.label} must be a number, like 12 or 3.5")
    if number.adjusted() >= _DIGITS_MAX:
        raise FieldInvalid(spec.id, f"{spec.label} is too large")
    return int(number) if number == number.to_integral_value() else float(number)


def _money(spec: FieldSpec, raw: Any) -> str:
    text = str(raw).strip().lstrip("$€£¥").replace(",", "").replace("_", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldInvalid(spec.id, f"{spec.label} must be an amount, like 12000 or 12,000.50") from None
    if not amount.is_finite() or amount < 0:
        raise FieldInvalid(spec.id, f"{spec.label} must be an amount of zero or more")
    if amount.adjusted() >= _DIGITS_MAX:
        raise FieldInvalid(spec.id, f"{spec.label} is too large")
    return str(amount.quantize(Decimal("0.01")))


def _date(spec: FieldSpec, raw: Any) -> str:
    if isinstance(raw, datetime):  # a CRM timestamp: the day is what the field holds
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(str(raw).strip()[:10]).isoformat()
    except ValueError:
        raise FieldInvalid(spec.id, f"{spec.label} must be a date, like 2026-03-31") from None


def _select(spec: FieldSpec, raw: Any) -> str:
    value = str(raw).strip()
    if value not in (spec.options or []):
        raise FieldInvalid(spec.id, f"{spec.label} must be one of: {', '.join(spec.options or [])}")
    return value


def _multi(spec: FieldSpec, raw: Any) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw)
    unknown = [str(i) for i in items if str(i) not in (spec.options or [])]
    if unknown:
        raise FieldInvalid(spec.id, f"{spec.label}: {unknown[0]!r} is not an option")
    return [str(i) for i in items]


def _user(spec: FieldSpec, raw: Any) -> str:
    value = str(raw).strip()
    if not _USER.match(value):
        raise FieldInvalid(spec.id, f"{spec.label} must be a person (a chat user or an email)")
    return value


def _users(spec: FieldSpec, raw: Any) -> list[str]:
    items = [s for s in re.split(r"[,\s]+", raw) if s] if isinstance(raw, str) else list(raw)
    return [_user(spec, i) for i in items]


def _email(spec: FieldSpec, raw: Any) -> str:
    value = str(raw).strip()
    if not _EMAIL.match(value):
        raise FieldInvalid(spec.id, f"{spec.label} must be an email address, like ana@example.com")
    return value


def _url(spec: FieldSpec, raw: Any) -> str:
    value = str(raw).strip()
    if not _URL.match(value):
        raise FieldInvalid(spec.id, f"{spec.label} must be a web address starting with https://")
    return value


def _checkbox(spec: FieldSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None or (isinstance(raw, list | tuple) and not raw):
        return False
    if isinstance(raw, list | tuple):
        return True
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise FieldInvalid(spec.id, f"{spec.label} must be yes or no")


_PARSERS = {
    FieldType.TEXT: _text, FieldType.LONG_TEXT: _text, FieldType.NUMBER: _number,
    FieldType.MONEY: _money, FieldType.DATE: _date, FieldType.SELECT: _select,
    FieldType.MULTI_SELECT: _multi, FieldType.USER: _user, FieldType.USERS: _users,
    FieldType.EMAIL: _email, FieldType.URL: _url, FieldType.CHECKBOX: _checkbox,
}


def _check_rules(spec: FieldSpec, value: Any, *, close_date: date, others: Mapping[str, Any]) -> None:
    if isinstance(value, str) and spec.type in (FieldType.TEXT, FieldType.LONG_TEXT):
        if spec.min_length is not None and len(value) < spec.min_length:
            raise FieldInvalid(spec.id, f"{spec.label} needs at least {spec.min_length} characters")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise FieldInvalid(spec.id, f"{spec.label} can be at most {spec.max_length} characters")
        if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
            raise FieldInvalid(spec.id, spec.pattern_hint or f"{spec.label} is not in the expected format")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec.min_value is not None and value < spec.min_value:
            raise FieldInvalid(spec.id, f"{spec.label} must be at least {spec.min_value:g}")
        if spec.max_value is not None and value > spec.max_value:
            raise FieldInvalid(spec.id, f"{spec.label} must be at most {spec.max_value:g}")
    if spec.type is FieldType.DATE and spec.not_before is not None:
        _check_not_before(spec, date.fromisoformat(value), close_date=close_date, others=others)


def _check_not_before(spec: FieldSpec, value: date, *, close_date: date, others: Mapping[str, Any]) -> None:
    if spec.not_before == "close_date":
        if value < close_date:
            raise FieldInvalid(spec.id, f"{spec.label} must be on or after the close date ({close_date})")
        return
    assert spec.not_before is not None
    other = others.get(spec.not_before)
    if isinstance(other, str) and other:
        try:
            earliest = date.fromisoformat(other[:10])
        except ValueError:
            return  # the other field reports its own error
        if value < earliest:
            raise FieldInvalid(spec.id, f"{spec.label} must be on or after {spec.not_before.replace('_', ' ')} ({earliest})")
