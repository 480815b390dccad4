"""The real clock. Tests inject a frozen one instead, so SLA logic never sleeps."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
