"""Small modals around the packet: send it back, ask for an exception, decide one.

Each `*_modal` builds the view; each `read_*` reads its submission. The forms' block ids live
in bot/slack/ids.py; the handoff travels in `private_metadata` as a `Ref`. The `/handoff open`
form lives in deal_form.py and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Option,
    OptionGroup,
    PlainTextInputElement,
    StaticMultiSelectElement,
)

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.deal_form import OpenDealForm, open_deal_modal, read_open_deal_form
from bot.slack.views.fmt import field_labels, mention, mention_actor, quote
from bot.slack.views.state import StateValues, value_of
from core.handoff import Handoff
from core.playbook import Playbook

__all__ = [
    "Decision", "Escalation", "OpenDealForm", "decision_modal", "escalate_modal", "open_deal_modal",
    "override_modal", "read_decision", "read_escalate_form", "read_open_deal_form", "read_override_form",
]

APPROVE, DENY = "approve", "deny"
GROUP_LABEL_MAX = 75


@dataclass(frozen=True)
class Escalation:
    """What the CSM said is missing or wrong."""

    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Decision:
    """A manager's decision on an override request, read from the decision modal."""

    ref: ids.Ref
    approve: bool
    note: str


def _reason_input(block_id: str, label: str, *, optional: bool, hint: str | None = None) -> kit.Block:
    element = PlainTextInputElement(
        action_id=ids.VALUE_ACTION, multiline=True, max_length=kit.INPUT_MAX_LENGTH,
    )
    return kit.input_block(label, element, block_id=block_id, optional=optional, hint=hint)


def _field_choices(playbook: Playbook) -> tuple[list[Option] | None, list[OptionGroup] | None]:
    """Flat options for up to 100 fields; beyond that, groups by section of up to 100 each."""
    if len(playbook.fields) <= kit.OPTIONS_MAX:
        return [kit.option(f.label, f.id) for f in playbook.fields], None
    groups: list[OptionGroup] = []
    for section in playbook.sections:
        chunks = [section.fields[i : i + kit.OPTIONS_MAX] for i in range(0, len(section.fields), kit.OPTIONS_MAX)]
        for n, chunk in enumerate(chunks):
            label = section.title if n == 0 else f"{section.title} ({n + 1})"
            groups.append(OptionGroup(
                label=kit.plain(label, GROUP_LABEL_MAX),
                options=[kit.option(f.label, f.id) for f in chunk],
            ))
    return None, groups[: kit.OPTIONS_MAX]


def escalate_modal(
    handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str] | None = None,
) -> kit.Block:
    """The CSM sends the packet back: which fields (required ones still empty come ticked), and why."""
    options, groups = _field_choices(playbook)
    offered = {o.value for o in options or []} | {o.value for g in groups or [] for o in g.options or []}
    missing = [f for f in handoff.missing_fields() if f in offered]
    picker = StaticMultiSelectElement(
        action_id=ids.VALUE_ACTION, options=options, option_groups=groups,
        initial_options=[kit.option(playbook.field(f).label, f) for f in missing] or None,
        placeholder=kit.placeholder("Pick the fields to fix"),
    )
    ae = mention(handoff.ae, user_ids or {})
    blocks = [
        kit.section(
            f"The *{literal(handoff.deal.account)}* packet goes back to {ae} to fix. "
            "You can accept once it is resubmitted."
        ),
        kit.input_block(
            "Fields to fix", picker, block_id=ids.ESCALATE_FIELDS_BLOCK, optional=True,
            hint="Required fields that are still empty are ticked already." if missing else None,
        ),
        _reason_input(ids.ESCALATE_REASON_BLOCK, "What is missing or wrong?", optional=False),
    ]
    return kit.modal(
        title="Send the packet back", blocks=blocks, callback_id=ids.ESCALATE_FORM,
        private_metadata=ids.Ref(h=handoff.id).dumps(), submit="Send back", close="Cancel",
    )


def read_escalate_form(state_values: StateValues) -> Escalation:
    fields = value_of(state_values, ids.ESCALATE_FIELDS_BLOCK) or []
    reason = value_of(state_values, ids.ESCALATE_REASON_BLOCK) or ""
    return Escalation(tuple(fields), reason.strip())


def override_modal(handoff: Handoff, playbook: Playbook) -> kit.Block:
    """The AE asks a manager to let an incomplete packet through, saying why."""
    labels = field_labels(playbook, handoff.missing_fields())
    listed = "\n".join(f"• {literal(label)}" for label in labels) or "• (none: the packet is complete)"
    blocks = [
        kit.section(f"The *{literal(handoff.deal.account)}* packet is missing these required fields:\n{listed}"),
        kit.context(
            "A sales or CS manager decides in the handoff's thread. If they approve, the packet "
            "goes to the CSM as it is, and the exception is recorded."
        ),
        _reason_input(ids.OVERRIDE_REASON_BLOCK, "Why should it go through incomplete?", optional=False),
    ]
    return kit.modal(
        title="Ask for an exception", blocks=blocks, callback_id=ids.OVERRIDE_FORM,
        private_metadata=ids.Ref(h=handoff.id).dumps(), submit="Ask a manager", close="Cancel",
    )


def read_override_form(state_values: StateValues) -> str:
    """The reason the AE gave (empty when missing; the domain refuses an empty reason)."""
    reason = value_of(state_values, ids.OVERRIDE_REASON_BLOCK) or ""
    return str(reason).strip()


def decision_modal(
    handoff: Handoff, approve: bool, *, playbook: Playbook | None = None,
    user_ids: Mapping[str, str] | None = None,
) -> kit.Block:
    """A manager approves or denies the pending exception, with an optional note.

    Whether it approves travels in `private_metadata` as `Ref.flag == ["approve"]` (or
    `["deny"]`); `read_decision` reads it back.
    """
    request = handoff.pending_override
    blocks: list[kit.Block] = []
    if request is not None:
        missing: Sequence[str] = request.missing
        labels = field_labels(playbook, missing) if playbook is not None else list(missing)
        who = mention_actor(request.requested_by, user_ids or {})
        blocks.append(kit.section(
            f"{who} asks to send the *{literal(handoff.deal.account)}* packet to the CSM without: "
            f"{', '.join(literal(label) for label in labels) or 'nothing'}\n{quote(request.reason)}"
        ))
    label = "Note for the AE (optional)" if approve else "What should the AE do instead? (optional)"
    blocks.append(_reason_input(ids.DECISION_NOTE_BLOCK, label, optional=True))
    verb = APPROVE if approve else DENY
    return kit.modal(
        title="Approve the exception" if approve else "Deny the exception", blocks=blocks,
        callback_id=ids.DECISION_FORM, private_metadata=ids.Ref(h=handoff.id, flag=[verb]).dumps(),
        submit="Approve" if approve else "Deny", close="Cancel",
    )


def read_decision(private_metadata: str, state_values: StateValues) -> Decision:
    """The decision modal's submission; raises ValueError for metadata that is not ours."""
    ref = ids.Ref.loads(private_metadata)
    if ref.flag not in ([APPROVE], [DENY]):
        raise ValueError("the decision modal's metadata says neither approve nor deny")
    note = value_of(state_values, ids.DECISION_NOTE_BLOCK) or ""
    return Decision(ref, ref.flag == [APPROVE], str(note).strip())
