"""Outbox targets in storage: one row per target in the change's transaction, each target's
queue ordered on its own (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import commands as c
from storage.outbox import Outbox, Routes
from storage.tables import OUTBOX
from storage.uow import sql_uow_factory
from tests.fakes import FrozenClock
from tests.integration.test_storage import AE, CRM, deal, make_service

ROUTES = Routes({"chat": None, "webhook": frozenset({"HandoffOpened", "PacketSubmitted"})})


def test_each_event_is_written_once_per_target_that_wants_it(engine: Engine) -> None:
    clock = FrozenClock()
    service = make_service(sql_uow_factory(engine, routes=ROUTES), clock)
    handoff_id = service.open_handoff(c.OpenHandoff(deal(), CRM, event_id="evt-1")).handoff_id
    service.save_draft(c.SaveDraft(handoff_id, AE, {"kickoff_date": "2026-11-20"}))
    with Session(engine) as s:
        rows = [(r.kind, r.target, r.idempotency_key.endswith("@webhook"))
                for r in s.execute(select(OUTBOX).order_by(OUTBOX.c.id))]
    assert ("HandoffOpened", "chat", False) in rows and ("HandoffOpened", "webhook", True) in rows
    assert ("PacketEdited", "chat", False) in rows and ("PacketEdited", "webhook", True) not in rows


def test_a_stuck_chat_message_does_not_hold_the_webhook_queue(engine: Engine) -> None:
    clock = FrozenClock()
    service = make_service(sql_uow_factory(engine, routes=ROUTES), clock)
    service.open_handoff(c.OpenHandoff(deal(), CRM, event_id="evt-1"))
    later = clock.now() + timedelta(minutes=1)
    with Session(engine) as s, s.begin():
        chat = Outbox(s).claim(10, later, later + timedelta(hours=1), targets=["chat"])
        assert [m.target for m in chat] == ["chat"]
        Outbox(s).mark_failed(chat[0].id, "Slack is down", later + timedelta(hours=1))
    with Session(engine) as s, s.begin():
        hooks = Outbox(s).claim(10, later, later + timedelta(hours=1), targets=["webhook"])
    assert [(m.kind, m.target) for m in hooks] == [("HandoffOpened", "webhook")]
