"""The packet modal: one step per playbook section, drafts saved at every step.

A modal holds at most 100 blocks; a step spends up to three on its own lines (the step line, the
CSM's note, the Back/Next row), so a section with more than 97 fields is split into several
steps. Steps are numbered from 0 in `Ref.step`, from 1 on screen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from slack_sdk.models.blocks import ButtonElement

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.brief import field_line
from bot.slack.views.drafting import DRAFT_FROM_NOTES
from bot.slack.views.elements import element_for
from bot.slack.views.fmt import field_labels
from core.handoff import Handoff
from core.playbook import FieldSpec, Playbook

FIELDS_PER_STEP = kit.MODAL_BLOCKS_MAX - 3
NAV_BLOCK = "baton.packet.nav"
NOTE_BLOCK = "baton.packet.note"
STEP_BLOCK = "baton.packet.step"


class Step(NamedTuple):
    section_id: str
    title: str
    fields: tuple[FieldSpec, ...]


def packet_steps(playbook: Playbook) -> list[Step]:
    """The steps of the packet form, in playbook order; every field appears in exactly one."""
    steps: list[Step] = []
    for section in playbook.sections:
        parts = math.ceil(len(section.fields) / FIELDS_PER_STEP)
        size = math.ceil(len(section.fields) / parts)
        for n in range(parts):
            title = section.title if n == 0 else f"{section.title} ({n + 1})"
            steps.append(Step(section.id, title, tuple(section.fields[n * size : (n + 1) * size])))
    return steps


def flagged_ref(handoff_id: str, *, step: int = 0, flag: Sequence[str] = ()) -> ids.Ref:
    """A Ref carrying as many flagged field ids as fit Slack's 2,000-character button value."""
    kept = list(dict.fromkeys(flag))
    while True:
        ref = ids.Ref(h=handoff_id, step=step, flag=kept)
        try:
            ref.dumps()
            return ref
        except ValueError:
            if not kept:
                raise
            kept = kept[: len(kept) // 2]  # absurdly many flags: keep the first ones


def packet_modal(
    handoff: Handoff, playbook: Playbook, *, step: int, flag: Sequence[str] = (), reasons: str = "",
    read_only: bool = False, user_ids: Mapping[str, str] | None = None, llm_enabled: bool = False,
) -> kit.Block:
    """Step `step` of the packet: inputs pre-filled from the draft, or read-only sections.

    With `llm_enabled` (and fields the playbook lets the model fill) an editable step also
    offers "Draft from call notes".

    `flag` names the fields the CSM sent back; `reasons` is what they wrote (defaults to the
    last escalation's reason). Back/Next buttons carry `Ref(h, step, flag)` of *this* step; the
    listener moves one step in the direction the action id says.
    """
    steps = packet_steps(playbook)
    index = min(max(step, 0), len(steps) - 1)
    current = steps[index]
    flagged = {f for f in flag if _known(playbook, f)}
    ref = flagged_ref(handoff.id, step=index, flag=[f for f in flag if f in flagged])
    mode = "read-only" if read_only else "drafts save at every step"
    blocks = [kit.context(f"Step {index + 1} of {len(steps)}: {literal(current.title)} · {mode}", block_id=STEP_BLOCK)]
    if flagged:
        blocks.append(_sent_back(handoff, playbook, ref.flag, reasons))
    if read_only:
        required = set(handoff.required_fields)
        for spec in current.fields:
            line = field_line(spec, handoff, user_ids=user_ids or {}, required=spec.id in required)
            blocks.append(kit.section(f"⚠️ {line}" if spec.id in flagged else line, block_id=spec.id))
    else:
        blocks += [_input(spec, handoff, flagged=spec.id in flagged) for spec in current.fields]
    drafting = llm_enabled and not read_only and any(spec.llm_fill for spec in playbook.fields)
    nav = _nav(ref, index=index, count=len(steps), read_only=read_only, drafting=drafting)
    if nav:
        blocks.append(kit.actions(nav, block_id=NAV_BLOCK))
    last = index == len(steps) - 1
    return kit.modal(
        title=f"Packet {index + 1}/{len(steps)}", blocks=blocks,
        callback_id=ids.PACKET_VIEW if read_only else ids.PACKET_STEP,
        private_metadata=ref.dumps(),
        submit=None if read_only else ("Save" if last else "Next"),
        close="Close", notify_on_close=not read_only,
    )


def _known(playbook: Playbook, field_id: str) -> bool:
    return any(spec.id == field_id for spec in playbook.fields)


def _sent_back(handoff: Handoff, playbook: Playbook, flag: Sequence[str], reasons: str) -> kit.Block:
    reason = reasons.strip()
    if not reason and handoff.escalations:
        reason = handoff.escalations[-1].reason
    why = f": {literal(reason)}" if reason else ""
    labels = ", ".join(literal(label) for label in field_labels(playbook, flag))
    return kit.section(f"⚠️ *Sent back by the CSM*{why}\nPlease check: {labels}", block_id=NOTE_BLOCK)


def _input(spec: FieldSpec, handoff: Handoff, *, flagged: bool) -> kit.Block:
    label = f"{'⚠️ ' if flagged else ''}{spec.label}{' (required)' if spec.id in handoff.required_fields else ''}"
    return kit.input_block(
        label, element_for(spec, handoff.packet.get(spec.id)), block_id=spec.id,
        optional=True,  # drafts may be partial; completeness is checked on Submit
        hint=spec.help,
    )


def _nav(ref: ids.Ref, *, index: int, count: int, read_only: bool, drafting: bool = False) -> list[ButtonElement]:
    value = ref.dumps()
    buttons = []
    if index > 0:
        buttons.append(kit.button("← Back", ids.PACKET_BACK, value))
    if read_only and index < count - 1:
        buttons.append(kit.button("Next →", ids.PACKET_NEXT, value))
    if drafting:
        buttons.append(kit.button("✨ Draft from call notes", DRAFT_FROM_NOTES, value))
    return buttons
