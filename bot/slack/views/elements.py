"""One Block Kit input element per packet field type, pre-filled with the saved value.

Pre-filling must round-trip: submitting a step unchanged has to save exactly what was there.
So a `user` field that holds an email (a customer contact has no Slack account) is shown as an
email input rather than an empty user picker, which would silently erase it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    EmailInputElement,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)

from bot.slack import ids
from bot.slack.views import kit
from bot.slack.views.fmt import is_slack_id
from core.handoff import is_empty
from core.playbook import FieldSpec, FieldType

CHECKED = "true"


def choice(text: str) -> Option:
    """The option for a select value: the value is the option text itself (both ≤ 75)."""
    return kit.option(text, text)


def checkbox_option(spec: FieldSpec) -> Option:
    return kit.option(spec.label, CHECKED)


def element_for(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    """The input element for `spec`, showing `value` (None or empty for a blank field)."""
    return _BUILDERS[spec.type](spec, None if is_empty(value) else value)


def _text(spec: FieldSpec, value: Any, *, multiline: bool = False) -> InputInteractiveElement:
    initial = None if value is None else str(value)[: kit.INPUT_MAX_LENGTH]
    # A value saved before max_length was tightened must still fit, or Slack rejects the view;
    # the packet rules then report it on submission, next to the field.
    longest = max(spec.max_length or kit.INPUT_MAX_LENGTH, len(initial or ""))
    return PlainTextInputElement(
        action_id=ids.VALUE_ACTION, multiline=multiline, initial_value=initial,
        max_length=min(longest, kit.INPUT_MAX_LENGTH), placeholder=kit.placeholder(spec.placeholder),
    )


def _long_text(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    return _text(spec, value, multiline=True)


def _number_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return format(Decimal(str(value)), "f")
    except InvalidOperation:
        return None


def _number(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    initial = _number_text(value)
    number = None if initial is None else float(initial)
    # Bounds help people as they type, but an out-of-range saved value would make Slack refuse
    # to open the modal, so they are only set when the saved value honours them.
    low, high = spec.min_value, spec.max_value
    in_range = number is None or ((low is None or number >= low) and (high is None or number <= high))
    return NumberInputElement(
        action_id=ids.VALUE_ACTION, is_decimal_allowed=True, initial_value=initial,
        min_value=_bound(low) if in_range else None, max_value=_bound(high) if in_range else None,
        placeholder=kit.placeholder(spec.placeholder),
    )


def _bound(limit: float | None) -> str | None:
    return None if limit is None else f"{limit:g}"


def _money(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    return NumberInputElement(
        action_id=ids.VALUE_ACTION, is_decimal_allowed=True, initial_value=_number_text(value),
        min_value="0", placeholder=kit.placeholder(spec.placeholder),
    )


def _date(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    initial = None
    if value is not None:
        try:
            initial = date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            initial = None
    return DatePickerElement(
        action_id=ids.VALUE_ACTION, initial_date=initial, placeholder=kit.placeholder(spec.placeholder),
    )


def _select(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    options = [choice(o) for o in spec.options or []][: kit.OPTIONS_MAX]
    initial = choice(str(value)) if value is not None and str(value) in (spec.options or []) else None
    return StaticSelectElement(
        action_id=ids.VALUE_ACTION, options=options, initial_option=initial,
        placeholder=kit.placeholder(spec.placeholder),
    )


def _multi_select(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    options = [choice(o) for o in spec.options or []][: kit.OPTIONS_MAX]
    chosen = [value] if isinstance(value, str) else list(value or [])
    initial = [choice(str(v)) for v in chosen if str(v) in (spec.options or [])]
    return StaticMultiSelectElement(
        action_id=ids.VALUE_ACTION, options=options, initial_options=initial or None,
        placeholder=kit.placeholder(spec.placeholder),
    )


def _user(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    if value is not None and not is_slack_id(value):
        return EmailInputElement(
            action_id=ids.VALUE_ACTION, initial_value=str(value), placeholder=kit.placeholder(spec.placeholder),
        )
    return UserSelectElement(
        action_id=ids.VALUE_ACTION, initial_user=value, placeholder=kit.placeholder(spec.placeholder),
    )


def _users(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    people = [value] if isinstance(value, str) else [str(v) for v in value or []]
    if not all(is_slack_id(p) for p in people):
        # Emails among them: a comma-separated text keeps every one (the packet rules split it).
        return PlainTextInputElement(
            action_id=ids.VALUE_ACTION, initial_value=", ".join(people)[: kit.INPUT_MAX_LENGTH],
            max_length=kit.INPUT_MAX_LENGTH, placeholder=kit.placeholder(spec.placeholder),
        )
    return UserMultiSelectElement(
        action_id=ids.VALUE_ACTION, initial_users=people or None, placeholder=kit.placeholder(spec.placeholder),
    )


def _email(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    return EmailInputElement(
        action_id=ids.VALUE_ACTION, initial_value=None if value is None else str(value),
        placeholder=kit.placeholder(spec.placeholder),
    )


def _url(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    return UrlInputElement(
        action_id=ids.VALUE_ACTION, initial_value=None if value is None else str(value),
        placeholder=kit.placeholder(spec.placeholder),
    )


def _checkbox(spec: FieldSpec, value: Any) -> InputInteractiveElement:
    box = checkbox_option(spec)
    return CheckboxesElement(
        action_id=ids.VALUE_ACTION, options=[box], initial_options=[box] if value else None,
    )


_BUILDERS: dict[FieldType, Callable[[FieldSpec, Any], InputInteractiveElement]] = {
    FieldType.TEXT: _text, FieldType.LONG_TEXT: _long_text, FieldType.NUMBER: _number,
    FieldType.MONEY: _money, FieldType.DATE: _date, FieldType.SELECT: _select,
    FieldType.MULTI_SELECT: _multi_select, FieldType.USER: _user, FieldType.USERS: _users,
    FieldType.EMAIL: _email, FieldType.URL: _url, FieldType.CHECKBOX: _checkbox,
}
