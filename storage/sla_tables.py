"""Tables of the SLA timers (imported by storage/tables.py, so the metadata holds them too).

`sla_clocks`: one row per timer cycle on a handoff (packet due since the close, acceptance due
since this submission, ...): running until its due time, then overdue (breach recorded), or
stopped when its condition was met. `/handoff overdue` and the weekly digest read it.

`sla_timers`: one row per ladder step per recipient, the queue the sweep claims from. The
(status, fire_at) index makes the sweep's cost follow the rows that are due, however many
handoffs and fired steps the tables hold.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import BigId, JsonDocument, UtcDateTime


class SlaClockRow(SQLModel, table=True):
    __tablename__ = "sla_clocks"
    __table_args__ = (
        # also the index for a handoff's clocks (its leading column)
        UniqueConstraint("handoff_id", "timer", "cycle", name="uq_sla_clocks_handoff_id_timer_cycle"),
        Index("ix_sla_clocks_status_due_at", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    handoff_id: str
    timer: str
    cycle: str
    side: str
    holders: list[str] = Field(sa_type=JsonDocument)
    prompt: bool
    high_touch: bool
    started_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime = Field(sa_type=UtcDateTime)
    status: str  # running | overdue | stopped
    breached_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    stopped_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class SlaTimerRow(SQLModel, table=True):
    __tablename__ = "sla_timers"
    __table_args__ = (
        UniqueConstraint("handoff_id", "timer", "cycle", "step", "recipient",
                         name="uq_sla_timers_handoff_id_timer_cycle_step_recipient"),
        Index("ix_sla_timers_status_fire_at", "status", "fire_at"),
        Index("ix_sla_timers_recipient_status_fire_at", "recipient", "status", "fire_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    handoff_id: str
    timer: str
    cycle: str
    step: str
    recipient: str
    rank: int
    escalation: bool
    fire_at: datetime = Field(sa_type=UtcDateTime)
    held_until: datetime | None = Field(default=None, sa_type=UtcDateTime)  # over budget: not before
    status: str  # pending | claimed (inside a sweep's transaction) | fired | skipped | cancelled
    note: str | None = Field(default=None, sa_type=Text)
    fired_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class NudgeBudgetRow(SQLModel, table=True):
    """Messages sent to one person on one of their local days (the daily nudge budget)."""

    __tablename__ = "nudge_budget"

    recipient: str = Field(primary_key=True)
    day: str = Field(primary_key=True)  # YYYY-MM-DD in the recipient's time zone
    sent: int
    updated_at: datetime = Field(sa_type=UtcDateTime)


class PersonTimeZoneRow(SQLModel, table=True):
    """Each person's IANA time zone, as their chat profile gives it (keyed by lower-case email)."""

    __tablename__ = "person_timezones"

    person: str = Field(primary_key=True)
    timezone: str
    updated_at: datetime = Field(sa_type=UtcDateTime)
