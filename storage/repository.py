"""The SQL handoff repository: loads aggregates, tracks them for the unit of work, projects facts.

Queries read the flat columns only; JSON documents are decoded just for the handoffs returned.
Every handoff handed out is remembered (an identity map), so asking twice in one unit of work
gives the same object, and commit knows what to save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from core.errors import HandoffNotFound
from core.handoff import Handoff
from core.machine import FINAL, Status
from core.metrics import HandoffFacts
from storage.mapping import Row, from_row, to_row
from storage.tables import AUDIT_ENTRIES, HANDOFFS

H = HANDOFFS.c
UNFINISHED = tuple(s.value for s in Status if s not in FINAL)
# What the SLA sweep looks at: the ball is with the AE since opening, or with the CSM since submission.
WAITING_ON_AE = (Status.OPENED.value, Status.DRAFTING.value, Status.ESCALATED.value)


@dataclass
class Tracked:
    """A handoff this unit of work handed out or was given, and what the database last held."""

    handoff: Handoff
    row: Row | None  # to_row() as loaded or last saved; None while the handoff is new
    version: int
    audit_seq: int  # highest audit seq already in the database


class SqlHandoffRepository:
    """core.ports.HandoffRepository over one SQLAlchemy session (owned by the unit of work)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.tracked: dict[str, Tracked] = {}

    def add(self, handoff: Handoff) -> None:
        if handoff.id not in self.tracked:
            self.tracked[handoff.id] = Tracked(handoff, row=None, version=handoff.version, audit_seq=0)

    def get(self, handoff_id: str) -> Handoff:
        if handoff_id in self.tracked:
            return self.tracked[handoff_id].handoff
        found = self._load(select(HANDOFFS).where(H.id == handoff_id))
        if not found:
            raise HandoffNotFound(handoff_id)
        return found[0]

    def get_many(self, handoff_ids: Sequence[str]) -> list[Handoff]:
        """Several handoffs in two queries (rows, then audit trails); unknown ids are left out."""
        ids = list(dict.fromkeys(handoff_ids))
        fresh = [i for i in ids if i not in self.tracked]
        if fresh:
            self._load(select(HANDOFFS).where(H.id.in_(fresh)))
        return [self.tracked[i].handoff for i in ids if i in self.tracked]

    def get_by_deal(self, deal_id: str) -> Handoff | None:
        found = self._load(select(HANDOFFS).where(H.deal_id == deal_id))
        return found[0] if found else None

    def find(
        self, *, person_email: str | None = None, statuses: Sequence[str] | None = None,
        text: str | None = None, limit: int = 50,
    ) -> list[Handoff]:
        """Newest first, so a status list shows what is live rather than last year's deals."""
        query = select(HANDOFFS)
        if person_email:
            email = person_email.lower()
            query = query.where(or_(func.lower(H.ae_email) == email, func.lower(H.csm_email) == email))
        if statuses:
            query = query.where(H.status.in_([str(s) for s in statuses]))
        if text:
            haystack = func.lower(H.deal_id + " " + H.deal_name + " " + H.account)
            query = query.where(haystack.contains(text.lower(), autoescape=True))
        return self._load(query.order_by(H.opened_at.desc(), H.id).limit(limit))

    def open_load(self, emails: Sequence[str]) -> dict[str, int]:
        # Grouped in SQL, matched in Python: SQLite's lower() only folds ASCII.
        wanted = {e.lower() for e in emails}
        if not wanted:
            return {}
        query = (
            select(H.csm_email, func.count()).where(H.status.in_(UNFINISHED)).group_by(H.csm_email)
        )
        load: dict[str, int] = {}
        for email, count in self._session.execute(query):
            if email.lower() in wanted:
                load[email.lower()] = load.get(email.lower(), 0) + count
        return load

    def last_assigned_csm(self, segment: str) -> str | None:
        # created_at breaks ties between handoffs opened at the same instant (a frozen clock, a batch).
        query = (
            select(H.csm_email).where(H.segment == segment)
            .order_by(H.opened_at.desc(), H.created_at.desc(), H.id.desc()).limit(1)
        )
        return self._session.execute(query).scalar_one_or_none()

    def facts(self, start: datetime, end: datetime) -> list[HandoffFacts]:
        """The metric facts of handoffs opened in [start, end), from flat columns only."""
        query = (
            select(
                H.id, H.segment, H.ae_email, H.csm_email, H.closed_at, H.opened_at, H.first_submitted_at,
                H.submitted_complete, H.overridden, H.accepted_at, H.first_touch_at, H.escalation_count,
                H.sla_breach_count, H.rating, H.repeat_ask_count,
            )
            .where(H.opened_at >= start, H.opened_at < end)
            .order_by(H.opened_at, H.id)
        )
        # Unpacking tuples rather than reading Row attributes: this loop runs once per handoff in a month.
        return [
            HandoffFacts(
                handoff_id=hid, segment=segment, ae_email=ae.lower(), csm_email=csm.lower(), closed_at=closed,
                opened_at=opened, first_submitted_at=submitted, submitted_complete=complete, overridden=overridden,
                accepted_at=accepted, first_touch_at=touched, escalations=escalations, sla_breaches=breaches,
                rating=rating, repeat_asks=repeats,
            )
            for (hid, segment, ae, csm, closed, opened, submitted, complete, overridden, accepted, touched,
                 escalations, breaches, rating, repeats) in self._session.execute(query)
        ]

    def waiting_since(self, cutoff: datetime, *, limit: int | None = None) -> list[tuple[str, Status]]:
        """(id, status) of handoffs whose ball has been in one court since before `cutoff`.

        Pre-flip handoffs opened before it that the AE still holds, and submitted ones the CSM
        has not answered since before it; the SLA sweep narrows these down per segment.
        """
        query = waiting_since_query(cutoff)
        if limit is not None:
            query = query.limit(limit)
        return [(row.id, Status(row.status)) for row in self._session.execute(query)]

    def _load(self, query: Select[Any]) -> list[Handoff]:
        rows: list[Row] = [dict(r) for r in self._session.execute(query).mappings()]
        fresh = [r for r in rows if r["id"] not in self.tracked]
        trails = self._audit_trails([r["id"] for r in fresh])
        for row in fresh:
            handoff = from_row(row, trails.get(row["id"], []))
            seq = handoff.audit[-1].seq if handoff.audit else 0
            self.tracked[handoff.id] = Tracked(handoff, to_row(handoff), handoff.version, seq)
        return [self.tracked[r["id"]].handoff for r in rows]

    def _audit_trails(self, ids: list[str]) -> dict[str, list[Row]]:
        if not ids:
            return {}
        query = (
            select(AUDIT_ENTRIES).where(AUDIT_ENTRIES.c.handoff_id.in_(ids))
            .order_by(AUDIT_ENTRIES.c.handoff_id, AUDIT_ENTRIES.c.seq)
        )
        trails: dict[str, list[Row]] = {}
        for row in self._session.execute(query).mappings():
            trails.setdefault(row["handoff_id"], []).append(dict(row))
        return trails


def waiting_since_query(cutoff: datetime) -> CompoundSelect[Any]:
    """One range scan on (status, opened_at) and one on (status, submitted_at). The halves pick
    disjoint states, so UNION ALL needs no de-duplication; it spells out the plan that SQLite's
    multi-index OR and PostgreSQL's BitmapOr also find for the equivalent OR (bench shows both)."""
    with_ae = select(H.id, H.status).where(H.status.in_(WAITING_ON_AE), H.opened_at < cutoff)
    with_csm = select(H.id, H.status).where(H.status == Status.SUBMITTED.value, H.submitted_at < cutoff)
    return union_all(with_ae, with_csm)
