"""Read what people entered in a modal (`view.state.values`) back into plain values.

Slack sends `{block_id: {action_id: {"type": ..., <value key>: ...}}}`; the key holding the value
depends on the element type. Values come back raw (strings, lists, bools) for the packet rules
in core.packet to parse and check, so the same rules serve Slack, Teams and the webhook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.slack import ids
from bot.slack.views.fmt import is_slack_id
from core.playbook import FieldSpec, FieldType

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]

_TEXT_TYPES = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}


def _option_value(option: Any) -> str | None:
    return option.get("value") if isinstance(option, Mapping) else None


def element_value(entry: Mapping[str, Any]) -> Any:
    """The value of one element's state: a string, a list, or None when left empty.

    Checkboxes come back as the list of ticked option values; `read_step_values` turns a packet
    checkbox into a bool.
    """
    kind = entry.get("type")
    if kind in _TEXT_TYPES:
        value = entry.get("value")
        return value if isinstance(value, str) and value != "" else None
    if kind == "datepicker":
        return entry.get("selected_date") or None
    if kind in ("static_select", "radio_buttons", "external_select"):
        return _option_value(entry.get("selected_option"))
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        chosen = [_option_value(o) for o in entry.get("selected_options") or []]
        return [c for c in chosen if c is not None] or None
    if kind == "users_select":  # Slack's user ids are checked here, at the edge; the core takes any chat id
        user = entry.get("selected_user")
        return user if is_slack_id(user) else None
    if kind == "multi_users_select":
        return [u for u in entry.get("selected_users") or [] if is_slack_id(u)] or None
    if kind == "conversations_select":
        return entry.get("selected_conversation") or None
    if kind == "channels_select":
        return entry.get("selected_channel") or None
    return None


def value_of(state_values: StateValues, block_id: str, action_id: str = ids.VALUE_ACTION) -> Any:
    """The value in one input block, None when the block is absent or empty."""
    entry = state_values.get(block_id, {}).get(action_id)
    return None if entry is None else element_value(entry)


def read_step_values(state_values: StateValues, fields: Sequence[FieldSpec]) -> dict[str, Any]:
    """Raw values for the fields of one packet step, ready for core.packet.validate_values.

    A field whose block is not in the submission is left out (not cleared); an empty one maps
    to None; a checkbox maps to True or False.
    """
    values: dict[str, Any] = {}
    for spec in fields:
        entry = state_values.get(spec.id, {}).get(ids.VALUE_ACTION)
        if entry is None:
            continue
        value = element_value(entry)
        values[spec.id] = bool(value) if spec.type is FieldType.CHECKBOX else value
    return values
