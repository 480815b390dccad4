"""`/handoff` and the App Home over signed HTTP: quick private answers, and each person's tab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.slack import ids
from bot.slack.simulator.driver import Answer
from bot.slack.views import deal_form
from core.machine import Status
from tests.integration.slack_world import HYBRID_PACKET, slack_world

VERBS = ("help", "status", "mine", "overdue", "open", "metrics")


def private(answer: Answer) -> str:
    """The ack body of a slash command, checked to be visible only to the person who typed it
    (plain text, or JSON without `response_type: in_channel`, is shown to them alone)."""
    assert answer.status == 200 and answer.body, answer.body
    if isinstance(answer.body, str):
        return answer.body
    assert answer.body.get("response_type", "ephemeral") == "ephemeral"
    return json.dumps(answer.body, ensure_ascii=False)


def home_headers(view: dict[str, Any] | None) -> list[str]:
    assert view is not None
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


async def test_help_names_every_verb_and_how_to_turn_on_llm_drafting(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        text = private(await w.people.command(w.ae, "help"))
        assert all(f"/handoff {verb}" in text for verb in VERBS)
        assert "OPENAI_API_KEY" in text
        assert private(await w.people.command(w.ae, "")) == text

        unknown = private(await w.people.command(w.ae, "frobnicate now"))
        assert "frobnicate" in unknown and "/handoff help" in unknown


async def test_status_mine_overdue_and_metrics_answer_privately_about_the_right_handoffs(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        await w.close_deal(deal_id="006-GL-0042", event_id="evt-2", account="Globex Retail")
        await w.deliver()
        channel = w.channel_of(opened["handoff_id"])

        here = private(await w.people.command(w.ae, "status", channel=channel))
        assert "Northwind Traders" in here and "Globex" not in here
        searched = private(await w.people.command(w.csm, "status globex"))
        assert "Globex Retail" in searched and "Northwind" not in searched
        assert "No handoff matches" in private(await w.people.command(w.csm, "status initech"))
        mine = private(await w.people.command(w.ae, "mine"))
        assert "Northwind Traders" in mine and "Globex Retail" in mine
        assert "Waiting on you* (2)" in mine and "Fill the packet* (2)" in mine  # the Home tab's queue
        assert "1 of 9 required fields filled · due in 23h" in mine
        assert "Nothing needs you right now" in private(await w.people.command(w.csm, "mine"))  # not submitted yet

        on_time = private(await w.people.command(w.ae, "overdue"))
        assert "overdue" in on_time.lower() and "Northwind" not in on_time
        w.clock.advance(hours=25)  # the 24h packet SLA has passed
        overdue = private(await w.people.command(w.ae, "overdue"))
        assert "Northwind Traders" in overdue and "Globex Retail" in overdue

        metrics = private(await w.people.command(w.manager, "metrics"))
        assert "Handoff metrics" in metrics and "hybrid" in metrics.lower()


async def test_handoff_open_asks_for_the_deal_and_opens_its_handoff(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        answer = await w.people.command(w.ae, "open 006-HAND-7")
        assert answer.status == 200
        await w.modal_shown(w.ae, ids.OPEN_DEAL_FORM)

        missing = await w.people.submit(w.ae, {deal_form.DEAL_NAME_BLOCK: "Renewal", deal_form.AE_BLOCK: w.ae,
                                               deal_form.AMOUNT_BLOCK: "48000"})
        assert deal_form.ACCOUNT_BLOCK in missing.errors
        done = await w.people.submit(w.ae, {deal_form.DEAL_NAME_BLOCK: "Renewal", deal_form.AE_BLOCK: w.ae,
                                            deal_form.ACCOUNT_BLOCK: "Initech", deal_form.AMOUNT_BLOCK: "48000",
                                            deal_form.CSM_BLOCK: w.csm})
        assert done.status == 200 and not done.errors
        confirmation = w.people.top_view(w.ae)
        assert confirmation is not None and "Handoff opened" in json.dumps(confirmation)
        found = w.baton.service.find(text="Initech")
        assert len(found) == 1 and found[0].deal.id == "006-HAND-7" and found[0].csm.email == "dev.patel@example.com"
        await w.deliver()
        assert w.sim.channel_by_name("handoff-initech-006-hand-7") is not None
        assert any("New handoff" in t and "Initech" in t for t in w.texts(w.dm(w.csm)))


async def test_the_home_tab_groups_each_persons_handoffs_by_what_they_must_do(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, opened = await w.close_deal()
        await w.deliver()

        await w.people.open_home(w.ae)
        await w.settle(lambda: w.sim.home(w.ae) is not None)
        ae_home = w.sim.home(w.ae)
        assert "Fill the packet" in home_headers(ae_home) and "Northwind Traders" in json.dumps(ae_home)
        await w.people.open_home(w.csm)
        await w.settle(lambda: w.sim.home(w.csm) is not None)
        assert "Accept or escalate" not in home_headers(w.sim.home(w.csm))

        await w.fill_packet(HYBRID_PACKET)
        assert w.baton.service.get(opened["handoff_id"]).status is Status.SUBMITTED
        published = w.sim.stats.calls["views.publish"]
        await w.people.open_home(w.csm)
        await w.settle(lambda: w.sim.stats.calls["views.publish"] > published)
        csm_home = w.sim.home(w.csm)
        assert "Accept or escalate" in home_headers(csm_home) and "Northwind Traders" in json.dumps(csm_home)
        assert ids.OPEN_HOME_HANDOFF in json.dumps(csm_home)
