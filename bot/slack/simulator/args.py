"""Typed reads of a Web API call's arguments, whatever way they were sent.

slack_sdk sends some methods as JSON (values keep their types: lists, dicts, booleans) and
others as a form or a query string (every value a string, JSON arguments such as `blocks` or
`view` encoded as strings). Handlers read through `Args` so both arrive the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.slack.simulator.errors import SlackRefusal, missing

_TRUE = {"true", "1", "yes", "on"}


class Args:
    """The arguments of one call, read the lenient way Slack reads them."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        """A string argument; an empty string counts as absent, as Slack treats it."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = value if isinstance(value, str) else str(value)
        return text if text != "" else None

    def require(self, name: str, error: str | None = None) -> str:
        """A required string; absent raises `error` if given, else `invalid_arguments`."""
        value = self.text(name)
        if value is None:
            raise SlackRefusal(error) if error else missing(name)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE

    def integer(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(str(value))
        except ValueError:
            raise SlackRefusal("invalid_arguments", messages=[f"invalid `{name}`"]) from None

    def listed(self, name: str) -> list[str]:
        """A comma separated list (`users=U1,U2`) or, in JSON, a real list."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def json(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """A JSON argument, decoded from a string when it came in a form body."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise SlackRefusal(error, messages=[f"invalid JSON in `{name}`"]) from None
        return value
