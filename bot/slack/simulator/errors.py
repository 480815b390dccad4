"""The one way a simulated Web API method refuses a call.

Slack answers a refused call with HTTP 200 and `{"ok": false, "error": code}`; Block Kit and
argument problems add `response_metadata.messages` lines of the form
`[ERROR] <what> [json-pointer:<where>]`, and `chat.*` also repeats them, unprefixed, in `errors`.
Handlers raise `SlackRefusal`; the dispatcher turns it into that body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class SlackRefusal(Exception):
    """A method refused the call with a Slack error code (HTTP 200, `ok: false`)."""

    def __init__(
        self,
        code: str,
        *,
        messages: Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
        list_errors: bool = False,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages)
        self.extra = dict(extra or {})
        self.list_errors = list_errors

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would send for this refusal."""
        body: dict[str, Any] = {"ok": False, "error": self.code}
        if self.list_errors and self.messages:
            body["errors"] = list(self.messages)
        body.update(self.extra)
        if self.messages:
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return body


def missing(field: str) -> SlackRefusal:
    """A required argument was not given: Slack's generic `invalid_arguments` answer."""
    return SlackRefusal("invalid_arguments", messages=[f"missing required field: {field}"])
