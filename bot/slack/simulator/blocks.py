"""Block Kit validation for messages, modals and Home tabs, and the ids Slack fills in.

A message holds at most 50 blocks, a modal or Home tab 100. A modal's title, submit and close
are plain text of at most 24 characters; `private_metadata` at most 3,000; `callback_id` and
`external_id` at most 255; a modal with an input block must define `submit`. `block_id` and
`action_id` are at most 255 characters; a `block_id` is unique within the message or view, an
`action_id` within its block (Slack's documented scope: several input blocks may all use
`action_id: "value"`, since submitted state is keyed by block_id first).

Input blocks are refused in messages. Slack's element table lists a few input elements for
messages, but their interactions there are narrow; the simulator errs strict (see report).
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from bot.slack.simulator.elements import (
    ACCESSORIES,
    ACTION_ELEMENTS,
    INPUT_ELEMENTS,
    check_element,
    check_image,
)
from bot.slack.simulator.kit import Checker

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
INPUT_SURFACES = {"modal", "home"}
BLOCK_SURFACES = {"input": INPUT_SURFACES, "markdown": {"message"}, "file": {"message"}}
BLOCK_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (optional fields, required fields); every block may carry type and block_id
    "section": (("text", "fields", "accessory", "expand"), ()),
    "header": ((), ("text",)),
    "divider": ((), ()),
    "context": ((), ("elements",)),
    "actions": ((), ("elements",)),
    "input": (("hint", "optional", "dispatch_action"), ("label", "element")),
    "image": (("image_url", "slack_file", "title"), ("alt_text",)),
    "rich_text": ((), ("elements",)),
    "markdown": ((), ("text",)),
    "file": ((), ("external_id", "source")),
    "video": (
        ("author_name", "description", "provider_icon_url", "provider_name", "title_url"),
        ("alt_text", "title", "thumbnail_url", "video_url"),
    ),
}
MODAL_FIELDS = (
    "title",
    "blocks",
    "close",
    "submit",
    "private_metadata",
    "callback_id",
    "clear_on_close",
    "notify_on_close",
    "external_id",
    "submit_disabled",
)
HOME_FIELDS = ("blocks", "private_metadata", "callback_id", "external_id")


def check_message_blocks(blocks: Any) -> list[str]:
    """Problems with a message's `blocks` (empty when Slack would accept them)."""
    ck = Checker("message")
    for i, block in enumerate(ck.array(blocks, "/blocks", max_items=MESSAGE_BLOCKS, min_items=0)):
        _block(ck, block, f"/blocks/{i}")
    return ck.problems


def check_view(view: Any, *, expect: str) -> list[str]:
    """Problems with a view payload; `expect` is the type the method takes (modal or home)."""
    kind = view.get("type") if isinstance(view, Mapping) else None
    ck = Checker(kind if kind in ("modal", "home") else expect)
    fields = MODAL_FIELDS if kind == "modal" else HOME_FIELDS
    required = ("type", "title", "blocks") if kind == "modal" else ("type", "blocks")
    if not ck.fields(view, "/view", allowed=("type", *fields), required=required):
        return ck.problems
    if kind != expect:
        ck.add("must be a valid enum value", "/view/type")
        return ck.problems
    if kind == "modal":
        ck.text(view["title"], "/view/title", max_len=24, plain=True)
        for name in ("submit", "close"):
            if view.get(name) is not None:
                ck.text(view[name], f"/view/{name}", max_len=24, plain=True)
    ck.string(view.get("private_metadata"), "/view/private_metadata", max_len=3000)
    ck.string(view.get("callback_id"), "/view/callback_id", max_len=255)
    ck.string(view.get("external_id"), "/view/external_id", max_len=255)
    blocks = ck.array(view["blocks"], "/view/blocks", max_items=VIEW_BLOCKS, min_items=0)
    for i, block in enumerate(blocks):
        _block(ck, block, f"/view/blocks/{i}")
        if (
            kind == "modal"
            and isinstance(block, Mapping)
            and block.get("type") == "input"
            and not view.get("submit")
        ):
            ck.add("must define `submit` to use an `input` block in modals", f"/view/blocks/{i}")
    return ck.problems


def _block(ck: Checker, block: Any, ptr: str) -> None:
    kind = block.get("type") if isinstance(block, Mapping) else None
    if not isinstance(block, Mapping) or not isinstance(kind, str):
        ck.add("missing required field: type", ptr)
        return
    if kind not in BLOCK_FIELDS or ck.surface not in BLOCK_SURFACES.get(kind, {ck.surface}):
        ck.add(f"unsupported type: {kind}", f"{ptr}/type")
        return
    optional, required = BLOCK_FIELDS[kind]
    if not ck.fields(block, ptr, allowed=("type", "block_id", *optional), required=required):
        return
    ck.block_id(block, ptr)
    ck.action_ids = set()  # action_ids need only be unique within their block
    _CONTENT.get(kind, _nothing)(ck, block, ptr)


def _nothing(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    """Blocks whose inner structure the simulator does not model (rich_text, video, file)."""


def _section(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    if "text" not in block and "fields" not in block:
        ck.add("must provide either text or fields", ptr)
    if "text" in block:
        ck.text(block["text"], f"{ptr}/text", max_len=3000)
    if "fields" in block:
        for i, item in enumerate(ck.array(block["fields"], f"{ptr}/fields", max_items=10)):
            ck.text(item, f"{ptr}/fields/{i}", max_len=2000)
    if "accessory" in block:
        check_element(ck, block["accessory"], f"{ptr}/accessory", ACCESSORIES)


def _header(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    ck.text(block["text"], f"{ptr}/text", max_len=150, plain=True)


def _context(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    for i, element in enumerate(ck.array(block["elements"], f"{ptr}/elements", max_items=10)):
        eptr = f"{ptr}/elements/{i}"
        if isinstance(element, Mapping) and element.get("type") == "image":
            check_image(ck, element, eptr)
        else:
            ck.text(element, eptr, max_len=3000)


def _actions(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    for i, element in enumerate(ck.array(block["elements"], f"{ptr}/elements", max_items=25)):
        check_element(ck, element, f"{ptr}/elements/{i}", ACTION_ELEMENTS)


def _input(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    ck.text(block["label"], f"{ptr}/label", max_len=2000, plain=True)
    if "hint" in block:
        ck.text(block["hint"], f"{ptr}/hint", max_len=2000, plain=True)
    ck.boolean(block.get("optional"), f"{ptr}/optional")
    ck.boolean(block.get("dispatch_action"), f"{ptr}/dispatch_action")
    check_element(ck, block["element"], f"{ptr}/element", INPUT_ELEMENTS)


def _image(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    if "image_url" not in block and "slack_file" not in block:
        ck.add("missing required field: image_url", ptr)
    ck.url(block.get("image_url"), f"{ptr}/image_url")
    ck.string(block["alt_text"], f"{ptr}/alt_text", max_len=2000)
    if "title" in block:
        ck.text(block["title"], f"{ptr}/title", max_len=2000, plain=True)


def _markdown(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    ck.string(block["text"], f"{ptr}/text", max_len=12000, min_len=1)


def _rich_text(ck: Checker, block: Mapping[str, Any], ptr: str) -> None:
    ck.array(block["elements"], f"{ptr}/elements", max_items=100, min_items=0)


_CONTENT = {
    "section": _section,
    "header": _header,
    "context": _context,
    "actions": _actions,
    "input": _input,
    "image": _image,
    "markdown": _markdown,
    "rich_text": _rich_text,
}


def with_ids(blocks: list[Any]) -> list[dict[str, Any]]:
    """A copy with the `block_id` and `action_id` values Slack generates when none are given."""
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", secrets.token_urlsafe(4)[:5])
        for element in _interactive(block):
            element.setdefault("action_id", secrets.token_urlsafe(4)[:5])
    return filled


def _interactive(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block.get("accessory"), block.get("element")]
    if block.get("type") == "actions":
        found.extend(block.get("elements", []))
    return [e for e in found if isinstance(e, dict) and e.get("type") != "image"]
