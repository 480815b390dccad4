"""What tests can make go wrong at Slack's edge, and the counters of what was served.

Faults happen before a method runs (no state changes), as an outage of Slack's edge would:
an injected 5xx carries an HTML page or nothing, never a Web API JSON body.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

EDGE_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack is having trouble</title></head>"
    "<body><h1>{status}</h1><p>Something went wrong on our end.</p></body></html>"
)


@dataclass
class Failure:
    status: int
    times: int
    body: str  # "html" or "empty"


@dataclass
class Faults:
    """Injected failures, keyed by method name."""

    failures: dict[str, Failure] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    down: bool = False

    def take_failure(self, method: str) -> Failure | None:
        """The failure to serve for this call, if one is armed (spending one of its `times`)."""
        failure = self.failures.get(method)
        if failure is None:
            return None
        failure.times -= 1
        if failure.times <= 0:
            del self.failures[method]
        return failure


@dataclass
class Stats:
    """Counters by method: calls received, 429s served, `ok: false` answers, injected 5xx."""

    calls: Counter[str] = field(default_factory=Counter)
    ratelimited: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_ratelimited(self) -> int:
        return sum(self.ratelimited.values())
