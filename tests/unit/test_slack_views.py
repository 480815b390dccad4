"""The Slack views as people see them: the right buttons at the right time, user text that can
neither ping nor format, packet forms that save exactly what was shown, and every payload
inside Slack's limits (checked here, and by the simulator's validator when it is present)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_playbook
from bot.slack import ids
from bot.slack.escape import escape_mrkdwn, literal, truncate, truncate_mrkdwn
from bot.slack.views.brief import brief
from bot.slack.views.card import card_text, handoff_card
from bot.slack.views.deal_form import open_deal_modal, read_open_deal_form
from bot.slack.views.forms import (
    decision_modal,
    escalate_modal,
    override_modal,
    read_decision,
    read_escalate_form,
    read_override_form,
)
from bot.slack.views.home import home_view
from bot.slack.views.packet import flagged_ref, packet_modal, packet_steps
from bot.slack.views.state import read_step_values
from bot.slack.views.text import help_text, list_blocks, metrics_blocks, status_blocks
from bot.slack.views.threads import (
    escalation_blocks,
    flip_announcement,
    override_decided_blocks,
    override_request_blocks,
)
from core.deal import Deal
from core.handoff import Handoff
from core.machine import Status, Trigger
from core.metrics import Metrics
from core.packet import validate_values
from core.people import Actor, Person, Role
from core.playbook import Playbook

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
AE = Actor("U0AE", "ana.ae@acme.test")
CSM = Actor("U0CSM", "carl.csm@acme.test")
MANAGER = Actor("U0SM", "maria.gomez@example.com", frozenset({Role.SALES_MANAGER}))
USER_IDS = {"ana.ae@acme.test": "U0AE", "carl.csm@acme.test": "U0CSM"}
BAIT = "<!channel> *bold* <@U0BOSS> <https://evil.test|click> & co"

# The hybrid segment's required fields, as typed values.
FULL: dict[str, Any] = {
    "customer_goals": "Cut onboarding time in half",
    "success_metrics": "First workflow live in 30 days",
    "go_live_date": "2027-03-31",
    "promises": "Sandbox first; 10% discount on year two",
    "implementation_contact_name": "Dana Scully",
    "implementation_contact_email": "dana@customer.test",
    "risks": "IT approval may slip",
    "contract_signed": True,
    "billing_confirmed": True,
}
PARTIAL = {"customer_goals": FULL["customer_goals"]}


@pytest.fixture(scope="module")
def shipped() -> Playbook:
    return load_playbook(ROOT / "app.yaml")


class Walk:
    """Handoffs brought to any status through the core's public API, one hour per step."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.now = T0
        self.count = 0

    def at(self) -> datetime:
        self.now += timedelta(hours=1)
        return self.now

    def open(self, *, account: str = "Globex", packet: Mapping[str, Any] | None = None,
             segment: str = "hybrid", ae: str = AE.email or "", csm: str = CSM.email or "") -> Handoff:
        self.count += 1
        deal = Deal(id=f"D-{self.count}", name=f"{account} platform", account=account,
                    amount=Decimal("48000.5"), currency="USD", stage="Closed Won", closed_at=T0, ae_email=ae)
        return Handoff.open(
            handoff_id=f"ho_{self.count}", deal=deal, segment=segment, ae=Person(ae),
            csm=Person.of(csm, slack=USER_IDS.get(csm)), required_fields=self.playbook.required_fields(segment),
            actor=Actor.system(), at=T0, packet=packet,
        )

    def fire(self, h: Handoff, trigger: Trigger, actor: Actor, reason: str = "", fields: tuple[str, ...] = ()) -> Handoff:
        h.fire(trigger, actor=actor, at=self.at(), reason=reason, fields=fields)
        return h

    def edit(self, h: Handoff, values: Mapping[str, Any]) -> Handoff:
        h.edit_packet(values, actor=AE, at=self.at())
        return h

    def to(self, status: Status, *, complete: bool = True, **open_kw: Any) -> Handoff:
        if status is Status.OPENED:
            return self.open(packet=FULL if complete else None, **open_kw)
        if status is Status.DRAFTING:
            return self.edit(self.open(**open_kw), FULL if complete else PARTIAL)
        if status is Status.OVERRIDE_REQUESTED:
            h = self.to(Status.DRAFTING, complete=False, **open_kw)
            return self.fire(h, Trigger.REQUEST_OVERRIDE, AE, "Champion is on holiday")
        if status is Status.SUBMITTED:
            if complete:
                return self.fire(self.to(Status.DRAFTING, **open_kw), Trigger.SUBMIT, AE)
            h = self.to(Status.OVERRIDE_REQUESTED, **open_kw)
            return self.fire(h, Trigger.APPROVE_OVERRIDE, MANAGER, "Chase it next week")
        if status is Status.ESCALATED:
            h = self.to(Status.SUBMITTED, **open_kw)
            return self.fire(h, Trigger.ESCALATE, CSM, "Who signs off on go-live?", ("risks", "stakeholders"))
        if status is Status.ACCEPTED:
            return self.fire(self.to(Status.SUBMITTED, complete=complete, **open_kw), Trigger.ACCEPT, CSM)
        if status is Status.CLOSED:
            return self.fire(self.to(Status.ACCEPTED, **open_kw), Trigger.CLOSE, CSM, "Onboarded")
        return self.fire(self.open(**open_kw), Trigger.CANCEL, Actor.system(), "Deal reopened")


@pytest.fixture
def walk(shipped: Playbook) -> Walk:
    return Walk(shipped)


# -- a checker for Slack's limits ------------------------------------------------------------

def _texts(obj: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(obj, Mapping):
        if obj.get("type") in ("plain_text", "mrkdwn") and "text" in obj:
            yield obj
        for value in obj.values():
            yield from _texts(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _texts(item)


def mrkdwn(payload: Any) -> str:
    return "\n".join(t["text"] for t in _texts(payload) if t["type"] == "mrkdwn")


def _plain(obj: Any, limit: int, where: str, out: list[str]) -> None:
    if not isinstance(obj, Mapping) or obj.get("type") != "plain_text" or len(obj.get("text", "")) > limit:
        out.append(f"{where}: must be plain_text of at most {limit}: {obj!r:.80}")


def _element(e: Mapping[str, Any], out: list[str]) -> None:
    kind = e["type"]
    if kind == "button":
        _plain(e["text"], 75, "button text", out)
        if len(e.get("value", "")) > 2000:
            out.append("button value over 2000")
    if "placeholder" in e:
        _plain(e["placeholder"], 150, "placeholder", out)
    options = list(e.get("options", []))
    if "option_groups" in e:
        if len(e["option_groups"]) > 100:
            out.append("more than 100 option groups")
        for group in e["option_groups"]:
            _plain(group["label"], 75, "option group label", out)
            if len(group["options"]) > 100:
                out.append("more than 100 options in a group")
            options += group["options"]
    elif len(options) > (10 if kind == "checkboxes" else 100):
        out.append(f"{kind} has {len(options)} options")
    for o in options:
        if kind != "checkboxes":
            _plain(o["text"], 75, "option text", out)
        if len(o["text"]["text"]) > 75 or not 1 <= len(o["value"]) <= 150:
            out.append(f"option too long: {o!r:.80}")
    for chosen in ([e["initial_option"]] if "initial_option" in e else []) + list(e.get("initial_options", [])):
        if chosen not in options:
            out.append(f"initial option {chosen!r:.80} is not one of the options")
    if kind == "plain_text_input":
        longest = e.get("max_length", 3000)
        if longest > 3000 or len(e.get("initial_value", "")) > longest:
            out.append("plain_text_input over its max_length")


def limit_problems(payload: Any, *, surface: str) -> list[str]:
    out: list[str] = []
    blocks = payload if surface == "message" else payload["blocks"]
    if len(blocks) > (50 if surface == "message" else 100):
        out.append(f"{len(blocks)} blocks")
    if surface == "modal":
        _plain(payload["title"], 24, "title", out)
        for name in ("submit", "close"):
            if name in payload:
                _plain(payload[name], 24, name, out)
        if len(payload.get("private_metadata", "")) > 3000:
            out.append("private_metadata over 3000")
        if any(b["type"] == "input" for b in blocks) and "submit" not in payload:
            out.append("inputs without submit")
    block_ids: set[str] = set()
    for b in blocks:
        if "block_id" in b:
            if len(b["block_id"]) > 255 or b["block_id"] in block_ids:
                out.append(f"bad or duplicate block_id {b['block_id']}")
            block_ids.add(b["block_id"])
        kind = b["type"]
        if kind == "input" and surface == "message":
            out.append("input block in a message")
        if kind == "header":
            _plain(b["text"], 150, "header", out)
        if kind == "section":
            if len(b.get("text", {}).get("text", "")) > 3000 or len(b.get("fields", [])) > 10:
                out.append("section text or fields over the limit")
            out += ["field over 2000" for f in b.get("fields", []) if len(f["text"]) > 2000]
        if kind == "context" and len(b["elements"]) > 10:
            out.append("context over 10 elements")
        if kind == "input":
            _plain(b["label"], 2000, "label", out)
            if "hint" in b:
                _plain(b["hint"], 2000, "hint", out)
        elements = [x for x in (b.get("accessory"), b.get("element")) if x] + (b["elements"] if kind == "actions" else [])
        action_ids = [e["action_id"] for e in elements if "action_id" in e]
        # Slack wants action ids unique within their block (every packet input is "value").
        if len(set(action_ids)) != len(action_ids) or any(len(a) > 255 for a in action_ids):
            out.append(f"bad or duplicate action_id in {action_ids}")
        for e in elements:
            _element(e, out)
    out += [f"empty text {t!r}" for t in _texts(payload) if not t["text"]]
    return out + _simulator_problems(payload, surface)


def _simulator_problems(payload: Any, surface: str) -> list[str]:
    try:
        sim = importlib.import_module("bot.slack.simulator.blocks")
    except ImportError:
        return []
    if surface == "message":
        found: list[str] = sim.check_message_blocks(payload)
    else:
        found = sim.check_view(payload, expect=surface)
    # The simulator asks for action ids unique across the whole view; Slack's rule is per block
    # ("unique among all other action_ids in the containing block"), which the packet relies on.
    return [p for p in found if not p.startswith("duplicate action_id")]


def assert_fits(payload: Any, surface: str) -> None:
    assert limit_problems(payload, surface=surface) == []
    json.dumps(payload)  # JSON-ready


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for b in blocks:
        for e in (b.get("elements", []) if b["type"] == "actions" else []) + [b.get("accessory") or {}]:
            if e.get("type") == "button":
                found[e["action_id"]] = e
    return found


def texts_of(blocks: Any) -> str:
    return "\n".join(t["text"] for t in _texts(blocks))


# -- escaping --------------------------------------------------------------------------------

def test_escape_neutralises_pings_links_and_formatting() -> None:
    assert escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    shown = literal("*bold* _it_ ~x~ `c` snake_case a@b_c.io")
    assert "*" not in shown and "~" not in shown and "`" not in shown
    assert "_it_" not in shown and "snake_case" in shown and "a@b_c.io" in shown


def test_truncate_ends_with_an_ellipsis_and_never_splits_an_entity_or_token() -> None:
    assert truncate("abcdef", 4) == "abc…" and truncate("abc", 3) == "abc"
    assert truncate_mrkdwn("ab &amp; cd", 6) == "ab…"
    assert truncate_mrkdwn("hi <@U0CSM> there", 8) == "hi…"
    assert len(truncate_mrkdwn("x" * 5000, 3000)) == 3000


def test_card_text_and_header_keep_a_hostile_account_name_harmless(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.SUBMITTED, account=BAIT)
    blocks = handoff_card(h, shipped, user_ids=USER_IDS, now=walk.now)
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    for text in (mrkdwn(blocks), card_text(h)):
        assert "<!channel>" not in text and "<@U0BOSS>" not in text and "*bold*" not in text
        assert "&lt;!channel&gt;" in text


def test_packet_values_are_escaped_in_the_brief_and_the_read_only_packet(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.SUBMITTED)
    walk_values = {"pain_points": BAIT, "champion": BAIT}
    h.packet.update(walk_values)  # as if stored before validation tightened; views must cope
    for payload in (brief(h, shipped, user_ids=USER_IDS), packet_modal(h, shipped, step=0, read_only=True),
                    packet_modal(h, shipped, step=3, read_only=True)):
        text = mrkdwn(payload)
        assert "<!channel>" not in text and "<https://evil" not in text and "*bold*" not in text
        assert "&lt;!channel&gt;" in text


# -- the card --------------------------------------------------------------------------------

def test_the_ae_fills_submits_or_asks_for_an_exception_while_the_packet_is_incomplete(
    walk: Walk, shipped: Playbook,
) -> None:
    h = walk.to(Status.DRAFTING, complete=False)
    blocks = handoff_card(h, shipped, user_ids=USER_IDS, now=walk.now)
    found = buttons(blocks)
    assert list(found) == [ids.FILL_PACKET, ids.SUBMIT_PACKET, ids.REQUEST_OVERRIDE]
    assert found[ids.FILL_PACKET]["style"] == "primary"
    assert found[ids.REQUEST_OVERRIDE]["text"]["text"] == "Ask a manager to override"
    assert "Still needed: Success metrics" in mrkdwn(blocks)


def test_a_complete_draft_offers_no_exception(walk: Walk, shipped: Playbook) -> None:
    blocks = handoff_card(walk.to(Status.DRAFTING), shipped, user_ids=USER_IDS, now=walk.now)
    assert list(buttons(blocks)) == [ids.FILL_PACKET, ids.SUBMIT_PACKET]


def test_the_csm_accepts_or_escalates_a_submitted_packet(walk: Walk, shipped: Playbook) -> None:
    found = buttons(handoff_card(walk.to(Status.SUBMITTED), shipped, user_ids=USER_IDS, now=walk.now))
    assert list(found) == [ids.VIEW_PACKET, ids.ACCEPT, ids.ESCALATE]
    assert found[ids.ACCEPT]["style"] == "primary" and found[ids.ESCALATE]["style"] == "danger"


def test_an_override_request_leaves_only_view_and_says_who_decides(walk: Walk, shipped: Playbook) -> None:
    blocks = handoff_card(walk.to(Status.OVERRIDE_REQUESTED), shipped, user_ids=USER_IDS, now=walk.now)
    assert list(buttons(blocks)) == [ids.VIEW_PACKET]
    assert "Waiting on a manager's decision" in texts_of(blocks[-1])


def test_after_acceptance_there_is_no_accept_escalate_or_fill_and_the_flip_is_named(
    walk: Walk, shipped: Playbook,
) -> None:
    h = walk.to(Status.ACCEPTED)
    blocks = handoff_card(h, shipped, user_ids=USER_IDS, now=walk.now)
    assert list(buttons(blocks)) == [ids.VIEW_PACKET, ids.RECORD_FIRST_TOUCH, ids.SET_KICKOFF]
    assert "Accepted by <@U0CSM> <!date^" in mrkdwn(blocks)
    h.record_milestone("first_touch", actor=CSM, at=walk.at())
    assert list(buttons(handoff_card(h, shipped, user_ids=USER_IDS, now=walk.now))) == [ids.VIEW_PACKET, ids.SET_KICKOFF]
    h.record_milestone("kickoff", actor=CSM, at=walk.at(), on=walk.at().date())
    assert list(buttons(handoff_card(h, shipped, user_ids=USER_IDS, now=walk.now))) == [ids.VIEW_PACKET]


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_finished_handoffs_show_context_only(walk: Walk, shipped: Playbook, status: Status) -> None:
    blocks = handoff_card(walk.to(status), shipped, user_ids=USER_IDS, now=walk.now)
    assert buttons(blocks) == {} and blocks[-1]["type"] == "context"


def test_card_facts_amount_owner_packet_progress_and_due_date(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.DRAFTING, complete=False)
    text = mrkdwn(handoff_card(h, shipped, user_ids=USER_IDS, now=T0 + timedelta(hours=2)))
    assert "*Amount*\n$48,000.50" in text and "*Owner*\n<@U0AE>" in text and "*CSM*\n<@U0CSM>" in text
    assert "*Packet*\n1 of 9 required fields filled" in text
    due = int((T0 + timedelta(hours=24)).timestamp())
    assert f"*Packet due*\n<!date^{due}^{{date_short_pretty}} at {{time}}|Nov 3, 2026 at 13:00 UTC>" in text
    late = mrkdwn(handoff_card(h, shipped, user_ids=USER_IDS, now=T0 + timedelta(hours=30)))
    assert "⚠️ overdue" in late
    accepting = mrkdwn(handoff_card(walk.to(Status.SUBMITTED), shipped, user_ids=USER_IDS, now=walk.now))
    assert "*Acceptance due*" in accepting


def test_people_without_a_known_slack_id_are_written_as_their_email(walk: Walk, shipped: Playbook) -> None:
    text = mrkdwn(handoff_card(walk.to(Status.OPENED), shipped, user_ids={}, now=walk.now))
    assert "*AE*\nana.ae@acme.test" in text and "*CSM*\n<@U0CSM>" in text


def test_every_card_button_carries_the_handoff_ref(walk: Walk, shipped: Playbook) -> None:
    for status in Status:
        h = walk.to(status, complete=False) if status is Status.OVERRIDE_REQUESTED else walk.to(status)
        for button in buttons(handoff_card(h, shipped, user_ids=USER_IDS, now=walk.now)).values():
            assert button["value"] == ids.Ref(h=h.id).dumps()


# -- the brief -------------------------------------------------------------------------------

def test_the_brief_formats_values_by_type_and_flags_missing_required_fields(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.SUBMITTED, complete=False)
    h.packet.update({"integrations": ["Slack", "Snowflake"], "crm_record": "https://crm.test/d/1",
                     "discount_percent": 12.5, "go_live_date": "2027-03-31", "contract_signed": True})
    blocks = brief(h, shipped, user_ids=USER_IDS)
    text = mrkdwn(blocks)
    assert "*Go-live date*: Mar 31, 2027" in text and "*Contract signed*: ✅ Yes" in text
    assert "*Integrations*: Slack, Snowflake" in text and "<https://crm.test/d/1|crm.test/d/1>" in text
    assert "*Success metrics / first-value criteria*: ⚠️ missing" in text
    assert "*Billing confirmed*: ❌ No ⚠️ missing" in text
    assert "approved by <@U0SM>" in text
    assert list(buttons(blocks)) == [ids.ACCEPT, ids.ESCALATE]
    assert len(blocks) <= 50


def test_the_brief_offers_no_accept_once_accepted(walk: Walk, shipped: Playbook) -> None:
    assert buttons(brief(walk.to(Status.ACCEPTED), shipped, user_ids=USER_IDS)) == {}


def test_the_brief_of_a_packet_at_full_length_stays_in_one_message(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.SUBMITTED)
    for spec in shipped.fields:
        if spec.type.value in ("text", "long_text"):
            h.packet[spec.id] = ("word & <more> " * 300)[:3000]
    blocks = brief(h, shipped, user_ids=USER_IDS)
    assert_fits(blocks, "message")
    assert "*Customer goals and primary use case*" in mrkdwn(blocks)


def _playbook(sections: list[dict[str, Any]]) -> Playbook:
    return Playbook.model_validate({
        "default_segment": "std", "segments": [{"id": "std", "label": "Standard"}], "sections": sections,
    })


def test_a_playbook_of_many_one_field_sections_still_briefs_in_one_message(walk: Walk) -> None:
    playbook = _playbook([
        {"id": f"s{i}", "title": f"Section {i}", "fields": [
            {"id": f"f{i}", "label": f"Field {i}", "type": "long_text", "required": True}]}
        for i in range(26)
    ])
    h = Walk(playbook).open(segment="std", packet={f"f{i}": "x" * 900 for i in range(0, 26, 2)})
    blocks = brief(h, playbook, user_ids=USER_IDS)
    assert_fits(blocks, "message")
    assert "*Field 25*: ⚠️ missing" in mrkdwn(blocks)


# -- the packet form -------------------------------------------------------------------------

ALL_TYPES = _playbook([{"id": "all", "title": "Every type", "fields": [
    {"id": "t_text", "label": "Text", "type": "text", "required": True, "max_length": 200, "placeholder": "Say it"},
    {"id": "t_long", "label": "Long text", "type": "long_text", "help": "As long as you like"},
    {"id": "t_number", "label": "Number", "type": "number", "min_value": 0, "max_value": 1000},
    {"id": "t_money", "label": "Money", "type": "money"},
    {"id": "t_date", "label": "Date", "type": "date"},
    {"id": "t_select", "label": "Select", "type": "select", "options": ["Alpha", "Beta"]},
    {"id": "t_multi", "label": "Multi", "type": "multi_select", "options": ["A", "B", "C"]},
    {"id": "t_user", "label": "User", "type": "user"},
    {"id": "t_users", "label": "Users", "type": "users"},
    {"id": "t_email", "label": "Email", "type": "email"},
    {"id": "t_url", "label": "URL", "type": "url"},
    {"id": "t_check", "label": "Signed", "type": "checkbox", "required": True},
]}])
ALL_VALUES: dict[str, Any] = {
    "t_text": "Hello *world* <!channel>", "t_long": "line one\nline two", "t_number": 12.5,
    "t_money": "24000.50", "t_date": "2027-03-31", "t_select": "Beta", "t_multi": ["C", "A"],
    "t_user": "U0AE", "t_users": ["U0AE", "U0CSM"], "t_email": "dana@customer.test",
    "t_url": "https://crm.test/deal/1", "t_check": True,
}
ELEMENTS = {
    "t_text": "plain_text_input", "t_long": "plain_text_input", "t_number": "number_input",
    "t_money": "number_input", "t_date": "datepicker", "t_select": "static_select",
    "t_multi": "multi_static_select", "t_user": "users_select", "t_users": "multi_users_select",
    "t_email": "email_text_input", "t_url": "url_text_input", "t_check": "checkboxes",
}


def submit_unchanged(view: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """`view.state.values` as Slack sends it when the person submits without touching anything."""
    keys = {"datepicker": ("selected_date", "initial_date", None),
            "static_select": ("selected_option", "initial_option", None),
            "multi_static_select": ("selected_options", "initial_options", []),
            "checkboxes": ("selected_options", "initial_options", []),
            "users_select": ("selected_user", "initial_user", None),
            "multi_users_select": ("selected_users", "initial_users", [])}
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        e = block["element"]
        out_key, in_key, empty = keys.get(e["type"], ("value", "initial_value", None))
        state[block["block_id"]] = {e["action_id"]: {"type": e["type"], out_key: e.get(in_key, empty)}}
    return state


def _all_types_handoff(values: Mapping[str, Any]) -> Handoff:
    return Walk(ALL_TYPES).open(segment="std", packet=values)


def test_each_field_type_gets_its_element_with_the_saved_value(walk: Walk) -> None:
    view = packet_modal(_all_types_handoff(ALL_VALUES), ALL_TYPES, step=0)
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert {k: e["type"] for k, e in elements.items()} == ELEMENTS
    assert all(e["action_id"] == ids.VALUE_ACTION for e in elements.values())
    assert elements["t_text"]["max_length"] == 200 and elements["t_long"]["multiline"] is True
    assert elements["t_number"]["initial_value"] == "12.5" and elements["t_number"]["is_decimal_allowed"] is True
    assert elements["t_date"]["initial_date"] == "2027-03-31"
    assert elements["t_select"]["initial_option"] in elements["t_select"]["options"]
    assert elements["t_user"]["initial_user"] == "U0AE"
    assert elements["t_check"]["options"][0]["text"]["text"] == "Signed"
    assert_fits(view, "modal")


def test_required_fields_are_labelled_and_every_input_is_optional_for_drafts() -> None:
    view = packet_modal(_all_types_handoff({}), ALL_TYPES, step=0)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["t_text"]["label"]["text"] == "Text (required)" and inputs["t_long"]["label"]["text"] == "Long text"
    assert inputs["t_long"]["hint"]["text"] == "As long as you like"
    assert inputs["t_text"]["element"]["placeholder"]["text"] == "Say it"
    assert all(b["optional"] is True for b in inputs.values())
    assert "initial_value" not in inputs["t_text"]["element"]


def test_an_unchanged_submission_reads_back_exactly_what_was_saved() -> None:
    h = _all_types_handoff(ALL_VALUES)
    view = packet_modal(h, ALL_TYPES, step=0)
    raw = read_step_values(submit_unchanged(view), ALL_TYPES.fields)
    assert validate_values(ALL_TYPES, raw, close_date=T0.date(), current=h.packet) == h.packet


def test_people_saved_as_emails_survive_an_unchanged_submission() -> None:
    values = {"t_user": "dana@customer.test", "t_users": ["U0AE", "fox@customer.test"]}
    h = _all_types_handoff(values)
    view = packet_modal(h, ALL_TYPES, step=0)
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds["t_user"] == "email_text_input" and kinds["t_users"] == "plain_text_input"
    raw = read_step_values(submit_unchanged(view), ALL_TYPES.fields)
    clean = validate_values(ALL_TYPES, raw, close_date=T0.date(), current=h.packet)
    assert {k: clean[k] for k in values} == values
    assert_fits(view, "modal")


def test_read_step_values_parses_every_element_as_slack_sends_it() -> None:
    def entry(kind: str, **value: Any) -> dict[str, Any]:
        return {ids.VALUE_ACTION: {"type": kind, **value}}

    option = {"text": {"type": "plain_text", "text": "Beta"}, "value": "Beta"}
    state = {
        "t_text": entry("plain_text_input", value="hi"), "t_long": entry("plain_text_input", value=None),
        "t_number": entry("number_input", value="7"), "t_money": entry("number_input", value=""),
        "t_date": entry("datepicker", selected_date="2027-01-02"),
        "t_select": entry("static_select", selected_option=option),
        "t_multi": entry("multi_static_select", selected_options=[option]),
        "t_user": entry("users_select", selected_user="U0AE"),
        "t_users": entry("multi_users_select", selected_users=[]),
        "t_email": entry("email_text_input", value="a@b.test"), "t_url": entry("url_text_input", value=None),
        "t_check": entry("checkboxes", selected_options=[]),
    }
    assert read_step_values(state, ALL_TYPES.fields) == {
        "t_text": "hi", "t_long": None, "t_number": "7", "t_money": None, "t_date": "2027-01-02",
        "t_select": "Beta", "t_multi": ["Beta"], "t_user": "U0AE", "t_users": None,
        "t_email": "a@b.test", "t_url": None, "t_check": False,
    }
    state["t_check"] = entry("checkboxes", selected_options=[{"text": {}, "value": "true"}])
    assert read_step_values(state, ALL_TYPES.fields)["t_check"] is True
    assert "t_text" not in read_step_values({}, ALL_TYPES.fields)  # absent blocks are left alone


def test_packet_steps_cover_every_field_once_in_playbook_order(shipped: Playbook) -> None:
    steps = packet_steps(shipped)
    assert [s.section_id for s in steps] == [s.id for s in shipped.sections]
    assert [f.id for s in steps for f in s.fields] == [f.id for f in shipped.fields]


def test_a_section_of_120_fields_is_split_into_steps_that_fit_a_modal() -> None:
    big = _playbook([
        {"id": "intro", "title": "Intro", "fields": [{"id": "a", "label": "A", "type": "text"}]},
        {"id": "many", "title": "Many", "fields": [
            {"id": f"f{i}", "label": f"Field {i} " + "x" * 140, "type": "long_text", "required": True,
             "help": "h" * 150} for i in range(120)]},
    ])
    steps = packet_steps(big)
    assert [s.title for s in steps] == ["Intro", "Many", "Many (2)"]
    assert sorted(f.id for s in steps for f in s.fields) == sorted(f.id for f in big.fields)
    h = Walk(big).open(segment="std")
    flags = [f"f{i}" for i in range(120)]
    for step in range(len(steps)):
        for read_only in (False, True):
            view = packet_modal(h, big, step=step, flag=flags, reasons="x" * 5000, read_only=read_only)
            assert_fits(view, "modal")
            assert len(view["blocks"]) <= 100


def test_the_modal_walks_steps_with_next_save_back_and_a_ref_in_metadata(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.DRAFTING)
    first, last = packet_modal(h, shipped, step=0), packet_modal(h, shipped, step=5)
    assert first["callback_id"] == ids.PACKET_STEP and first["notify_on_close"] is True
    assert first["title"]["text"] == "Packet 1/6" and first["submit"]["text"] == "Next"
    assert first["close"]["text"] == "Close" and last["submit"]["text"] == "Save"
    assert ids.Ref.loads(last["private_metadata"]) == ids.Ref(h=h.id, step=5)
    assert "Step 1 of 6: Why they bought · drafts save at every step" in mrkdwn(first)
    assert buttons(first["blocks"]) == {}
    back = buttons(last["blocks"])[ids.PACKET_BACK]
    assert back["text"]["text"] == "← Back" and ids.Ref.loads(back["value"]).step == 5


def test_fields_sent_back_are_marked_with_the_csms_reason(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.ESCALATED)
    view = packet_modal(h, shipped, step=4, flag=["risks", "stakeholders"])
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}
    assert labels["risks"] == "⚠️ Risks and concerns raised during the sale (required)"
    assert not labels["integrations"].startswith("⚠️")
    text = mrkdwn(view)
    assert "Sent back by the CSM*: Who signs off on go-live?" in text and "Stakeholder map" in text
    assert ids.Ref.loads(view["private_metadata"]).flag == ["risks", "stakeholders"]


def test_the_read_only_packet_has_no_inputs_no_submit_and_steps_through(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.ACCEPTED)
    view = packet_modal(h, shipped, step=1, read_only=True)
    assert all(b["type"] != "input" for b in view["blocks"]) and "submit" not in view
    assert view["callback_id"] == ids.PACKET_VIEW
    assert set(buttons(view["blocks"])) == {ids.PACKET_BACK, ids.PACKET_NEXT}
    assert "*Go-live date*: Mar 31, 2027" in mrkdwn(view)


def test_ref_payloads_stay_under_slacks_button_value_limit() -> None:
    ref = flagged_ref("ho_1", step=3, flag=[f"field_{i:03d}_" + "x" * 50 for i in range(200)])
    assert len(ref.dumps()) <= 2000 and ref.flag and ref.step == 3


# -- forms -----------------------------------------------------------------------------------

def _options(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(element.get("options", [])) + [o for g in element.get("option_groups", []) for o in g["options"]]


def test_escalating_offers_every_field_with_the_missing_ones_ticked(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.SUBMITTED, complete=False)
    view = escalate_modal(h, shipped)
    assert view["callback_id"] == ids.ESCALATE_FORM and ids.Ref.loads(view["private_metadata"]).h == h.id
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.ESCALATE_FIELDS_BLOCK)
    reason = next(b for b in view["blocks"] if b.get("block_id") == ids.ESCALATE_REASON_BLOCK)
    assert picker["optional"] is True and reason["optional"] is False and reason["element"]["multiline"]
    assert [o["value"] for o in _options(picker["element"])] == [f.id for f in shipped.fields]
    assert [o["value"] for o in picker["element"]["initial_options"]] == list(h.missing_fields())
    assert_fits(view, "modal")
    state = {ids.ESCALATE_FIELDS_BLOCK: {ids.VALUE_ACTION: {"type": "multi_static_select",
                                                            "selected_options": picker["element"]["initial_options"][:2]}},
             ids.ESCALATE_REASON_BLOCK: {ids.VALUE_ACTION: {"type": "plain_text_input", "value": " Who signs? "}}}
    sent = read_escalate_form(state)
    assert sent.fields == h.missing_fields()[:2] and sent.reason == "Who signs?"


def test_escalating_on_a_huge_playbook_groups_the_fields() -> None:
    big = _playbook([{"id": f"s{s}", "title": f"Section {s}", "fields": [
        {"id": f"f{s}_{i}", "label": "L" * 150, "type": "text", "required": True} for i in range(60)]}
        for s in range(3)])
    view = escalate_modal(Walk(big).open(segment="std"), big)
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.ESCALATE_FIELDS_BLOCK)["element"]
    assert "options" not in picker and len(_options(picker)) == 180
    assert_fits(view, "modal")


def test_asking_for_an_exception_lists_what_is_missing_and_needs_a_reason(walk: Walk, shipped: Playbook) -> None:
    view = override_modal(walk.to(Status.DRAFTING, complete=False), shipped)
    assert view["callback_id"] == ids.OVERRIDE_FORM
    assert "• Success metrics / first-value criteria" in mrkdwn(view)
    reason = next(b for b in view["blocks"] if b.get("block_id") == ids.OVERRIDE_REASON_BLOCK)
    assert reason["optional"] is False
    assert read_override_form({ids.OVERRIDE_REASON_BLOCK: {ids.VALUE_ACTION: {
        "type": "plain_text_input", "value": " Champion away "}}}) == "Champion away"
    assert_fits(view, "modal")


@pytest.mark.parametrize("approve", [True, False])
def test_the_decision_modal_carries_approve_or_deny(walk: Walk, shipped: Playbook, approve: bool) -> None:
    h = walk.to(Status.OVERRIDE_REQUESTED)
    view = decision_modal(h, approve, playbook=shipped, user_ids=USER_IDS)
    assert view["callback_id"] == ids.DECISION_FORM and view["submit"]["text"] == ("Approve" if approve else "Deny")
    assert "<@U0AE> asks to send" in mrkdwn(view) and ">Champion is on holiday" in mrkdwn(view)
    note = next(b for b in view["blocks"] if b.get("block_id") == ids.DECISION_NOTE_BLOCK)
    assert note["optional"] is True
    decision = read_decision(view["private_metadata"], {ids.DECISION_NOTE_BLOCK: {ids.VALUE_ACTION: {
        "type": "plain_text_input", "value": None}}})
    assert decision.approve is approve and decision.ref.h == h.id and decision.note == ""
    assert_fits(view, "modal")


def test_opening_a_deal_by_hand_asks_for_the_deal_and_reads_it_back(shipped: Playbook) -> None:
    view = open_deal_modal(shipped, deal_id="D-77", today=T0.date())
    assert view["callback_id"] == ids.OPEN_DEAL_FORM
    assert_fits(view, "modal")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert [o["value"] for o in inputs["open_deal.segment"]["element"]["options"]] == [s.id for s in shipped.segments]
    assert inputs["open_deal.amount"]["element"]["type"] == "number_input"
    assert inputs["open_deal.csm"]["optional"] and not inputs["open_deal.ae"]["optional"]
    form = read_open_deal_form(submit_unchanged(view))
    assert (form.deal_id, form.currency, form.close_date, form.segment) == ("D-77", "USD", "2026-11-02", None)


# -- thread messages -------------------------------------------------------------------------

def test_an_override_request_asks_managers_then_shows_the_decision(walk: Walk, shipped: Playbook) -> None:
    h = walk.to(Status.OVERRIDE_REQUESTED)
    request = h.overrides[-1]
    asking = override_request_blocks(h, shipped, request, user_ids=USER_IDS)
    found = buttons(asking)
    assert list(found) == [ids.APPROVE_OVERRIDE, ids.DENY_OVERRIDE]
    assert found[ids.APPROVE_OVERRIDE]["style"] == "primary" and found[ids.DENY_OVERRIDE]["style"] == "danger"
    assert "<@U0AE> asks for an exception" in mrkdwn(asking) and "• Success metrics" in mrkdwn(asking)
    walk.fire(h, Trigger.APPROVE_OVERRIDE, MANAGER, "ok <!here>")
    decided = override_decided_blocks(h, shipped, request, user_ids=USER_IDS)
    assert buttons(decided) == {}
    assert "✅ Approved by <@U0SM> <!date^" in mrkdwn(decided) and ": ok &lt;!here&gt;" in mrkdwn(decided)
    for blocks in (asking, decided):
        assert_fits(blocks, "message")


def test_a_denied_request_says_so(walk: Walk, shipped: Playbook) -> None:
    h = walk.fire(walk.to(Status.OVERRIDE_REQUESTED), Trigger.DENY_OVERRIDE, MANAGER)
    assert "❌ Denied by <@U0SM>" in mrkdwn(override_decided_blocks(h, shipped, h.overrides[-1], user_ids=USER_IDS))


def test_a_send_back_tells_the_ae_what_and_why_with_a_button_to_the_flagged_fields(
    walk: Walk, shipped: Playbook,
) -> None:
    h = walk.to(Status.ESCALATED)
    blocks = escalation_blocks(h, shipped, h.escalations[-1], user_ids=USER_IDS)
    text = mrkdwn(blocks)
    assert "<@U0AE>, <@U0CSM> sent" in text and "• Stakeholder map" in text and "Who signs off" in text
    fix = buttons(blocks)[ids.FILL_PACKET]
    assert fix["text"]["text"] == "Fix the packet"
    assert ids.Ref.loads(fix["value"]) == ids.Ref(h=h.id, flag=["risks", "stakeholders"])
    assert_fits(blocks, "message")


def test_the_flip_names_both_people(walk: Walk) -> None:
    blocks = flip_announcement(walk.to(Status.ACCEPTED), user_ids=USER_IDS)
    assert "now belongs to <@U0CSM>. <@U0AE> handed it over" in mrkdwn(blocks)
    assert_fits(blocks, "message")


# -- App Home --------------------------------------------------------------------------------

def _home(handoffs: list[Handoff], shipped: Playbook, email: str, **kw: Any) -> dict[str, Any]:
    view = home_view(user_email=email, handoffs=handoffs, playbook=shipped, user_ids=USER_IDS,
                     now=T0 + timedelta(hours=30), **kw)
    assert view["type"] == "home"
    assert_fits(view, "home")
    return view


def _headers(view: Mapping[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def test_home_groups_handoffs_by_what_the_viewer_must_do(walk: Walk, shipped: Playbook) -> None:
    drafting = walk.to(Status.DRAFTING, complete=False, account="Drafty")
    escalated = walk.to(Status.ESCALATED, account="Bouncy")
    submitted = walk.to(Status.SUBMITTED, account="Waiting")
    accepted = walk.to(Status.ACCEPTED, account="Fresh")
    closed = walk.to(Status.CLOSED, account="Done")
    everything = [drafting, escalated, submitted, accepted, closed]
    ae_view = _home(everything, shipped, "Ana.AE@acme.test")
    assert _headers(ae_view) == ["Your handoffs", "Fill the packet", "Recently done"]
    sections = [b for b in ae_view["blocks"] if b.get("block_id", "").startswith("home.fill.")]
    assert "Bouncy" in sections[0]["text"]["text"] and "Drafty" in sections[1]["text"]["text"]
    assert "⚠️" in sections[1]["text"]["text"] and "overdue" in sections[1]["text"]["text"]
    open_button = sections[0]["accessory"]
    assert open_button["action_id"] == ids.OPEN_HOME_HANDOFF and ids.Ref.loads(open_button["value"]).h == escalated.id
    csm_view = _home(everything, shipped, CSM.email or "")
    assert _headers(csm_view) == ["Your handoffs", "Accept or escalate", "Follow up", "Recently done"]


def test_managers_see_exceptions_to_decide_but_not_on_their_own_deals(walk: Walk, shipped: Playbook) -> None:
    pending = walk.to(Status.OVERRIDE_REQUESTED)
    assert "Decide an exception" in _headers(_home([pending], shipped, "maria.gomez@example.com", is_manager=True))
    assert "Decide an exception" not in _headers(_home([pending], shipped, "maria.gomez@example.com"))
    assert "Decide an exception" not in _headers(_home([pending], shipped, AE.email or "", is_manager=True))


def test_an_empty_home_is_friendly(shipped: Playbook) -> None:
    assert "Nothing needs you right now" in mrkdwn(_home([], shipped, "nobody@acme.test"))


def test_a_crowded_home_stays_under_100_blocks_and_says_how_many_more(walk: Walk, shipped: Playbook) -> None:
    crowd = [walk.to(Status.DRAFTING, account=f"Acct {i}") for i in range(40)]
    crowd += [walk.to(Status.CLOSED, account=f"Old {i}") for i in range(10)]
    view = _home(crowd, shipped, AE.email or "")
    assert "…and 25 more" in mrkdwn(view)


# -- /handoff answers ------------------------------------------------------------------------

def test_help_lists_the_commands_and_how_to_turn_on_drafting() -> None:
    text = help_text(llm_enabled=False)
    for command in ("help", "status [deal or account]", "mine", "overdue", "open &lt;deal id&gt;", "metrics"):
        assert f"`/handoff {command}`" in text
    assert "OPENAI_API_KEY" in text and "OPENAI_API_KEY" not in help_text(llm_enabled=True)


def test_status_shows_facts_missing_fields_and_history(walk: Walk, shipped: Playbook) -> None:
    blocks = status_blocks(walk.to(Status.ESCALATED, account=BAIT), shipped, user_ids=USER_IDS, now=walk.now)
    text = mrkdwn(blocks)
    assert "Sent back to the AE" in text and "*Packet*\n9 of 9" in text and "escalate" in text
    assert "<!channel>" not in text
    assert_fits(blocks, "message")


def test_lists_show_due_and_overdue_times(walk: Walk, shipped: Playbook) -> None:
    late = walk.to(Status.DRAFTING, account="Late")
    waiting = walk.to(Status.SUBMITTED, account="Waiting")
    blocks = list_blocks("Overdue", [late, waiting], shipped, now=T0 + timedelta(hours=26))
    text = mrkdwn(blocks)
    assert "*Overdue* (2)" in text and "packet due: ⚠️ 2h overdue" in text and "acceptance due: due in 1h" in text
    many = list_blocks("Mine", [walk.to(Status.DRAFTING, account="A" * 300) for _ in range(200)], shipped, now=walk.now)
    assert_fits(many, "message")
    assert len(many) == 50 and mrkdwn(many[-1]).startswith("…and ")


def _metrics(group: str, **kw: Any) -> Metrics:
    values: dict[str, Any] = dict(
        group=group, handoffs=10, submitted=9, completion_rate=0.8, hours_to_submit=20.0, hours_to_accept=3.0,
        hours_to_first_touch=50.0, escalation_rate=0.1, override_rate=None, sla_breaches=2, avg_rating=4.2,
        repeat_ask_rate=None, red_flags=("completion rate 80% is under 85%",),
    )
    return Metrics(**(values | kw))


def test_metrics_are_a_table_with_red_flags(walk: Walk) -> None:
    blocks = metrics_blocks([_metrics("low_touch"), _metrics("<!channel>", red_flags=())], "week of Nov 2")
    text = mrkdwn(blocks)
    assert "```" in text and "low_touch" in text and "80%" in text and "50h" in text
    assert "⚠️ *low_touch*: completion rate 80% is under 85%" in text and "<!channel>" not in text
    crowded = metrics_blocks([_metrics(f"csm{i}@acme.test") for i in range(300)], "Q4")
    assert_fits(crowded, "message")


# -- every view, every state, inside Slack's limits ------------------------------------------

VIEWS: dict[str, Callable[[Handoff, Playbook, datetime], tuple[Any, str]]] = {
    "card": lambda h, p, now: (handoff_card(h, p, user_ids=USER_IDS, now=now), "message"),
    "brief": lambda h, p, now: (brief(h, p, user_ids=USER_IDS), "message"),
    "status": lambda h, p, now: (status_blocks(h, p, user_ids=USER_IDS, now=now), "message"),
    "escalate": lambda h, p, now: (escalate_modal(h, p), "modal"),
    "override": lambda h, p, now: (override_modal(h, p), "modal"),
    "flip": lambda h, p, now: (flip_announcement(h, user_ids=USER_IDS), "message"),
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("complete", [True, False])
def test_every_view_fits_slacks_limits_in_every_state(shipped: Playbook, status: Status, complete: bool) -> None:
    walk = Walk(shipped)
    h = walk.to(status, complete=complete, account=BAIT * 10)
    h.packet.update({f.id: BAIT * 40 for f in shipped.fields if f.type.value in ("text", "long_text")})
    for name, build in VIEWS.items():
        payload, surface = build(h, shipped, walk.now)
        assert limit_problems(payload, surface=surface) == [], name
    for step in range(len(packet_steps(shipped))):
        for read_only in (False, True):
            view = packet_modal(h, shipped, step=step, flag=["risks"], read_only=read_only)
            assert limit_problems(view, surface="modal") == []
    if h.overrides:
        for blocks in (override_request_blocks(h, shipped, h.overrides[-1], user_ids=USER_IDS),
                       override_decided_blocks(h, shipped, h.overrides[-1], user_ids=USER_IDS)):
            assert limit_problems(blocks, surface="message") == []
    if h.status is Status.OVERRIDE_REQUESTED:
        assert limit_problems(decision_modal(h, True, playbook=shipped), surface="modal") == []
    if h.escalations:
        blocks = escalation_blocks(h, shipped, h.escalations[-1], user_ids=USER_IDS)
        assert limit_problems(blocks, surface="message") == []
    assert len(card_text(h)) <= 3000
