"""The monthly sample audit end to end: queued on the first working day, posted to RevOps through the outbox."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bot.reporting.sample import enqueue_sample_audit
from core.sampling import pick_sample, seed_for
from storage.chat_refs import ChatRefs
from storage.mapping import to_row
from storage.metrics_sql import accepted_between
from storage.tables import HANDOFFS
from tests.integration.slack_world import slack_world
from tests.integration.test_reporting_sql import storage_bench

FIRST_WORKING_DAY = date(2026, 11, 2)  # Sunday the 1st is skipped
OCTOBER = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


async def test_revops_gets_five_of_last_months_accepted_handoffs_once_with_links(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        bench = storage_bench()
        rnd = random.Random(5)
        rows = []
        for n in range(300):
            h = bench.fake_handoff(n, rnd)
            rows.append(to_row(h) | {"version": h.version, "created_at": h.opened_at, "updated_at": bench.NOW})
        engine, playbook = w.baton.engine, w.baton.playbook
        with engine.begin() as conn:
            conn.execute(insert(HANDOFFS), rows)
            pool = accepted_between(conn, *OCTOBER)
            everything = conn.execute(select(HANDOFFS.c.id)).scalars().all()
        assert len(pool) > 10 and len(everything) == 300
        drawn = pick_sample(pool, 5, seed=seed_for(date(2026, 10, 1)))
        ChatRefs(engine).set(drawn[0].handoff_id, "slack.channel", "C0LINKED", at=w.clock.now())

        now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
        assert not enqueue_sample_audit(engine, playbook, today=date(2026, 11, 3), now=now)  # not the first
        assert enqueue_sample_audit(engine, playbook, today=FIRST_WORKING_DAY, now=now)
        assert not enqueue_sample_audit(engine, playbook, today=FIRST_WORKING_DAY, now=now)  # another replica
        await w.deliver()

        rita = next(u.id for u in w.sim.workspace.users.values() if u.email == "revops@example.com")
        (post,) = [m["text"] for m in w.dm(rita) if "Monthly sample audit" in m["text"]]
        assert "Monthly sample audit, 2026-10" in post and post.count("\n• ") == 5
        names = [f"Deal {int(d.handoff_id[3:], 16)} " for d in drawn]
        assert all(name in post for name in names)
        first_line = next(line for line in post.splitlines() if names[0] in line)
        assert first_line.endswith("<#C0LINKED>") and "required fields" in first_line and "repeat-ask" in first_line
        await w.deliver()
        assert len([m for m in w.dm(rita) if "Monthly sample audit" in m["text"]]) == 1
