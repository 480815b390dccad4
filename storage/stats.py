"""Counts for the Prometheus endpoint: cheap GROUP BYs over indexed status columns."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from storage.tables import HANDOFFS, OUTBOX


def status_counts(engine: Engine) -> tuple[dict[str, int], dict[str, int]]:
    """(handoffs by state, outbox messages by delivery status)."""
    with engine.connect() as conn:
        handoffs = conn.execute(select(HANDOFFS.c.status, func.count()).group_by(HANDOFFS.c.status)).all()
        outbox = conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all()
    return {str(s): int(n) for s, n in handoffs}, {str(s): int(n) for s, n in outbox}
