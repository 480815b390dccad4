"""What nudges look like: the right action and a Snooze on each, one digest for many, escalations
that name who holds the ball, forms for the follow-ups, and the managers' weekly digest. Every
payload passes the Slack simulator's Block Kit validator."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_playbook
from bot.slack import ids
from bot.slack.simulator.blocks import check_message_blocks, check_view
from bot.slack.views import nudges as views
from core.deal import Deal
from core.handoff import Handoff
from core.machine import Trigger
from core.metrics import Metrics
from core.people import Actor, Person
from core.playbook import Playbook
from core.sla import SlaPlanner, Timer

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
AE, CSM = Actor("U0AE", "ana.ae@acme.test"), Actor("U0CSM", "carl.csm@acme.test")
USER_IDS = {"ana.ae@acme.test": "U0AE", "carl.csm@acme.test": "U0CSM"}


@pytest.fixture(scope="module")
def shipped() -> Playbook:
    return load_playbook(REPO / "app.yaml")


def handoff(n: int = 1, *, account: str = "Globex", amount: int = 60_000) -> Handoff:
    deal = Deal(id=f"D-{n}", name="Platform <!channel>", account=account, amount=Decimal(amount), currency="USD",
                stage="Closed Won", closed_at=NOW - timedelta(days=2), ae_email="ana.ae@acme.test")
    return Handoff.open(handoff_id=f"ho_{n}", deal=deal, segment="hybrid", ae=Person("ana.ae@acme.test"),
                        csm=Person.of("carl.csm@acme.test", slack="U0CSM"), required_fields=("customer_goals",),
                        actor=Actor.system(), at=NOW - timedelta(days=2))


def timer_of(h: Handoff, shipped: Playbook, name: str) -> Timer:
    return next(t for t in SlaPlanner(shipped).plan(h, lambda _: None) if t.timer == name)


def item(h: Handoff, shipped: Playbook, name: str = "packet_due", step: str = "due", *, escalation: bool = False,
         ) -> views.NudgeItem:
    return views.NudgeItem(h, timer_of(h, shipped, name), step, escalation)


def actions(blocks: list[dict[str, Any]]) -> list[list[str]]:
    return [[e["action_id"] for e in b["elements"]] for b in blocks if b["type"] == "actions"]


def test_one_overdue_packet_is_one_reminder_with_fill_packet_and_snooze(shipped: Playbook) -> None:
    text, blocks = views.nudge_message([item(handoff(), shipped)], recipient="ana.ae@acme.test",
                                       user_ids=USER_IDS, now=NOW)

    assert text == "Reminder: packet due for Globex"
    assert actions(blocks) == [[ids.FILL_PACKET, views.SNOOZE]]
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "⚠️" in shown and "ago" in shown and "<!channel>" not in shown  # deal names cannot ping
    snooze = next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == views.SNOOZE)
    ref = views.SnoozeRef.loads(snooze["value"])
    assert (ref.h, ref.t, ref.r) == ("ho_1", "packet_due", "ana.ae@acme.test") and snooze["text"]["text"] == "Snooze 4h"
    assert check_message_blocks(blocks) == []


def test_several_at_once_are_one_digest_and_a_long_one_points_to_overdue(shipped: Playbook) -> None:
    items = [item(handoff(n, account=f"Account {n}"), shipped) for n in range(30)]
    text, blocks = views.nudge_message(items, recipient="ana.ae@acme.test", user_ids=USER_IDS, now=NOW)

    assert text == "30 handoffs need your attention" and blocks[0]["type"] == "header"
    assert len(actions(blocks)) == views.DIGEST_SHOWN
    assert "18 more" in json.dumps(blocks) and "/handoff overdue" in json.dumps(blocks)
    assert len({b["block_id"] for b in blocks if b["type"] == "actions"}) == views.DIGEST_SHOWN
    assert check_message_blocks(blocks) == []


def test_each_follow_up_offers_the_click_that_does_it(shipped: Playbook) -> None:
    h = handoff()
    h.edit_packet({"customer_goals": "Grow"}, actor=AE, at=NOW - timedelta(days=2))
    h.fire(Trigger.SUBMIT, actor=AE, at=NOW - timedelta(days=2))
    assert actions(views.nudge_message([item(h, shipped, "acceptance_due")], recipient="carl.csm@acme.test",
                                       user_ids=USER_IDS, now=NOW)[1]) == [[ids.VIEW_PACKET, views.SNOOZE]]
    h.fire(Trigger.ACCEPT, actor=CSM, at=NOW - timedelta(days=1))
    h.record_milestone("kickoff", actor=CSM, at=NOW, on=date(2026, 11, 5))
    expected = {
        "first_touch_due": [ids.RECORD_FIRST_TOUCH, views.SNOOZE],
        "feedback_after": [views.GIVE_FEEDBACK, views.SNOOZE],
        "checkin_after": [views.CHECK_IN, views.SNOOZE],
    }
    for name, row in expected.items():
        _, blocks = views.nudge_message([item(h, shipped, name)], recipient="carl.csm@acme.test",
                                        user_ids=USER_IDS, now=NOW)
        assert actions(blocks) == [row], name
    h2 = handoff(2)
    h2.edit_packet({"customer_goals": "Grow"}, actor=AE, at=NOW)
    h2.fire(Trigger.SUBMIT, actor=AE, at=NOW)
    h2.fire(Trigger.ACCEPT, actor=CSM, at=NOW)
    h2.record_milestone("first_touch", actor=CSM, at=NOW)
    _, blocks = views.nudge_message([item(h2, shipped, "kickoff_due", "remind")], recipient="carl.csm@acme.test",
                                    user_ids=USER_IDS, now=NOW)
    assert actions(blocks) == [[ids.SET_KICKOFF, views.SNOOZE]] and "⏰" in json.dumps(blocks, ensure_ascii=False)


def test_an_escalation_names_who_holds_the_ball_and_offers_no_snooze(shipped: Playbook) -> None:
    text, blocks = views.nudge_message([item(handoff(), shipped, step="escalate", escalation=True)],
                                       recipient="maria.gomez@example.com", user_ids=USER_IDS, now=NOW)
    assert text.startswith("Escalation:") and "<@U0AE>" in json.dumps(blocks)
    assert actions(blocks) == [[ids.VIEW_PACKET]]


def test_the_follow_up_forms_fit_slack(shipped: Playbook) -> None:
    h = handoff()
    kickoff = views.kickoff_modal(h, today=date(2026, 11, 4))
    feedback = views.feedback_modal(h, user_ids=USER_IDS)
    checkin = views.checkin_modal(h, shipped)
    for view in (kickoff, feedback, checkin):
        assert check_view(view, expect="modal") == [], view["callback_id"]
    assert kickoff["blocks"][1]["element"]["initial_date"] == "2026-11-04"
    rating = checkin["blocks"][1]["element"]
    assert [o["value"] for o in rating["options"]] == ["1", "2", "3", "4", "5"]
    assert len(checkin["blocks"][2]["element"]["options"]) == len(shipped.fields)


def test_the_weekly_digest_shows_metrics_red_flags_and_what_is_overdue(shipped: Playbook) -> None:
    flagged = Metrics(group="hybrid", handoffs=10, submitted=10, completion_rate=0.7, hours_to_submit=20,
                      hours_to_accept=4, hours_to_first_touch=60, escalation_rate=0.3, override_rate=0.1,
                      sla_breaches=4, avg_rating=4.0, repeat_ask_rate=0.0,
                      red_flags=("completion rate 70% is under 85%", "time to first touch 60h is over 48h",
                                 "escalation rate 30% is over 20%"))
    h = handoff()
    overdue = [views.Overdue(h, timer_of(h, shipped, "packet_due"))]

    text, blocks = views.weekly_digest([flagged], overdue, start=NOW - timedelta(days=7), end=NOW, user_ids=USER_IDS)

    shown = json.dumps(blocks, ensure_ascii=False)
    assert "1 overdue" in text and "1 segment(s) flagged" in text
    for flag in flagged.red_flags:
        assert flag in shown
    assert "Globex" in shown and "Packet due" in shown and "<@U0AE>" in shown
    assert check_message_blocks(blocks) == []


def test_feedback_reaches_the_ae_quoted(shipped: Playbook) -> None:
    h = handoff()
    h.edit_packet({"customer_goals": "Grow"}, actor=AE, at=NOW)
    h.fire(Trigger.SUBMIT, actor=AE, at=NOW)
    h.fire(Trigger.ACCEPT, actor=CSM, at=NOW)
    h.record_milestone("feedback", actor=CSM, at=NOW, went_well="Clear goals", missing="<!here> the SSO deadline")
    _, blocks = views.feedback_for_ae(h, user_ids=USER_IDS)
    shown = json.dumps(blocks)
    assert "Clear goals" in shown and "&lt;!here&gt;" in shown and "<@U0CSM>" in shown
