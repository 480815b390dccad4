"""Which segment a deal belongs to, and which CSM takes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.deal import Deal
from core.errors import NoCsmAvailable
from core.playbook import Playbook


def route_segment(playbook: Playbook, deal: Deal) -> str:
    """An explicit CRM segment wins; then the first segment whose amount range takes the deal."""
    if deal.segment:
        wanted = deal.segment.strip().lower()
        for seg in playbook.segments:
            if wanted == seg.id or wanted in (v.lower() for v in seg.crm_values):
                return seg.id
    for seg in playbook.segments:
        if seg.takes_amount(deal.amount):
            return seg.id
    return playbook.default_segment


def assign_csm(
    *, pool: Sequence[str], named: str | None, load: Mapping[str, int], last_assigned: str | None,
    segment: str,
) -> str:
    """The CRM's named CSM if any; else the least-loaded in the pool, round-robin among ties.

    Round-robin starts after whoever was assigned last, so equal loads rotate rather than
    piling onto the first name in the list.
    """
    if named:
        return named
    if not pool:
        raise NoCsmAvailable(segment)
    lowest = min(load.get(c.lower(), 0) for c in pool)
    tied = [c for c in pool if load.get(c.lower(), 0) == lowest]
    if last_assigned is not None:
        lowered = [c.lower() for c in pool]
        if last_assigned.lower() in lowered:
            start = lowered.index(last_assigned.lower()) + 1
            rotated = list(pool[start:]) + list(pool[:start])
            return next(c for c in rotated if c in tied)
    return tied[0]
