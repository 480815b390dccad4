"""`baton demo`: one whole handoff, from a closed deal to a flipped owner, with no accounts.

It runs the real services on a temporary SQLite database with the shipped playbook and plays
each person's part, delivering the outbox to the terminal the way a chat adapter would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from bot.bootstrap import Baton, bootstrap
from bot.config import PACKAGED_CONFIG, load_playbook
from bot.notices import notices_for
from bot.settings import Settings
from core import commands as c
from core.deal import Deal
from core.errors import BatonError, NotPermitted, PacketIncomplete, PacketInvalid
from core.metrics import GroupBy
from core.people import Actor, actor_for
from storage.outbox import Outbox

CLOSED_AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
AE, CSM, MANAGER = "ana.ortiz@example.com", "cara.singh@example.com", "mo.reyes@example.com"


class DemoClock:
    """Story time: each scene moves the clock forward explicitly."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class Stage:
    def __init__(self, baton: Baton, clock: DemoClock, out: TextIO) -> None:
        self.baton, self.clock, self.out = baton, clock, out
        self.people = {"ae": AE, "csm": CSM, "managers": MANAGER, "channel": "#handoff channel"}

    def scene(self, hours: float, title: str) -> None:
        self.clock.at += timedelta(hours=hours)
        elapsed = (self.clock.at - CLOSED_AT).total_seconds() / 3600
        self.out.write(f"\n[{self.clock.at:%a %H:%M} UTC, close +{elapsed:.0f}h] {title}\n")

    def say(self, text: str) -> None:
        self.out.write(f"    {text}\n")

    def attempt(self, who: str, action: Callable[[], Any]) -> Any:
        """Run one person's action; a refusal is shown the way they would see it, not raised."""
        try:
            return action()
        except PacketInvalid as exc:
            for field_id, message in exc.errors.items():
                self.say(f"{who} sees under '{field_id}': {message}")
        except PacketIncomplete as exc:
            labels = [self.baton.playbook.field(f).label for f in exc.missing]
            self.say(f"{who} is told: can't submit yet, missing {', '.join(labels)}")
        except NotPermitted as exc:
            self.say(f"{who} is told: {exc.reason}")
        except BatonError as exc:
            self.say(f"{who} is told: {exc}")
        return None

    def deliver(self) -> None:
        """What the dispatcher would send: each pending outbox message, to its audience, once."""
        with self.baton.engine.begin() as conn, _session(conn) as session:
            outbox = Outbox(session)
            for message in outbox.pending(limit=100, now=self.clock.now()):
                handoff = self.baton.service.get(message.handoff_id)
                for notice in notices_for(message.event(), handoff, self.baton.playbook):
                    self.say(f"-> {self.people[notice.to]} sees: {notice.text}")
                outbox.mark_sent(message.id, self.clock.now())
            session.commit()


def _session(conn: Any) -> Any:
    from sqlalchemy.orm import Session

    return Session(bind=conn)


def run_demo(out: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="baton-demo-") as tmp:
        clock = DemoClock(CLOSED_AT)
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", config_path=PACKAGED_CONFIG)
        baton = bootstrap(settings, clock=clock, playbook=load_playbook(PACKAGED_CONFIG))
        _play(Stage(baton, clock, out), baton)
        baton.engine.dispose()
    return 0


def _play(stage: Stage, baton: Baton) -> None:
    svc, playbook = baton.service, baton.playbook
    ae = actor_for(playbook.roles, user_id="U0AE", email=AE)
    csm = actor_for(playbook.roles, user_id="U0CSM", email=CSM)
    stage.out.write("Baton demo: one handoff from a closed deal to a flipped owner.\n"
                    f"Playbook: shipped app.yaml ({len(playbook.segments)} segments, "
                    f"{len(playbook.fields)} fields); database: a temporary SQLite file.\n")

    stage.scene(0, "The CRM reports Northwind Traders, Platform expansion: Closed Won, USD 60,000")
    deal = Deal(
        id="006-NW-2291", name="Platform expansion", account="Northwind Traders", amount=Decimal(60000),
        currency="USD", stage="Closed Won", closed_at=CLOSED_AT, ae_email=AE, csm_email=CSM,
        crm_url="https://crm.example.com/deals/006-NW-2291",
        fields={"contract_signed": True, "crm_record": "https://crm.example.com/deals/006-NW-2291"},
    )
    opened = svc.open_handoff(c.OpenHandoff(deal=deal, actor=Actor.system("crm"), event_id="crm-evt-1"))
    handoff = svc.get(opened.handoff_id)
    stage.say(f"Baton opens handoff {handoff.id}: segment {handoff.segment}, owner {handoff.owner.email}, "
              f"CSM {handoff.csm.email}; contract signed and CRM link pre-filled from the CRM.")
    stage.deliver()
    again = svc.open_handoff(c.OpenHandoff(deal=deal, actor=Actor.system("crm"), event_id="crm-evt-1"))
    stage.say(f"The CRM delivers the same webhook again: same handoff ({again.handoff_id == handoff.id}), "
              "nobody is notified twice.")
    stage.deliver()

    stage.scene(2, "Ana (AE) fills the packet, one step at a time")
    stage.attempt("Ana", lambda: svc.save_draft(c.SaveDraft(handoff.id, ae, {
        "customer_goals": "Consolidate three regional order systems onto one platform by Q2.",
        "why_they_bought": "Our EU data residency; the incumbent could not offer it.",
        "success_metrics": "Order entry time under 2 minutes; 3 regions live by March 31.",
        "promises": "Two admin trainings included; 12% discount on year one; SSO at no charge.",
    })))
    stage.say("Saved as a draft: 4 fields.")
    stage.attempt("Ana", lambda: svc.save_draft(c.SaveDraft(handoff.id, ae, {
        "kickoff_date": "2026-10-20", "implementation_contact_email": "ops-lead(at)northwind",
    })))
    stage.say("Nothing from that step was saved; Ana corrects it.")
    stage.attempt("Ana", lambda: svc.save_draft(c.SaveDraft(handoff.id, ae, {
        "kickoff_date": "2026-11-09", "go_live_date": "2027-03-31", "implementation_contact_name": "Priya Natarajan",
        "implementation_contact_email": "priya.natarajan@northwind.example",
    })))
    stage.attempt("Ana", lambda: svc.submit(c.SubmitPacket(handoff.id, ae)))
    stage.attempt("Ana", lambda: svc.save_draft(c.SaveDraft(handoff.id, ae, {
        "risks": "IT is stretched until January.", "billing_confirmed": True,
    })))
    if stage.attempt("Ana", lambda: svc.submit(c.SubmitPacket(handoff.id, ae))):
        stage.say("Packet submitted, complete.")
    stage.deliver()

    stage.scene(3, "Cara (CSM) reads the brief and sends it back")
    stage.attempt("Ana", lambda: svc.accept(c.AcceptHandoff(handoff.id, ae)))
    stage.attempt("Cara", lambda: svc.escalate(c.EscalateHandoff(
        handoff.id, csm, ("risks",), "Which IT constraints, and who decides the January plan?")))
    stage.deliver()

    stage.scene(1, "Ana fixes the risks and resubmits")
    stage.attempt("Ana", lambda: svc.save_draft(c.SaveDraft(handoff.id, ae, {
        "risks": "IT change freeze Dec 15-Jan 10; Priya decides the rollout order; SSO needs their IdP team.",
    })))
    stage.attempt("Ana", lambda: svc.submit(c.SubmitPacket(handoff.id, ae)))
    stage.deliver()

    stage.scene(1, "Cara accepts: ownership flips")
    stage.attempt("Cara", lambda: svc.accept(c.AcceptHandoff(handoff.id, csm)))
    stage.deliver()
    flipped = svc.get(handoff.id)
    stage.say(f"Owner is now {flipped.owner.email} (state: {flipped.status}).")
    stage.attempt("Ana", lambda: svc.save_draft(c.SaveDraft(handoff.id, ae, {"risks": "n/a"})))
    stage.attempt("Ana", lambda: svc.comment(c.AddComment(handoff.id, ae, "Priya prefers Tuesday calls.")))
    stage.say("Ana can still comment: recorded in the audit trail.")

    stage.scene(13, "Cara records the first customer touch and the kickoff date")
    stage.attempt("Cara", lambda: svc.record_milestone(c.RecordMilestone(handoff.id, csm, "first_touch")))
    stage.attempt("Cara", lambda: svc.record_milestone(
        c.RecordMilestone(handoff.id, csm, "kickoff", {"on": date(2026, 11, 9)})))
    stage.deliver()

    _report(stage, baton, handoff.id)


def _report(stage: Stage, baton: Baton, handoff_id: str) -> None:
    final = baton.service.get(handoff_id)
    stage.scene(0, "What RevOps sees")
    stage.say(f"Audit trail of {final.id}: {len(final.audit)} entries")
    for entry in final.audit:
        stage.say(f"  {entry.seq:>2} {entry.at:%a %H:%M} {entry.actor_id:<14} {entry.action:<20} "
                  f"{entry.from_status} -> {entry.to_status}")
    period = (CLOSED_AT - timedelta(days=1), CLOSED_AT + timedelta(days=30))
    for row in baton.service.metrics(*period, by=GroupBy.SEGMENT):
        stage.say(f"Metrics [{row.group}]: {row.handoffs} handoff, completion {row.completion_rate:.0%}, "
                  f"time to submit {row.hours_to_submit}h, to accept {row.hours_to_accept}h, "
                  f"to first touch {row.hours_to_first_touch}h, escalation rate {row.escalation_rate:.0%}")
    stage.out.write(f"\nDone: {final.deal.account} is owned by {final.owner.email}; "
                    f"the handoff is {final.status}.\n")
