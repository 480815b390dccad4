"""Racing writers: ten threads released at once by a barrier, each in its own unit of work.

PostgreSQL is where replicas really race (row locks, READ COMMITTED); SQLite serialises its
writers through busy_timeout, and must reach the same single winner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core import commands as c
from core.errors import ConcurrencyConflict, TransitionNotAllowed
from core.machine import Status, Trigger
from core.people import Actor
from storage.tables import HANDOFFS, OUTBOX
from storage.uow import SqlUnitOfWork
from tests.fakes import FrozenClock
from tests.integration.test_storage import AE, CRM, deal, make_service

THREADS = 10
CARA = Actor("U_CARA", "cara@acme.test")
R = TypeVar("R")


def race(work: Callable[[int], R]) -> list[R | Exception]:
    """Run `work(i)` in THREADS threads started together; each result or the exception it raised."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[R | Exception | None] = [None] * THREADS

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    return [o for o in outcomes if o is not None]


def outbox_kinds(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(OUTBOX.c.kind).order_by(OUTBOX.c.id)).scalars())




def test_ten_simultaneous_accepts_have_exactly_one_winner(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    service = make_service(uow_factory, FrozenClock())
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    service.save_draft(c.SaveDraft(handoff_id, AE, {"goals": "Roll out", "kickoff_date": "2026-11-20"}))
    service.submit(c.SubmitPacket(handoff_id, AE))

    outcomes = race(lambda _: service.accept(c.AcceptHandoff(handoff_id, CARA)))

    assert len(outcomes) == THREADS
    assert outcomes.count(Status.ACCEPTED) == 1
    assert sum(isinstance(o, TransitionNotAllowed) for o in outcomes) == THREADS - 1
    assert outbox_kinds(engine).count("OwnershipFlipped") == 1
    assert [a.action for a in service.get(handoff_id).audit].count("accept") == 1


def test_ten_simultaneous_opens_of_one_deal_make_one_handoff(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    service = make_service(uow_factory, FrozenClock())

    outcomes = race(lambda i: service.open_handoff(c.OpenHandoff(deal("D-9"), CRM, event_id=f"evt-{i}")))

    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    opened = [o for o in outcomes if not isinstance(o, Exception)]
    assert len({o.handoff_id for o in opened}) == 1 and sum(o.created for o in opened) == 1
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(HANDOFFS)).scalar_one() == 1
    assert outbox_kinds(engine) == ["HandoffOpened"]


def test_ten_writers_that_loaded_the_same_version_one_commits_nine_conflict(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    clock = FrozenClock()
    service = make_service(uow_factory, clock)
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    service.save_draft(c.SaveDraft(handoff_id, AE, {"goals": "Roll out", "kickoff_date": "2026-11-20"}))
    service.submit(c.SubmitPacket(handoff_id, AE))
    all_loaded = threading.Barrier(THREADS)

    def accept_without_retry(_: int) -> int:
        with uow_factory() as uow:
            handoff = uow.handoffs.get(handoff_id)
            all_loaded.wait()  # nobody commits before everyone holds version 3
            handoff.fire(Trigger.ACCEPT, actor=CARA, at=clock.now())
            uow.commit()
            return handoff.version

    outcomes = race(accept_without_retry)

    assert outcomes.count(4) == 1
    assert sum(isinstance(o, ConcurrencyConflict) for o in outcomes) == THREADS - 1
    assert outbox_kinds(engine).count("OwnershipFlipped") == 1
