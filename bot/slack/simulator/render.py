"""Block Kit as a person would read it in a terminal: messages, modals and Home tabs.

Pure functions from Slack JSON to text, for `baton demo` to print what each person sees and
for tests to assert on. Headers are underlined, section fields read "label: value", buttons
"[ Accept ]", inputs "Label*: value" (`*` = required) with their hint and any inline error,
and context lines are prefixed (and dimmed with `color=True`). mrkdwn entities (&lt; &gt;
&amp;) are unescaped and `<@U…>` mentions become @names from `users`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_SPECIAL = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
DIM, BOLD, RESET = "\x1b[2m", "\x1b[1m", "\x1b[0m"
CONTEXT = "  › "


def unescape(text: str, users: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn to plain reading: mentions to @names, links to "label (url)", entities."""
    names = users or {}

    def special(match: re.Match[str]) -> str:
        sigil, ident, label = match.groups()
        if sigil == "@":
            return "@" + names.get(ident, label or ident)
        if sigil == "#":
            return "#" + (label or ident)
        if ident.startswith(("subteam^", "date^")):
            return label or ident.split("^", 1)[1]
        return "@" + ident

    text = _SPECIAL.sub(special, text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, users: Mapping[str, str] | None) -> str:
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    return unescape(text, users) if obj.get("type") == "mrkdwn" else text


def _field(obj: Any, users: Mapping[str, str] | None) -> str:
    """A section field: "*Label*\\nvalue" reads as "Label: value"."""
    text = _text(obj, users).strip()
    if "\n" not in text:
        return text
    label, value = text.split("\n", 1)
    return f"{label.strip('*_ ').rstrip(':')}: {value.strip()}"


def _option_text(option: Any, users: Mapping[str, str] | None) -> str:
    return _text(option.get("text"), users) if isinstance(option, Mapping) else ""


def _chosen(element: Mapping[str, Any], users: Mapping[str, str] | None) -> str:
    """The value an element shows before anyone touches it."""
    if "initial_value" in element and isinstance(element["initial_value"], str):
        return element["initial_value"]
    if "initial_option" in element:
        return _option_text(element["initial_option"], users)
    if element.get("initial_options"):
        return ", ".join(_option_text(o, users) for o in element["initial_options"])
    for key in ("initial_date", "initial_time", "initial_conversation", "initial_channel"):
        if key in element:
            return str(element[key])
    names = users or {}
    if "initial_user" in element:
        return "@" + names.get(element["initial_user"], element["initial_user"])
    if element.get("initial_users"):
        return ", ".join("@" + names.get(u, u) for u in element["initial_users"])
    return ""


def _element(element: Any, users: Mapping[str, str] | None) -> str:
    if not isinstance(element, Mapping):
        return ""
    kind = str(element.get("type", ""))
    if kind in ("button", "workflow_button"):
        return f"[ {_text(element.get('text'), users)} ]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind == "overflow":
        return "[ … ]"
    if kind in ("checkboxes", "radio_buttons"):
        picked = {
            o.get("value") for o in element.get("initial_options", []) if isinstance(o, Mapping)
        }
        if isinstance(element.get("initial_option"), Mapping):
            picked.add(element["initial_option"].get("value"))
        marks = ("[x]", "[ ]") if kind == "checkboxes" else ("(•)", "( )")
        return "\n".join(
            f"{marks[0] if o.get('value') in picked else marks[1]} {_option_text(o, users)}"
            for o in element.get("options", [])
            if isinstance(o, Mapping)
        )
    shown = _chosen(element, users) or _text(element.get("placeholder"), users) or "Select"
    return f"[ {shown} ▾ ]" if "select" in kind else f"[ {shown} ]"


def _input(
    block: Mapping[str, Any],
    users: Mapping[str, str] | None,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> list[str]:
    element = block.get("element") if isinstance(block.get("element"), Mapping) else {}
    assert isinstance(element, Mapping)
    label = _text(block.get("label"), users) + ("" if block.get("optional") else "*")
    block_id = str(block.get("block_id", ""))
    if element.get("type") in ("checkboxes", "radio_buttons") and block_id not in values:
        lines = [f"{label}:", *("  " + line for line in _element(element, users).splitlines())]
    else:
        current = values.get(block_id) or _chosen(element, users)
        shown = current or f"<{_text(element.get('placeholder'), users) or 'empty'}>"
        lines = [f"{label}: {shown}"]
    if block.get("hint"):
        lines.append(f"    {_text(block['hint'], users)}")
    if block_id in errors:
        lines.append(f"    ! {errors[block_id]}")
    return lines


def _rich_text(node: Any) -> str:
    if isinstance(node, Mapping):
        if "text" in node and isinstance(node["text"], str):
            return node["text"]
        return "".join(_rich_text(child) for child in node.get("elements", []))
    return ""


def render_blocks(
    blocks: Sequence[Any],
    *,
    users: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    width: int = 60,
    color: bool = False,
) -> str:
    """Blocks as lines of text; `values`/`errors` (by block_id) fill and flag input blocks."""
    values, errors = values or {}, errors or {}
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), users)
            lines += [f"{BOLD}{title}{RESET}" if color else title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                lines += _text(block["text"], users).splitlines()
            lines += [_field(f, users) for f in block.get("fields", [])]
            if block.get("accessory"):
                lines += _element(block["accessory"], users).splitlines()
        elif kind == "divider":
            lines.append("─" * width)
        elif kind == "context":
            parts = [
                _element(e, users)
                if isinstance(e, Mapping) and e.get("type") == "image"
                else _text(e, users)
                for e in block.get("elements", [])
            ]
            line = CONTEXT + " · ".join(p for p in parts if p)
            lines.append(f"{DIM}{line}{RESET}" if color else line)
        elif kind == "actions":
            lines.append("  ".join(_element(e, users) for e in block.get("elements", [])))
        elif kind == "input":
            lines += _input(block, users, values, errors)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines += _rich_text(block).splitlines()
        elif kind == "markdown":
            lines += str(block.get("text", "")).splitlines()
        else:
            lines.append(f"[{kind}]")
    return "\n".join(lines)


def render_message(
    message: Mapping[str, Any], *, users: Mapping[str, str] | None = None, color: bool = False
) -> str:
    """A message as its reader sees it: its blocks if it has any, else its text."""
    if message.get("blocks"):
        body = render_blocks(message["blocks"], users=users, color=color)
    else:
        body = unescape(str(message.get("text", "")), users)
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, Mapping):
            body += "\n| " + unescape(
                str(attachment.get("text") or attachment.get("fallback") or ""), users
            )
    return body


def render_view(
    view: Mapping[str, Any],
    *,
    users: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    width: int = 60,
    color: bool = False,
) -> str:
    """A modal in a box with its title and buttons, or a Home tab under a banner."""
    inner = render_blocks(
        view.get("blocks", []),
        users=users,
        values=values,
        errors=errors,
        width=width - 4,
        color=color,
    )
    if view.get("type") == "home":
        return "\n".join(["== Home ".ljust(width, "="), inner])
    title = _text(view.get("title"), users)
    buttons = [
        f"[ {_text(view.get(name), users)} ]" for name in ("close", "submit") if view.get(name)
    ]
    if not view.get("close"):
        buttons.insert(0, "[ Cancel ]")
    edge = "+" + "-" * (width - 2) + "+"
    body = [f"| {line}" for line in inner.splitlines()]
    return "\n".join([edge, f"| {title}", edge, *body, edge, "| " + "  ".join(buttons), edge])
