"""Handoff <-> row: the only place that knows how the aggregate is laid out in the tables.

`to_row` is also the change detector: the unit of work compares it with the row as loaded, so
an edit that records no event (a chat id resolved later) is still saved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.deal import Deal
from core.handoff import AuditEntry, Escalation, Handoff, OverrideRequest
from core.machine import Status
from core.milestones import Milestones
from core.people import Person
from storage.columns import as_utc

Row = dict[str, Any]


def to_row(handoff: Handoff) -> Row:
    """Every column of `handoffs` except the bookkeeping ones (version, created/updated_at)."""
    h, m = handoff, handoff.milestones
    return {
        "id": h.id,
        "deal_id": h.deal.id,
        "deal_name": h.deal.name,
        "account": h.deal.account,
        "segment": h.segment,
        "status": h.status.value,
        "ae_email": h.ae.email,
        "ae_chat_id": chat_ids_column(h.ae),
        "csm_email": h.csm.email,
        "csm_chat_id": chat_ids_column(h.csm),
        "owner_email": h.owner.email,
        "deal": _deal_doc(h.deal),
        "required_fields": list(h.required_fields),
        "packet": jsonable(h.packet),
        "opened_at": as_utc(h.opened_at),
        "closed_at": as_utc(h.deal.closed_at),
        "first_submitted_at": _utc(h.first_submitted_at),
        "submitted_at": _utc(h.submitted_at),
        "submitted_complete": h.submitted_complete,
        "accepted_at": _utc(h.accepted_at),
        "ended_at": _utc(h.ended_at),
        "overridden": any(o.approved for o in h.overrides),
        "escalation_count": len(h.escalations),
        "sla_breach_count": len(h.sla_breaches),
        "first_touch_at": _utc(m.first_touch_at),
        "us_to_submit": span_us(h.opened_at, h.first_submitted_at),
        "us_to_accept": span_us(h.first_submitted_at, h.accepted_at),
        "us_to_first_touch": span_us(h.deal.closed_at, m.first_touch_at),
        "rating": m.rating,
        "repeat_ask_count": len(m.repeat_asks),
        "overrides": [_override_doc(o) for o in h.overrides],
        "escalations": [_escalation_doc(e) for e in h.escalations],
        "milestones": _milestones_doc(m),
        "sla_breaches": list(h.sla_breaches),
    }


def from_row(row: Mapping[str, Any], audit: Iterable[Mapping[str, Any]]) -> Handoff:
    """Rebuild the aggregate from its row and its audit rows (in seq order); no pending events."""
    return Handoff(
        id=row["id"],
        deal=_deal(row["deal"]),
        segment=row["segment"],
        ae=person_from(row["ae_email"], row["ae_chat_id"]),
        csm=person_from(row["csm_email"], row["csm_chat_id"]),
        required_fields=tuple(row["required_fields"]),
        opened_at=row["opened_at"],
        status=Status(row["status"]),
        packet=dict(row["packet"]),
        version=row["version"],
        first_submitted_at=row["first_submitted_at"],
        submitted_at=row["submitted_at"],
        submitted_complete=row["submitted_complete"],
        accepted_at=row["accepted_at"],
        ended_at=row["ended_at"],
        overrides=[_override(d) for d in row["overrides"]],
        escalations=[_escalation(d) for d in row["escalations"]],
        milestones=_milestones(row["milestones"]),
        sla_breaches=list(row["sla_breaches"]),
        audit=[audit_entry(a) for a in audit],
    )


def audit_row(handoff_id: str, entry: AuditEntry) -> Row:
    return {
        "handoff_id": handoff_id, "seq": entry.seq, "at": as_utc(entry.at), "actor_id": entry.actor_id,
        "action": entry.action, "from_status": entry.from_status.value, "to_status": entry.to_status.value,
        "detail": jsonable(entry.detail),
    }


def audit_entry(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"], at=row["at"], actor_id=row["actor_id"], action=row["action"],
        from_status=Status(row["from_status"]), to_status=Status(row["to_status"]), detail=dict(row["detail"]),
    )


def jsonable(value: Any) -> Any:
    """A JSON-ready copy. Lossy only for types JSON lacks: dates and Decimals become strings."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


# -- the JSON documents, field by field so a rename in core fails loudly here -------------------

def span_us(start: datetime | None, end: datetime | None) -> int | None:
    """Whole microseconds from start to end (exact: `/ 10**6` gives timedelta.total_seconds())."""
    if start is None or end is None:
        return None
    return (as_utc(end) - as_utc(start)) // timedelta(microseconds=1)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else as_utc(datetime.fromisoformat(value))


def _deal_doc(deal: Deal) -> Row:
    return {
        "id": deal.id, "name": deal.name, "account": deal.account, "amount": str(deal.amount),
        "currency": deal.currency, "stage": deal.stage, "closed_at": _iso(deal.closed_at),
        "ae_email": deal.ae_email, "csm_email": deal.csm_email, "segment": deal.segment,
        "crm_url": deal.crm_url, "fields": jsonable(deal.fields),
    }


def _deal(doc: Mapping[str, Any]) -> Deal:
    closed_at = _parse(doc["closed_at"])
    assert closed_at is not None, "a deal always has a close time"
    return Deal(
        id=doc["id"], name=doc["name"], account=doc["account"], amount=Decimal(doc["amount"]),
        currency=doc["currency"], stage=doc["stage"], closed_at=closed_at, ae_email=doc["ae_email"],
        csm_email=doc["csm_email"], segment=doc["segment"], crm_url=doc["crm_url"], fields=dict(doc["fields"]),
    )


def _override_doc(o: OverrideRequest) -> Row:
    return {
        "requested_by": o.requested_by, "reason": o.reason, "missing": list(o.missing),
        "requested_at": _iso(o.requested_at), "decided_by": o.decided_by, "approved": o.approved,
        "note": o.note, "decided_at": _iso(o.decided_at),
    }


def _override(doc: Mapping[str, Any]) -> OverrideRequest:
    requested_at = _parse(doc["requested_at"])
    assert requested_at is not None
    return OverrideRequest(
        requested_by=doc["requested_by"], reason=doc["reason"], missing=tuple(doc["missing"]),
        requested_at=requested_at, decided_by=doc["decided_by"], approved=doc["approved"],
        note=doc["note"], decided_at=_parse(doc["decided_at"]),
    )


def _escalation_doc(e: Escalation) -> Row:
    return {"by": e.by, "at": _iso(e.at), "fields": list(e.fields), "reason": e.reason}


def _escalation(doc: Mapping[str, Any]) -> Escalation:
    at = _parse(doc["at"])
    assert at is not None
    return Escalation(by=doc["by"], at=at, fields=tuple(doc["fields"]), reason=doc["reason"])


def _milestones_doc(m: Milestones) -> Row:
    return {
        "first_touch_at": _iso(m.first_touch_at),
        "kickoff_on": None if m.kickoff_on is None else m.kickoff_on.isoformat(),
        "feedback_went_well": m.feedback_went_well, "feedback_missing": m.feedback_missing,
        "feedback_at": _iso(m.feedback_at), "rating": m.rating, "repeat_asks": list(m.repeat_asks),
        "checkin_at": _iso(m.checkin_at),
    }


def _milestones(doc: Mapping[str, Any]) -> Milestones:
    kickoff = doc["kickoff_on"]
    return Milestones(
        first_touch_at=_parse(doc["first_touch_at"]),
        kickoff_on=None if kickoff is None else date.fromisoformat(kickoff),
        feedback_went_well=doc["feedback_went_well"], feedback_missing=doc["feedback_missing"],
        feedback_at=_parse(doc["feedback_at"]), rating=doc["rating"], repeat_asks=tuple(doc["repeat_asks"]),
        checkin_at=_parse(doc["checkin_at"]),
    )


def chat_ids_column(person: Person) -> str | None:
    """A person's chat ids in the `*_chat_id` column: a bare Slack id as before when Slack is the
    only platform (rows stay readable by older releases), else a JSON object `{platform: id}`."""
    if not person.chat_ids:
        return None
    (platform, chat_id), *others = person.chat_ids
    if not others and platform == "slack" and not chat_id.startswith("{"):
        return chat_id
    return json.dumps(dict(person.chat_ids), sort_keys=True)


def person_from(email: str, column: str | None) -> Person:
    """The inverse of `chat_ids_column`; a bare value (every row written before Teams) is Slack's."""
    if not column:
        return Person(email)
    if column.startswith("{"):
        ids = json.loads(column)
        if isinstance(ids, dict):
            return Person.of(email, **{str(k): str(v) for k, v in ids.items()})
    return Person.of(email, slack=column)
