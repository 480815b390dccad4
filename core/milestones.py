"""Follow-ups after the flip: first customer touch, kickoff, 2-week feedback, 30-day check-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.errors import MissingInput

MILESTONES = ("first_touch", "kickoff", "feedback", "checkin")


@dataclass
class Milestones:
    first_touch_at: datetime | None = None
    kickoff_on: date | None = None
    feedback_went_well: str | None = None
    feedback_missing: str | None = None
    feedback_at: datetime | None = None
    rating: int | None = None
    repeat_asks: tuple[str, ...] = field(default_factory=tuple)
    checkin_at: datetime | None = None

    def record(self, milestone: str, *, at: datetime, **data: Any) -> dict[str, Any]:
        """Apply one milestone; returns what was recorded, for the audit trail."""
        if milestone == "first_touch":
            # The first touch is a metric: the earliest one counts, later ones change nothing.
            touched = data.get("touched_at") or at
            if self.first_touch_at is None or touched < self.first_touch_at:
                self.first_touch_at = touched
            return {"touched_at": self.first_touch_at.isoformat()}
        if milestone == "kickoff":
            on = data.get("on")
            if not isinstance(on, date):
                raise MissingInput("the kickoff date")
            self.kickoff_on = on  # kickoffs get rescheduled; the latest date stands
            return {"on": on.isoformat()}
        if milestone == "feedback":
            went_well, missing = str(data.get("went_well", "")).strip(), str(data.get("missing", "")).strip()
            if not went_well and not missing:
                raise MissingInput("what went well or what context was missing")
            self.feedback_went_well, self.feedback_missing, self.feedback_at = went_well, missing, at
            return {"went_well": went_well, "missing": missing}
        if milestone == "checkin":
            rating = data.get("rating")
            if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
                raise MissingInput("a packet quality rating from 1 to 5")
            self.rating, self.checkin_at = rating, at
            self.repeat_asks = tuple(data.get("repeat_asks", ()))
            return {"rating": rating, "repeat_asks": list(self.repeat_asks)}
        raise ValueError(f"unknown milestone {milestone!r}; one of {', '.join(MILESTONES)}")
