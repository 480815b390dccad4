"""How a chat adapter tells the dispatcher what became of one delivery."""

from __future__ import annotations


class RetryLater(Exception):
    """Try this delivery again after `seconds`; `counts` is False for pacing (not a failure)."""

    def __init__(self, seconds: float, reason: str, *, counts: bool = True) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason
        self.counts = counts


class Undeliverable(Exception):
    """The platform refused in a way retrying will not change; a person must look."""
