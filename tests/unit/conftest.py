"""Shared fixtures for the core's unit tests: a cast of people, a small playbook, fakes, and a
helper that walks a handoff to any status through the public API only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from core.deal import Deal
from core.handoff import Handoff
from core.machine import Status, Trigger
from core.people import Actor, Person, Role
from core.playbook import Playbook
from core.services import HandoffService
from tests.fakes import FakeStore, FakeUnitOfWork, FrozenClock

CLOSED_AT = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)

# What the handoff tests require, in the order the playbook lists them.
REQUIRED = ("goals", "champion", "contract_signed")
FULL_PACKET: dict[str, Any] = {
    "goals": "Cut onboarding time in half",
    "champion": "dana@customer.test",
    "contract_signed": True,
}


@dataclass(frozen=True)
class Cast:
    """Everyone who may touch a handoff. The AE and CSM are the deal's; the rest are not."""

    ae: Actor
    csm: Actor
    other_csm: Actor
    sales_manager: Actor
    cs_manager: Actor
    revops: Actor
    system: Actor
    stranger: Actor

    def __getitem__(self, name: str) -> Actor:
        actor: Actor = getattr(self, name)
        return actor


@pytest.fixture(scope="session")
def cast() -> Cast:
    return Cast(
        ae=Actor("U0AE", "ana.ae@acme.test"),
        csm=Actor("U0CSM", "carl.csm@acme.test"),
        other_csm=Actor("U0CSM2", "olga.csm@acme.test"),
        sales_manager=Actor("U0SM", "sam.sales@acme.test", frozenset({Role.SALES_MANAGER})),
        cs_manager=Actor("U0CM", "cleo.cs@acme.test", frozenset({Role.CS_MANAGER})),
        revops=Actor("U0RO", "rita.revops@acme.test", frozenset({Role.REVOPS})),
        system=Actor.system(),
        stranger=Actor("U0XX", "xavier@elsewhere.test"),
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))


def make_deal(deal_id: str = "D-100", **overrides: Any) -> Deal:
    values: dict[str, Any] = {
        "id": deal_id, "name": "Globex renewal platform", "account": "Globex",
        "amount": Decimal("24000"), "currency": "USD", "stage": "Closed Won",
        "closed_at": CLOSED_AT, "ae_email": "ana.ae@acme.test",
    }
    return Deal(**(values | overrides))


@pytest.fixture
def deal() -> Callable[..., Deal]:
    """Build a deal: `deal("D-7", amount=Decimal("150000"), fields={...})`."""
    return make_deal


@pytest.fixture
def open_handoff(cast: Cast, clock: FrozenClock) -> Callable[..., Handoff]:
    """A freshly opened handoff between the cast's AE and CSM, optionally pre-filled."""

    def open_(packet: Mapping[str, Any] | None = None, *, required: tuple[str, ...] = REQUIRED) -> Handoff:
        return Handoff.open(
            handoff_id="ho_1", deal=make_deal(), segment="smb",
            ae=Person("ana.ae@acme.test"), csm=Person.of("carl.csm@acme.test", slack="U0CSM"),
            required_fields=required, actor=cast.system, at=clock.now(), packet=packet,
        )

    return open_


@pytest.fixture
def walk(cast: Cast, clock: FrozenClock, open_handoff: Callable[..., Handoff]) -> Callable[..., Handoff]:
    """A handoff brought to `status` through fire/edit_packet, the way people would get it there.

    `complete=False` leaves a required field empty where the status allows it (submitted then
    means submitted through an approved override).
    """

    def step(h: Handoff, trigger: Trigger, actor: Actor, reason: str = "") -> None:
        clock.advance(hours=1)
        h.fire(trigger, actor=actor, at=clock.now(), reason=reason)

    def edit(h: Handoff, values: Mapping[str, Any]) -> None:
        clock.advance(hours=1)
        h.edit_packet(values, actor=cast.ae, at=clock.now())

    def submitted(complete: bool) -> Handoff:
        h = open_handoff()
        if complete:
            edit(h, FULL_PACKET)
            step(h, Trigger.SUBMIT, cast.ae)
        else:
            edit(h, {"goals": FULL_PACKET["goals"]})
            step(h, Trigger.REQUEST_OVERRIDE, cast.ae, "Champion leaves on holiday today")
            step(h, Trigger.APPROVE_OVERRIDE, cast.sales_manager, "Fine, chase it next week")
        return h

    def to(status: Status, *, complete: bool = True) -> Handoff:
        if status is Status.OPENED:
            return open_handoff(FULL_PACKET if complete else None)
        if status is Status.DRAFTING:
            h = open_handoff()
            edit(h, FULL_PACKET if complete else {"goals": FULL_PACKET["goals"]})
            return h
        if status is Status.OVERRIDE_REQUESTED:
            h = to(Status.DRAFTING, complete=False)
            step(h, Trigger.REQUEST_OVERRIDE, cast.ae, "Champion leaves on holiday today")
            return h
        if status is Status.SUBMITTED:
            return submitted(complete)
        if status is Status.ESCALATED:
            h = submitted(complete=True)
            step(h, Trigger.ESCALATE, cast.csm, "Who signs off on go-live?")
            if not complete:
                edit(h, {"champion": None})
            return h
        if status is Status.ACCEPTED:
            h = submitted(complete)
            step(h, Trigger.ACCEPT, cast.csm)
            return h
        if status is Status.CLOSED:
            h = to(Status.ACCEPTED, complete=complete)
            step(h, Trigger.CLOSE, cast.csm, "Onboarded")
            return h
        if status is Status.ON_HOLD:
            h = to(Status.DRAFTING, complete=complete)
            step(h, Trigger.HOLD, cast.system, "Deal moved to Closed Lost")
            return h
        assert status is Status.CANCELLED
        h = open_handoff()
        step(h, Trigger.CANCEL, cast.system, "Deal reopened in the CRM")
        return h

    return to


# -- the service layer ------------------------------------------------------------------------

PLAYBOOK: dict[str, Any] = {
    "default_segment": "smb",
    "segments": [
        {"id": "smb", "label": "SMB", "max_amount": "50000", "crm_values": ["Small Business"],
         "csm_pool": ["carl.csm@acme.test", "olga.csm@acme.test"]},
        {"id": "mid", "label": "Mid-market", "min_amount": "50000", "max_amount": "100000",
         "csm_pool": ["carl.csm@acme.test", "olga.csm@acme.test"]},
        {"id": "enterprise", "label": "Enterprise", "min_amount": "100000",
         "crm_values": ["Enterprise", "Strategic"], "live_call_required": True,
         "csm_pool": ["erin.csm@acme.test"]},
    ],
    "sections": [
        {"id": "why", "title": "Why they bought", "fields": [
            {"id": "goals", "label": "Customer goals", "type": "long_text", "required": True,
             "min_length": 10, "max_length": 500},
            {"id": "pains", "label": "Pain points", "type": "text"},
        ]},
        {"id": "people", "title": "People", "fields": [
            {"id": "champion", "label": "Champion", "type": "user", "required": True},
            {"id": "champion_email", "label": "Champion email", "type": "email", "required": True},
            {"id": "exec_sponsor", "label": "Executive sponsor", "type": "user",
             "required": ["enterprise"]},
            {"id": "stakeholders", "label": "Stakeholders", "type": "users"},
        ]},
        {"id": "plan", "title": "Plan", "fields": [
            {"id": "kickoff_date", "label": "Kickoff", "type": "date", "not_before": "close_date"},
            {"id": "go_live", "label": "Go-live", "type": "date", "not_before": "kickoff_date"},
            {"id": "seats", "label": "Seats", "type": "number", "min_value": 1, "max_value": 10000},
            {"id": "arr", "label": "ARR", "type": "money"},
            {"id": "tier", "label": "Tier", "type": "select", "options": ["Starter", "Growth", "Scale"]},
            {"id": "integrations", "label": "Integrations", "type": "multi_select",
             "options": ["Salesforce", "HubSpot", "Zendesk"]},
            {"id": "crm_link", "label": "CRM record", "type": "url"},
            {"id": "po_number", "label": "PO number", "type": "text", "pattern": r"PO-\d{6}",
             "pattern_hint": "PO numbers look like PO-123456"},
            {"id": "contract_signed", "label": "Contract signed", "type": "checkbox", "required": True},
        ]},
    ],
    "roles": {"sales_managers": ["U0SM"], "cs_managers": ["cleo.cs@acme.test"], "revops": ["@revops"]},
}

# Values a person would type into the smb packet's required fields.
TYPED_PACKET: dict[str, Any] = {
    "goals": "Cut onboarding time in half",
    "champion": "dana@customer.test",
    "champion_email": "Dana@Customer.test",
    "contract_signed": "yes",
}


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return Playbook.model_validate(PLAYBOOK)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def uow(store: FakeStore) -> Callable[[], FakeUnitOfWork]:
    """A unit-of-work factory; every unit shares the one store, like connections to one database."""
    return lambda: FakeUnitOfWork(store)


@pytest.fixture
def service(playbook: Playbook, uow: Callable[[], FakeUnitOfWork], clock: FrozenClock) -> HandoffService:
    ids = (f"ho_{n}" for n in range(1, 1000))
    return HandoffService(playbook=playbook, uow=uow, clock=clock, new_id=lambda: next(ids))
