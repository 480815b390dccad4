"""The handoff's promises hold whatever anyone does, in any order.

Random commands by random people (the deal's AE and CSM, another CSM, managers, RevOps, the
CRM, a stranger) with random packet values; refusals are fine, broken promises are not.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from core import events as ev
from core.deal import Deal
from core.errors import BatonError, NotPermitted
from core.handoff import Handoff
from core.machine import FINAL, Status, Trigger, triggers_from
from core.milestones import MILESTONES
from core.people import Actor, Person, Role

START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
REQUIRED = ("goals", "champion", "contract_signed")

AE = Actor("U0AE", "ana.ae@acme.test")
CSM = Actor("U0CSM", "carl.csm@acme.test")
ACTORS = {
    "ae": AE,
    "ae_on_teams": Actor("29:ana", "ANA.AE@acme.test"),
    "csm": CSM,
    "other_csm": Actor("U0CSM2", "olga.csm@acme.test"),
    "sales_manager": Actor("U0SM", "sam.sales@acme.test", frozenset({Role.SALES_MANAGER})),
    "cs_manager": Actor("U0CM", "cleo.cs@acme.test", frozenset({Role.CS_MANAGER})),
    "revops": Actor("U0RO", "rita.revops@acme.test", frozenset({Role.REVOPS})),
    "system": Actor.system(),
    "stranger": Actor("U0XX", "xavier@elsewhere.test"),
}
CSMS = (Person.of("carl.csm@acme.test", slack="U0CSM"), Person("olga.csm@acme.test"))

# Whom a trigger usually comes from: drawn half the time, so runs get past the first refusals.
LIKELY = {
    Trigger.START_DRAFT: ("ae",), Trigger.SUBMIT: ("ae", "ae_on_teams"), Trigger.REQUEST_OVERRIDE: ("ae",),
    Trigger.APPROVE_OVERRIDE: ("sales_manager", "cs_manager"), Trigger.DENY_OVERRIDE: ("cs_manager",),
    Trigger.ACCEPT: ("csm", "other_csm"), Trigger.ESCALATE: ("csm", "other_csm"),
    Trigger.CLOSE: ("csm", "cs_manager"), Trigger.CANCEL: ("system", "revops"),
    Trigger.HOLD: ("system", "revops"), Trigger.RESUME: ("system",),
}
FULL = {"goals": "Grow fast", "champion": "dana@customer.test", "contract_signed": True}

actors = st.sampled_from(sorted(ACTORS)).map(ACTORS.__getitem__)
packet_values = st.one_of(st.none(), st.just(""), st.booleans(), st.text(max_size=6), st.just("Grow fast"))
packets = st.one_of(st.just(FULL), st.dictionaries(st.sampled_from([*REQUIRED, "pains"]), packet_values, max_size=4))
reasons = st.sampled_from(["", "   ", "Champion on leave", "Who is the sponsor?"])
field_lists = st.lists(st.sampled_from([*REQUIRED, "pains"]), max_size=2, unique=True).map(tuple)
milestone_data = st.sampled_from([
    {}, {"on": date(2026, 11, 9)}, {"went_well": "Clear goals"}, {"rating": 4, "repeat_asks": ["goals"]},
    {"rating": 9}, {"touched_at": START + timedelta(hours=30)},
])


class HandoffPromises(RuleBasedStateMachine):
    handoff: Handoff

    @initialize(prefill=packets)
    def open(self, prefill: dict[str, Any]) -> None:
        self.now = START
        deal = Deal(
            id="D-1", name="Globex platform", account="Globex", amount=Decimal("24000"), currency="USD",
            stage="Closed Won", closed_at=START - timedelta(hours=1), ae_email="ana.ae@acme.test",
        )
        self.handoff = Handoff.open(
            handoff_id="ho_1", deal=deal, segment="smb", ae=Person("ana.ae@acme.test"), csm=CSMS[0],
            required_fields=REQUIRED, actor=ACTORS["system"], at=self.now, packet=prefill,
        )
        self.final: Status | None = None
        self.ever_accepted = False

    def attempt(self, change: Any) -> BaseException | None:
        """Run one command; a refusal must leave the handoff exactly as it was."""
        h = self.handoff
        self.now += timedelta(minutes=17)
        before = (h.status, copy.deepcopy(h.packet), len(h.audit), len(h.events))
        try:
            change()
        except BatonError as exc:
            assert (h.status, h.packet, len(h.audit), len(h.events)) == before
            return exc
        else:
            self.check_step(before[0], before[2])
            return None

    def check_step(self, status_before: Status, audit_before: int) -> None:
        """A change that went through left an audit trail that explains any status change."""
        h = self.handoff
        added = h.audit[audit_before:]
        if h.status is not status_before:
            assert added, "a status change without an audit entry"
            assert added[0].from_status is status_before
            assert added[-1].to_status is h.status
        if h.status is Status.ACCEPTED:
            self.ever_accepted = True
        if self.final is None and h.status in FINAL:
            self.final = h.status

    # -- commands -------------------------------------------------------------------------------

    @rule(data=st.data(), reason=reasons, fields=field_lists)
    def fire(self, data: st.DataObject, reason: str, fields: tuple[str, ...]) -> None:
        # Half the time a trigger that moves the handoff on (cancelling ends runs too early).
        leaving = tuple(t for t in triggers_from(self.handoff.status) if t is not Trigger.CANCEL) or tuple(Trigger)
        trigger = data.draw(st.one_of(st.sampled_from(leaving), st.sampled_from(list(Trigger))), label="trigger")
        actor = data.draw(st.one_of(st.sampled_from(LIKELY[trigger]).map(ACTORS.__getitem__), actors), label="actor")
        self.attempt(lambda: self.handoff.fire(trigger, actor=actor, at=self.now, reason=reason, fields=fields))

    @rule(actor=st.one_of(st.sampled_from([AE, CSM]), actors), values=packets)
    def edit(self, actor: Actor, values: dict[str, Any]) -> None:
        packet = copy.deepcopy(self.handoff.packet)
        refused = self.attempt(lambda: self.handoff.edit_packet(values, actor=actor, at=self.now))
        if self.ever_accepted and self.handoff.ae.matches(actor):
            assert isinstance(refused, NotPermitted), "the AE edited after the flip"
            assert self.handoff.packet == packet

    @rule(actor=actors, text=st.sampled_from(["", "Call them Tuesday"]))
    def comment(self, actor: Actor, text: str) -> None:
        self.attempt(lambda: self.handoff.comment(text, actor=actor, at=self.now))

    @rule(actor=actors, csm=st.sampled_from(CSMS))
    def reassign(self, actor: Actor, csm: Person) -> None:
        self.attempt(lambda: self.handoff.reassign_csm(csm, actor=actor, at=self.now))

    @rule(actor=actors, milestone=st.sampled_from(MILESTONES), data=milestone_data)
    def follow_up(self, actor: Actor, milestone: str, data: dict[str, Any]) -> None:
        self.attempt(lambda: self.handoff.record_milestone(milestone, actor=actor, at=self.now, **data))

    @rule(timer=st.sampled_from(["packet_due", "acceptance_due", "first_touch_due"]))
    def sla_breach(self, timer: str) -> None:
        self.attempt(lambda: self.handoff.record_sla_breach(timer, at=self.now))

    # -- promises -------------------------------------------------------------------------------

    @invariant()
    def exactly_one_owner_the_ae_then_the_csm(self) -> None:
        h = self.handoff
        flipped = h.status in (Status.ACCEPTED, Status.CLOSED)
        assert h.owner is (h.csm if flipped else h.ae)
        assert (h.accepted_at is not None) == flipped

    @invariant()
    def the_audit_is_complete_and_continuous(self) -> None:
        audit = self.handoff.audit
        assert [a.seq for a in audit] == list(range(1, len(audit) + 1))
        assert audit[0].action == "open" and audit[0].from_status is Status.OPENED
        for earlier, later in itertools.pairwise(audit):
            assert later.from_status is earlier.to_status
            assert later.at >= earlier.at
        assert audit[-1].to_status is self.handoff.status

    @invariant()
    def a_final_state_never_changes(self) -> None:
        if self.final is not None:
            assert self.handoff.status is self.final

    @invariant()
    def a_submitted_packet_was_complete_or_excepted(self) -> None:
        h = self.handoff
        if h.status is Status.SUBMITTED:
            assert not h.missing_fields() or (h.overrides and h.overrides[-1].approved)
        for event in h.events:
            if isinstance(event, ev.PacketSubmitted):
                assert event.complete != event.overridden

    @invariant()
    def event_keys_are_unique_and_point_at_the_audit(self) -> None:
        keys = [e.key for e in self.handoff.events]
        assert len(keys) == len(set(keys))
        seqs = {a.seq for a in self.handoff.audit}
        assert all(e.seq in seqs for e in self.handoff.events)


HandoffPromises.TestCase.settings = settings(
    max_examples=200, deadline=None, stateful_step_count=50, database=None,
)
TestHandoffPromisesHoldWhateverAnyoneDoes = HandoffPromises.TestCase
