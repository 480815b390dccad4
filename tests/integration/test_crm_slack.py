"""What RevOps sees in Slack when the CRM write-back needs a person, and a held deal in its channel."""

from __future__ import annotations

import json
from pathlib import Path

from core.crm import CrmRecords
from core.people import Actor
from tests.integration.slack_world import slack_world


async def test_an_owner_changed_in_the_crm_is_posted_to_the_managers_channel(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        await w.deliver()
        records = CrmRecords(uow=w.baton.sla.sweeper.unit_of_work, clock=w.baton.clock)
        records.note(opened["handoff_id"], "crm_owner_changed",
                     "the hubspot company/account owner changed since the handoff opened; Baton did not overwrite it.",
                     actor=Actor.system("hubspot"))
        await w.deliver()
        revops = next(c for c in w.sim.workspace.channels.values() if c.name == "revops")
        texts = [json.dumps(m) for m in w.sim.messages(revops.id)]
        assert any("did not overwrite" in t and "Northwind Traders" in t for t in texts)


async def test_a_lost_deal_is_announced_in_the_handoff_channel(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        await w.deliver()
        status, held = await w.close_deal(event_id="evt-2", stage="Closed Lost")
        assert status == 202 and held["outcome"] == "held"
        await w.deliver()
        refs = w.baton_refs(opened["handoff_id"])
        texts = [json.dumps(m) for m in w.sim.messages(refs["slack.channel"])]
        assert any("is on hold" in t and "Nobody is reminded" in t for t in texts)
        assert "On hold" in json.dumps(w.card(opened["handoff_id"]))
