"""Shared pieces of the Block Kit checker: where a problem is, and the field-level checks.

Every problem is recorded as Slack words it, `<what> [json-pointer:<where>]`, so a refused
call reads the same against the simulator as against Slack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEXT_TYPES = {"plain_text", "mrkdwn"}


@dataclass
class Checker:
    """One validation pass over a message or a view: the surface and what was found so far."""

    surface: str  # "message", "modal" or "home"
    problems: list[str] = field(default_factory=list)
    block_ids: set[str] = field(default_factory=set)
    action_ids: set[str] = field(default_factory=set)  # of the block being checked

    def add(self, message: str, pointer: str) -> None:
        self.problems.append(f"{message} [json-pointer:{pointer}]")

    def fields(
        self, obj: Any, ptr: str, *, allowed: Iterable[str], required: Iterable[str] = ()
    ) -> bool:
        """Is `obj` an object with no unknown and no missing fields? Reports each one."""
        if not isinstance(obj, Mapping):
            self.add("must be an object", ptr)
            return False
        allowed_set = set(allowed) | set(required)
        for name in obj:
            if name not in allowed_set:
                self.add(f"invalid additional property: {name}", ptr)
        ok = True
        for name in required:
            if name not in obj or obj[name] is None:
                self.add(f"missing required field: {name}", ptr)
                ok = False
        return ok

    def string(self, value: Any, ptr: str, *, max_len: int, min_len: int = 0) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.add("must be a string", ptr)
            return None
        if len(value) > max_len:
            self.add(f"must be less than {max_len + 1} characters", ptr)
        elif len(value) < min_len:
            self.add(f"must be more than {min_len - 1} characters", ptr)
        return value

    def boolean(self, value: Any, ptr: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.add("must be a boolean", ptr)

    def array(self, value: Any, ptr: str, *, max_items: int, min_items: int = 1) -> list[Any]:
        """A list within Slack's item bounds; returns it (or []) so callers can walk it."""
        if not isinstance(value, list):
            self.add("must be an array", ptr)
            return []
        if len(value) > max_items:
            self.add(f"no more than {max_items} items allowed", ptr)
        elif len(value) < min_items:
            self.add(f"must provide at least {min_items} items", ptr)
        return value

    def text(self, obj: Any, ptr: str, *, max_len: int, plain: bool = False) -> None:
        """A text object; `plain` where Slack accepts only `plain_text` (labels, buttons...)."""
        kind = obj.get("type") if isinstance(obj, Mapping) else None
        extra = "emoji" if kind == "plain_text" else "verbatim"
        if not self.fields(obj, ptr, allowed=("type", "text", extra), required=("type", "text")):
            return
        if kind not in (("plain_text",) if plain else TEXT_TYPES):
            self.add("must be a valid enum value", f"{ptr}/type")
        self.string(obj["text"], f"{ptr}/text", max_len=max_len, min_len=1)
        self.boolean(obj.get(extra), f"{ptr}/{extra}")

    def block_id(self, block: Mapping[str, Any], ptr: str) -> None:
        value = self.string(block.get("block_id"), f"{ptr}/block_id", max_len=255, min_len=1)
        if value is None:
            return
        if value in self.block_ids:
            self.add(f"duplicate block_id: {value}", f"{ptr}/block_id")
        self.block_ids.add(value)

    def action_id(self, element: Mapping[str, Any], ptr: str) -> None:
        value = self.string(element.get("action_id"), f"{ptr}/action_id", max_len=255, min_len=1)
        if value is None:
            return
        if value in self.action_ids:
            self.add(f"duplicate action_id: {value}", f"{ptr}/action_id")
        self.action_ids.add(value)

    def url(self, value: Any, ptr: str) -> None:
        url = self.string(value, ptr, max_len=3000)
        if url is not None and not url.startswith(("http://", "https://")):
            self.add("must be a valid URL", ptr)
