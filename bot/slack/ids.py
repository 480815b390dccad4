"""Identifiers shared by the Block Kit builders and the Bolt listeners, and the small payloads
carried in button values and `private_metadata`.

Payloads are versioned (`v`) and small (ids, a step number), never whole packets: Slack caps
`private_metadata` at 3,000 characters and button values at 2,000, and a packet can be larger.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

PAYLOAD_VERSION = 1

# block_actions action_ids
FILL_PACKET = "baton.fill_packet"
VIEW_PACKET = "baton.view_packet"  # read-only view after the flip
SUBMIT_PACKET = "baton.submit_packet"
REQUEST_OVERRIDE = "baton.request_override"
APPROVE_OVERRIDE = "baton.approve_override"
DENY_OVERRIDE = "baton.deny_override"
ACCEPT = "baton.accept"
ESCALATE = "baton.escalate"
RECORD_FIRST_TOUCH = "baton.first_touch"
SET_KICKOFF = "baton.set_kickoff"  # the CSM records the kickoff date (card and nudges)
OPEN_HOME_HANDOFF = "baton.home_open"  # App Home: open a handoff's packet
PACKET_BACK = "baton.packet_back"  # inside the packet modal: go to the previous step
PACKET_NEXT = "baton.packet_next"  # read-only packet modal: go to the next step

# view callback_ids
PACKET_STEP = "baton.packet_step"
ESCALATE_FORM = "baton.escalate_form"
OVERRIDE_FORM = "baton.override_form"
DECISION_FORM = "baton.decision_form"
OPEN_DEAL_FORM = "baton.open_deal_form"
PACKET_VIEW = "baton.packet_view"  # the read-only packet modal (no inputs, no submit)

# block ids inside forms (input blocks: block_id = field id for packet fields)
ESCALATE_FIELDS_BLOCK = "escalate_fields"
ESCALATE_REASON_BLOCK = "escalate_reason"
OVERRIDE_REASON_BLOCK = "override_reason"
DECISION_NOTE_BLOCK = "decision_note"
VALUE_ACTION = "value"  # action_id of the single element inside each input block


class UnreadablePayload(ValueError):
    """A button value or private_metadata that Baton did not write (or an older Baton wrote)."""


@dataclass(frozen=True)
class Ref:
    """What a button or a modal needs to find its way back: the handoff, and where we are."""

    h: str  # handoff id
    step: int = 0  # packet modal step (0-based)
    flag: list[str] = field(default_factory=list)  # field ids to highlight (sent back by the CSM)
    v: int = PAYLOAD_VERSION

    def dumps(self) -> str:
        data = {k: val for k, val in asdict(self).items() if val not in ([], None)}
        text = json.dumps(data, separators=(",", ":"))
        if len(text) > 2000:
            raise ValueError("payload too large for a Slack button value")
        return text

    @classmethod
    def loads(cls, text: str) -> Ref:
        """Parse a payload; raises UnreadablePayload for anything that is not one of ours."""
        try:
            data: Any = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise UnreadablePayload("not a Baton payload") from exc
        if not isinstance(data, dict) or data.get("v") != PAYLOAD_VERSION or not isinstance(data.get("h"), str):
            raise UnreadablePayload("not a Baton payload of this version")
        step, flag = data.get("step", 0), data.get("flag", [])
        if not isinstance(step, int) or step < 0 or not isinstance(flag, list) or not all(
                isinstance(f, str) for f in flag):
            raise UnreadablePayload("a Baton payload with an unreadable step or flag")
        return cls(h=data["h"], step=step, flag=list(flag))
