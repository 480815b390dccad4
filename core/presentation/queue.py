"""What must I do next: each person's handoffs grouped by the step waiting on them, most urgent
first, every item with the planner's due line. App Home, `/handoff mine` and a Teams personal
chat render the same queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from core.handoff import Handoff
from core.machine import Status
from core.presentation.due import DueLine

# The AE holds the packet until it is submitted, and again once the CSM sends it back.
AE_HOLDS_PACKET = frozenset({Status.OPENED, Status.DRAFTING, Status.ESCALATED})
GROUP_MAX = 15
RECENT_MAX = 5
_NEVER = datetime.max.replace(tzinfo=UTC)

DueOf = Callable[[Handoff], DueLine | None]


@dataclass(frozen=True)
class QueueItem:
    handoff: Handoff
    due: DueLine | None


@dataclass(frozen=True)
class QueueGroup:
    """One kind of work (`fill`, `accept`, `decide`, `follow`, `done`), its title and items; a
    renderer shows at most `limit` and says how many more there are."""

    key: str
    title: str
    items: tuple[QueueItem, ...]
    limit: int = GROUP_MAX

    @property
    def hidden(self) -> int:
        return max(len(self.items) - self.limit, 0)


def finished_at(h: Handoff) -> datetime:
    return h.ended_at or h.accepted_at or h.opened_at


def queue_for(
    email: str, handoffs: Sequence[Handoff], *, due_of: DueOf, is_manager: bool = False,
) -> tuple[QueueGroup, ...]:
    """The non-empty groups of work for the person with this email, most urgent group first."""
    me = email.strip().lower()
    items = {h.id: QueueItem(h, due_of(h)) for h in handoffs}

    def as_ae(h: Handoff) -> bool:
        return h.ae.email.lower() == me

    def as_csm(h: Handoff) -> bool:
        return h.csm.email.lower() == me

    def due_at(h: Handoff) -> datetime:
        due = items[h.id].due
        return due.at if due is not None else _NEVER

    fill = sorted((h for h in handoffs if as_ae(h) and h.status in AE_HOLDS_PACKET),
                  key=lambda h: (h.status is not Status.ESCALATED, due_at(h)))  # sent back first
    accept = sorted((h for h in handoffs if as_csm(h) and h.status is Status.SUBMITTED), key=due_at)
    decide = sorted((h for h in handoffs if is_manager and h.status is Status.OVERRIDE_REQUESTED and not as_ae(h)),
                    key=due_at)
    follow = sorted((h for h in handoffs if as_csm(h) and h.status is Status.ACCEPTED
                     and h.milestones.first_touch_at is None), key=due_at)
    listed = {h.id for h in (*fill, *accept, *decide, *follow)}
    done = sorted((h for h in handoffs if (as_ae(h) or as_csm(h)) and h.id not in listed
                   and h.status in (Status.ACCEPTED, Status.CLOSED)), key=finished_at, reverse=True)
    groups = (
        QueueGroup("fill", "Fill the packet", tuple(items[h.id] for h in fill)),
        QueueGroup("accept", "Accept or escalate", tuple(items[h.id] for h in accept)),
        QueueGroup("decide", "Decide an exception", tuple(items[h.id] for h in decide)),
        QueueGroup("follow", "Follow up", tuple(items[h.id] for h in follow)),
        QueueGroup("done", "Recently done", tuple(items[h.id] for h in done), RECENT_MAX),
    )
    return tuple(g for g in groups if g.items)
