"""The database schema, as sqlmodel tables; migrations/versions must create exactly this.

A handoff is one row: the nested parts of the aggregate (deal, packet, overrides, ...) are
JSON documents, and the numbers metrics and SLA sweeps need are flat, indexed columns, so
those queries never parse JSON. The audit trail and the outbox are append-only side tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import BigId, JsonDocument, UtcDateTime


class HandoffRow(SQLModel, table=True):
    """One handoff per deal; `version` is the optimistic lock every UPDATE checks."""

    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("deal_id", name="uq_handoffs_deal_id"),
        # (status, ...) composites also serve plain status lookups by their leading column.
        Index("ix_handoffs_status_opened_at", "status", "opened_at"),
        Index("ix_handoffs_status_submitted_at", "status", "submitted_at"),
        Index("ix_handoffs_segment_opened_at", "segment", "opened_at"),
        Index("ix_handoffs_csm_email", "csm_email"),
        Index("ix_handoffs_owner_email", "owner_email"),
        Index("ix_handoffs_opened_at", "opened_at"),
        # Covers every column a period's metrics read, so a year of them scans this narrow index
        # rather than the wide rows (deal, packet and audit documents).
        Index("ix_handoffs_metrics", "opened_at", "segment", "ae_email", "csm_email", "first_submitted_at",
              "submitted_complete", "escalation_count", "overridden", "sla_breach_count", "rating",
              "repeat_ask_count", "us_to_submit", "us_to_accept", "us_to_first_touch"),
    )

    id: str = Field(primary_key=True)
    deal_id: str
    deal_name: str
    account: str
    segment: str
    status: str
    ae_email: str
    ae_chat_id: str | None = None
    csm_email: str
    csm_chat_id: str | None = None
    owner_email: str
    deal: dict[str, Any] = Field(sa_type=JsonDocument)
    required_fields: list[str] = Field(sa_type=JsonDocument)
    packet: dict[str, Any] = Field(sa_type=JsonDocument)
    opened_at: datetime = Field(sa_type=UtcDateTime)
    closed_at: datetime = Field(sa_type=UtcDateTime)
    first_submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    submitted_complete: bool | None = None
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    overridden: bool = False
    escalation_count: int = 0
    sla_breach_count: int = 0
    first_touch_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The spans the medians are of, in whole microseconds, kept beside their timestamps so a
    # year of metrics reads three integers per handoff instead of sorting computed dates.
    us_to_submit: int | None = Field(default=None, sa_type=BigInteger)
    us_to_accept: int | None = Field(default=None, sa_type=BigInteger)
    us_to_first_touch: int | None = Field(default=None, sa_type=BigInteger)
    rating: int | None = None
    repeat_ask_count: int = 0
    overrides: list[dict[str, Any]] = Field(sa_type=JsonDocument)
    escalations: list[dict[str, Any]] = Field(sa_type=JsonDocument)
    milestones: dict[str, Any] = Field(sa_type=JsonDocument)
    sla_breaches: list[str] = Field(sa_type=JsonDocument)
    version: int
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class AuditEntryRow(SQLModel, table=True):
    """Append-only: rows are inserted once and never updated or deleted."""

    __tablename__ = "audit_entries"
    # The unique (handoff_id, seq) index is also the index for loading one handoff's trail.
    __table_args__ = (UniqueConstraint("handoff_id", "seq", name="uq_audit_entries_handoff_id_seq"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    handoff_id: str = Field(sa_column_args=[ForeignKey("handoffs.id", name="fk_audit_entries_handoff_id")])
    seq: int
    at: datetime = Field(sa_type=UtcDateTime)
    actor_id: str
    action: str
    from_status: str
    to_status: str
    detail: dict[str, Any] = Field(sa_type=JsonDocument)


class OutboxRow(SQLModel, table=True):
    """A message to deliver; the unique idempotency key makes a replayed commit a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        Index("ix_outbox_handoff_id", "handoff_id"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    idempotency_key: str
    handoff_id: str
    kind: str
    payload: dict[str, Any] = Field(sa_type=JsonDocument)
    target: str = Field(default="chat", sa_column_kwargs={"server_default": "chat"})
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ProcessedEventRow(SQLModel, table=True):
    """Inbound event ids already handled (Slack retries, webhook redeliveries)."""

    __tablename__ = "processed_events"

    key: str = Field(primary_key=True)
    processed_at: datetime = Field(sa_type=UtcDateTime)


class ChatRefRow(SQLModel, table=True):
    """Where a handoff lives in a chat platform (channel, thread, card message), by name.

    Owned by the chat adapters; the core never sees it.
    """

    __tablename__ = "chat_refs"

    handoff_id: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    value: str
    updated_at: datetime = Field(sa_type=UtcDateTime)


class DeliveryStepRow(SQLModel, table=True):
    """One finished step of delivering an outbox message (a channel created, a card posted).

    A retried delivery skips the steps recorded here, so a crash or a 429 halfway through
    does not create a second channel or post a second card.
    """

    __tablename__ = "delivery_steps"

    key: str = Field(primary_key=True)
    result: str
    done_at: datetime = Field(sa_type=UtcDateTime)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


# Core tables: the repository writes with explicit statements (the version check needs them).
HANDOFFS = _table("handoffs")
AUDIT_ENTRIES = _table("audit_entries")
OUTBOX = _table("outbox")
PROCESSED_EVENTS = _table("processed_events")
CHAT_REFS = _table("chat_refs")
DELIVERY_STEPS = _table("delivery_steps")

# The SLA timers' tables live in their own module; importing it registers them on the metadata.
from storage import sla_tables  # noqa: E402

assert sla_tables.SlaTimerRow.__tablename__ == "sla_timers"
SLA_CLOCKS = _table("sla_clocks")
SLA_TIMERS = _table("sla_timers")
NUDGE_BUDGET = _table("nudge_budget")
PERSON_TIMEZONES = _table("person_timezones")

# The Teams adapter's tables, likewise.
from storage import teams_tables  # noqa: E402

assert teams_tables.TeamsPersonRow.__tablename__ == "teams_people"
TEAMS_CONVERSATIONS = _table("teams_conversations")
TEAMS_PEOPLE = _table("teams_people")
