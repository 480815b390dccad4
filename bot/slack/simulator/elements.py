"""Block elements and composition objects (options, confirm dialogs), checked as Slack does.

Limits are those of Slack's Block Kit reference: button text 75, value 2,000, url 3,000;
option text 75, value 150; placeholder 150; 100 options in a select, 10 in checkboxes and
radio buttons, 5 in an overflow menu; plain-text input lengths up to 3,000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.slack.simulator.kit import Checker

_SELECT = ("static", "external", "users", "conversations", "channels")
SELECTS = {f"{kind}_select" for kind in _SELECT}
MULTI_SELECTS = {f"multi_{kind}_select" for kind in _SELECT}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
INPUT_ELEMENTS = (
    SELECTS
    | MULTI_SELECTS
    | TEXT_INPUTS
    | {"datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons"}
    | {"rich_text_input", "file_input"}
)
ACTION_ELEMENTS = (
    SELECTS
    | MULTI_SELECTS
    | {"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons"}
    | {"timepicker", "workflow_button"}
)
ACCESSORIES = (ACTION_ELEMENTS - {"datetimepicker"}) | {"image"}
# Elements Slack offers only on some surfaces (its "Available in surfaces" column).
ELEMENT_SURFACES = {
    "email_text_input": {"modal"},
    "url_text_input": {"modal"},
    "number_input": {"modal"},
    "file_input": {"modal"},
    "rich_text_input": {"modal", "home"},
    "datetimepicker": {"modal", "message"},
    "workflow_button": {"message"},
}

_INTERACTIVE = ("confirm", "focus_on_load")
_PLACEHOLDER = ("placeholder",)
_DISPATCH = ("dispatch_action_config",)
FIELDS: dict[str, tuple[str, ...]] = {
    "button": ("text", "url", "value", "style", "confirm", "accessibility_label"),
    "overflow": ("options", "confirm"),
    "checkboxes": ("options", "initial_options", *_INTERACTIVE),
    "radio_buttons": ("options", "initial_option", *_INTERACTIVE),
    "datepicker": ("initial_date", *_INTERACTIVE, *_PLACEHOLDER),
    "timepicker": ("initial_time", "timezone", *_INTERACTIVE, *_PLACEHOLDER),
    "datetimepicker": ("initial_date_time", *_INTERACTIVE),
    "plain_text_input": (
        "initial_value",
        "multiline",
        "min_length",
        "max_length",
        *_DISPATCH,
        "focus_on_load",
        *_PLACEHOLDER,
    ),
    "email_text_input": ("initial_value", *_DISPATCH, "focus_on_load", *_PLACEHOLDER),
    "url_text_input": ("initial_value", *_DISPATCH, "focus_on_load", *_PLACEHOLDER),
    "number_input": (
        "is_decimal_allowed",
        "initial_value",
        "min_value",
        "max_value",
        *_DISPATCH,
        "focus_on_load",
        *_PLACEHOLDER,
    ),
    "rich_text_input": ("initial_value", *_DISPATCH, "focus_on_load", *_PLACEHOLDER),
    "file_input": ("filetypes", "max_files"),
    "static_select": ("options", "option_groups", "initial_option", *_INTERACTIVE, *_PLACEHOLDER),
    "multi_static_select": (
        "options",
        "option_groups",
        "initial_options",
        "max_selected_items",
        *_INTERACTIVE,
        *_PLACEHOLDER,
    ),
    "external_select": ("initial_option", "min_query_length", *_INTERACTIVE, *_PLACEHOLDER),
    "multi_external_select": (
        "initial_options",
        "min_query_length",
        "max_selected_items",
        *_INTERACTIVE,
        *_PLACEHOLDER,
    ),
    "users_select": ("initial_user", *_INTERACTIVE, *_PLACEHOLDER),
    "multi_users_select": ("initial_users", "max_selected_items", *_INTERACTIVE, *_PLACEHOLDER),
    "conversations_select": (
        "initial_conversation",
        "default_to_current_conversation",
        "response_url_enabled",
        "filter",
        *_INTERACTIVE,
        *_PLACEHOLDER,
    ),
    "multi_conversations_select": (
        "initial_conversations",
        "default_to_current_conversation",
        "max_selected_items",
        "filter",
        *_INTERACTIVE,
        *_PLACEHOLDER,
    ),
    "channels_select": ("initial_channel", "response_url_enabled", *_INTERACTIVE, *_PLACEHOLDER),
    "multi_channels_select": (
        "initial_channels",
        "max_selected_items",
        *_INTERACTIVE,
        *_PLACEHOLDER,
    ),
    "workflow_button": ("text", "workflow", "style", "accessibility_label"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "button": ("text",),
    "overflow": ("options",),
    "checkboxes": ("options",),
    "radio_buttons": ("options",),
    "number_input": ("is_decimal_allowed",),
    "workflow_button": ("text", "workflow"),
}
_OPTION_LIMITS = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")


def check_element(ck: Checker, element: Any, ptr: str, allowed: set[str]) -> None:
    """One element where `allowed` types may stand (an accessory, an actions or input slot)."""
    kind = element.get("type") if isinstance(element, Mapping) else None
    if not isinstance(element, Mapping) or not isinstance(kind, str):
        ck.add("missing required field: type", ptr)
        return
    if kind not in allowed or ck.surface not in ELEMENT_SURFACES.get(kind, {ck.surface}):
        ck.add(f"unsupported type: {kind}", f"{ptr}/type")
        return
    if kind == "image":
        check_image(ck, element, ptr)
        return
    if not ck.fields(
        element, ptr, allowed=("type", "action_id", *FIELDS[kind]), required=REQUIRED.get(kind, ())
    ):
        return
    ck.action_id(element, ptr)
    if "placeholder" in element:
        ck.text(element["placeholder"], f"{ptr}/placeholder", max_len=150, plain=True)
    if "confirm" in element:
        check_confirm(ck, element["confirm"], f"{ptr}/confirm")
    if kind in ("button", "workflow_button"):
        _button(ck, element, ptr)
    elif "options" in FIELDS[kind] or "option_groups" in FIELDS[kind]:
        _choices(ck, kind, element, ptr)
    elif kind == "plain_text_input":
        _text_input(ck, element, ptr)
    elif kind == "datepicker":
        _pattern(
            ck,
            element.get("initial_date"),
            f"{ptr}/initial_date",
            _DATE,
            "a valid date (YYYY-MM-DD)",
        )
    elif kind == "timepicker":
        _pattern(
            ck, element.get("initial_time"), f"{ptr}/initial_time", _TIME, "a valid time (HH:mm)"
        )


def _pattern(ck: Checker, value: Any, ptr: str, pattern: re.Pattern[str], what: str) -> None:
    if value is not None and not (isinstance(value, str) and pattern.match(value)):
        ck.add(f"must be {what}", ptr)


def check_image(ck: Checker, element: Any, ptr: str) -> None:
    if not ck.fields(
        element,
        ptr,
        allowed=("type", "image_url", "slack_file", "alt_text"),
        required=("alt_text",),
    ):
        return
    if "image_url" not in element and "slack_file" not in element:
        ck.add("missing required field: image_url", ptr)
    ck.url(element.get("image_url"), f"{ptr}/image_url")
    ck.string(element["alt_text"], f"{ptr}/alt_text", max_len=2000)


def check_confirm(ck: Checker, confirm: Any, ptr: str) -> None:
    fields = ("title", "text", "confirm", "deny")
    if not ck.fields(confirm, ptr, allowed=(*fields, "style"), required=fields):
        return
    ck.text(confirm["title"], f"{ptr}/title", max_len=100, plain=True)
    ck.text(confirm["text"], f"{ptr}/text", max_len=300)
    ck.text(confirm["confirm"], f"{ptr}/confirm", max_len=30, plain=True)
    ck.text(confirm["deny"], f"{ptr}/deny", max_len=30, plain=True)


def _button(ck: Checker, element: Mapping[str, Any], ptr: str) -> None:
    ck.text(element["text"], f"{ptr}/text", max_len=75, plain=True)
    ck.string(element.get("value"), f"{ptr}/value", max_len=2000)
    if "url" in element:
        ck.url(element["url"], f"{ptr}/url")
    if element.get("style") not in (None, "primary", "danger"):
        ck.add("must be a valid enum value", f"{ptr}/style")
    ck.string(element.get("accessibility_label"), f"{ptr}/accessibility_label", max_len=75)


def _option(ck: Checker, option: Any, ptr: str, *, plain: bool, url: bool) -> None:
    allowed = ("text", "value", "description", *(("url",) if url else ()))
    if not ck.fields(option, ptr, allowed=allowed, required=("text", "value")):
        return
    ck.text(option["text"], f"{ptr}/text", max_len=75, plain=plain)
    ck.string(option["value"], f"{ptr}/value", max_len=150, min_len=1)
    if "description" in option:
        ck.text(option["description"], f"{ptr}/description", max_len=75, plain=plain)
    if url and "url" in option:
        ck.url(option["url"], f"{ptr}/url")


def _same(a: Any, b: Any) -> bool:
    """Slack matches an initial option to an option by its text and value."""
    if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
        return False
    text_a, text_b = a.get("text"), b.get("text")
    same_text = (
        isinstance(text_a, Mapping)
        and isinstance(text_b, Mapping)
        and text_a.get("text") == text_b.get("text")
    )
    return bool(same_text and a.get("value") == b.get("value"))


def _choices(ck: Checker, kind: str, element: Mapping[str, Any], ptr: str) -> None:
    plain = kind not in ("checkboxes", "radio_buttons")
    options: list[Any] = []
    if "options" in element and "option_groups" in element:
        ck.add("must provide either options or option_groups, not both", ptr)
    if "options" in element:
        options = ck.array(
            element["options"], f"{ptr}/options", max_items=_OPTION_LIMITS.get(kind, 100)
        )
        for i, option in enumerate(options):
            _option(ck, option, f"{ptr}/options/{i}", plain=plain, url=kind == "overflow")
    elif "option_groups" in element:
        groups = ck.array(element["option_groups"], f"{ptr}/option_groups", max_items=100)
        for g, group in enumerate(groups):
            gptr = f"{ptr}/option_groups/{g}"
            if ck.fields(group, gptr, allowed=("label", "options"), required=("label", "options")):
                ck.text(group["label"], f"{gptr}/label", max_len=75, plain=True)
                for i, option in enumerate(
                    ck.array(group["options"], f"{gptr}/options", max_items=100)
                ):
                    _option(ck, option, f"{gptr}/options/{i}", plain=True, url=False)
                    options.append(option)
    elif kind in ("static_select", "multi_static_select"):
        ck.add("missing required field: options", ptr)
    if kind.endswith("external_select"):
        return  # external options come from the app at run time: nothing to match against
    initial = element.get("initial_option")
    if initial is not None and not any(_same(initial, o) for o in options):
        ck.add("must match one of the provided options", f"{ptr}/initial_option")
    for i, chosen in enumerate(element.get("initial_options") or []):
        if not any(_same(chosen, o) for o in options):
            ck.add("must match one of the provided options", f"{ptr}/initial_options/{i}")


def _text_input(ck: Checker, element: Mapping[str, Any], ptr: str) -> None:
    bounds: dict[str, int] = {}
    for name, low in (("min_length", 0), ("max_length", 1)):
        value = element.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 3000:
            ck.add(f"must be an integer between {low} and 3000", f"{ptr}/{name}")
        else:
            bounds[name] = value
    if bounds.get("min_length", 0) > bounds.get("max_length", 3000):
        ck.add("min_length must not be greater than max_length", ptr)
    ck.string(
        element.get("initial_value"), f"{ptr}/initial_value", max_len=bounds.get("max_length", 3000)
    )
    ck.boolean(element.get("multiline"), f"{ptr}/multiline")
