"""The outbox a dispatcher drains, and the engine settings both dialects rely on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from core import commands as c
from storage.engine import make_engine, normalize_url, ping
from storage.outbox import Outbox
from storage.uow import SqlUnitOfWork
from tests.fakes import FrozenClock
from tests.integration.test_storage import AE, CRM, deal, make_service


def test_messages_come_out_in_order_and_failures_wait_for_their_retry(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    clock = FrozenClock()
    service = make_service(uow_factory, clock)
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM)).handoff_id
    clock.advance(minutes=1)
    service.comment(c.AddComment(handoff_id, AE, "hello"))
    with uow_factory() as uow:
        box = Outbox(uow.session)
        assert [m.kind for m in box.pending(10, clock.now() - timedelta(minutes=1))] == ["HandoffOpened"]
        opened, commented = box.pending(10, clock.now())
        box.mark_sent(opened.id, clock.now())
        box.mark_failed(commented.id, "429 rate limited", clock.now() + timedelta(seconds=30))
        uow.session.commit()
    with uow_factory() as uow:
        box = Outbox(uow.session)
        assert box.pending(10, clock.now()) == []
        (retry,) = box.pending(10, clock.now() + timedelta(seconds=30))
        assert (retry.id, retry.attempts, retry.event().text) == (commented.id, 1, "hello")  # type: ignore[attr-defined]
        box.mark_dead(retry.id, "channel archived")
        uow.session.commit()
    with uow_factory() as uow:
        assert Outbox(uow.session).pending(10, clock.now() + timedelta(days=1)) == []
        row = uow.session.execute(text("SELECT status, attempts, last_error FROM outbox ORDER BY id")).all()
    assert [tuple(r) for r in row] == [("sent", 1, None), ("dead", 2, "channel archived")]


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
    with engine.connect() as connection:
        settings = [connection.execute(text(f"PRAGMA {p}")).scalar() for p in ("journal_mode", "foreign_keys", "busy_timeout")]
    engine.dispose()
    assert settings == ["wal", 1, 5000]


def test_postgres_urls_from_hosting_platforms_use_psycopg_3() -> None:
    for url in ("postgres://u:p@db:5432/baton", "postgresql://u:p@db:5432/baton", "postgresql+psycopg://u:p@db:5432/baton"):
        assert normalize_url(url).drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///./baton.db").drivername == "sqlite"


def test_ping_says_whether_the_database_answers(engine: Engine, tmp_path: Path) -> None:
    assert ping(engine) is True
    unreachable = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert ping(unreachable) is False
    assert ping(make_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})) is False
