"""The digest chart, `/handoff metrics` and `/handoff export` through the real Bolt app and the Slack simulator."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.slack.simulator.methods.uploads import alt_texts
from core.metrics import GroupBy
from tests.integration.slack_world import SlackWorld, slack_world
from tests.integration.slack_world import test_playbook as slack_playbook
from tests.integration.test_sla_slack import TUESDAY_9AM_NEW_YORK, start_at, steps, sweep_at


def files_in(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for m in messages for f in m.get("files", [])]


async def overdue_world(w: SlackWorld) -> str:
    start_at(w, TUESDAY_9AM_NEW_YORK)
    _, opened = await w.close_deal()
    await w.deliver()
    due = next(s for s in steps(w, opened["handoff_id"], "packet_due") if s["step"] == "due")
    await sweep_at(w, due["fire_at"] + timedelta(hours=2))
    return str(opened["handoff_id"])


async def test_the_weekly_digest_carries_one_chart_with_alt_text_and_the_red_flags_beside_it(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        await overdue_world(w)
        assert await asyncio.to_thread(w.baton.sla.enqueue_weekly_digest, w.clock.now())
        await w.deliver()
        revops = w.sim.channel_by_name("revops")
        assert revops is not None
        messages = w.sim.messages(revops.id)
        (chart,) = files_in(messages)
        assert chart["mimetype"] == "image/png" and chart["size"] > 10_000
        alt = alt_texts(w.sim.workspace)[chart["id"]]
        assert "1 handoffs" in alt and "Overdue handoffs by owner: ana.ortiz@example.com 1" in alt
        comment = next(m["text"] for m in messages if m.get("files"))
        assert "Metrics chart" in comment
        uploads = w.sim.stats.calls["files.completeUploadExternal"]
        await w.deliver()  # nothing left: a second drain uploads nothing more
        assert w.sim.stats.calls["files.completeUploadExternal"] == uploads == 1


async def test_metrics_answers_with_the_chart_of_the_askers_own_handoffs(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        await overdue_world(w)
        answer = await w.people.command(w.ae, "metrics week")
        assert "the last week, your handoffs" in answer.text
        await w.settle(lambda: files_in(w.dm(w.ae)))
        (chart,) = files_in(w.dm(w.ae))
        assert "your handoffs: 1 handoffs" in alt_texts(w.sim.workspace)[chart["id"]]

        stranger = await w.people.command(w.other_csm, "metrics")
        assert "your handoffs" in stranger.text
        await w.settle(lambda: files_in(w.dm(w.other_csm)))
        (empty,) = files_in(w.dm(w.other_csm))
        assert "0 handoffs" in alt_texts(w.sim.workspace)[empty["id"]]

        bad = await w.people.command(w.ae, "metrics fortnight")
        assert "can't read `fortnight` as a period" in bad.text


async def test_export_sends_managers_a_private_csv_with_the_metrics_numbers_and_refuses_a_rep(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        await overdue_world(w)
        refused = await w.people.command(w.ae, "export")
        assert "can't export" in refused.text and not files_in(w.dm(w.ae))

        answer = await w.people.command(w.manager, "export month")
        assert "arrives in your DM" in answer.text
        await w.settle(lambda: files_in(w.dm(w.manager)))
        (exported,) = files_in(w.dm(w.manager))
        assert exported["name"].endswith(".csv")
        data = w.sim.workspace.files[exported["id"]].content.decode()
        rows = list(csv.DictReader(io.StringIO(data)))
        now = w.clock.now()
        expected = w.baton.service.metrics(now - timedelta(days=30), now, by=GroupBy.SEGMENT)
        by_segment = {r["group"]: r for r in rows[1:]}
        assert rows[0]["group"] == "all" and rows[0]["handoffs"] == "1"
        for m in expected:
            row = by_segment[m.group]
            assert (int(row["handoffs"]), row["completion_rate"], row["sla_breaches"]) == (
                m.handoffs, "" if m.completion_rate is None else str(m.completion_rate), str(m.sla_breaches))
        shown = await w.people.command(w.manager, "metrics month")
        assert expected[0].group in shown.text


async def test_a_manager_with_a_team_sees_and_exports_their_teams_handoffs_only(tmp_path: Path) -> None:
    shipped = slack_playbook()
    roles = shipped.roles.model_copy(update={"manager_teams": {"maria.gomez@example.com": ["emma.jones@example.com"]}})
    async with slack_world(tmp_path, playbook=shipped.model_copy(update={"roles": roles})) as w:
        await overdue_world(w)  # ana's deal: not on Maria's team
        answer = await w.people.command(w.manager, "metrics month")
        assert "the last month, your team's handoffs" in answer.text
        await w.settle(lambda: files_in(w.dm(w.manager)))
        (chart,) = files_in(w.dm(w.manager))
        assert "your team's handoffs: 0 handoffs" in alt_texts(w.sim.workspace)[chart["id"]]

        await w.people.command(w.manager, "export month")
        await w.settle(lambda: len(files_in(w.dm(w.manager))) == 2)
        exported = files_in(w.dm(w.manager))[-1]
        rows = list(csv.DictReader(io.StringIO(w.sim.workspace.files[exported["id"]].content.decode())))
        assert rows[0]["group"] == "all" and rows[0]["handoffs"] == "0"

        everyone = await w.people.command(w.cs_manager, "metrics month")  # not in manager_teams: everyone
        assert "the last month, all handoffs" in everyone.text
