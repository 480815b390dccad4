"""The review screen: values suggested from notes, pre-filled and marked, each with its quote.

Every suggestion is an editable input (block id = the field id, like the packet modal) under a
"suggested from notes" label, the supporting words beneath it, and a "Keep it" box, ticked
when the field is empty and unticked when keeping it would replace what the AE wrote. Where the
notes disagree the candidates are listed and the AE picks one (or, for long text, both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import CheckboxesElement, StaticSelectElement

from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.drafting import DRAFT_BACK, DRAFT_REVIEW, DraftRef
from bot.slack.views.elements import element_for
from bot.slack.views.fmt import field_labels, format_value
from bot.slack.views.state import StateValues, read_step_values, value_of
from core.draft_review import ALL_OF_THEM, decide_review, may_keep_all
from core.drafting import Conflict, Draft, Suggestion, llm_fields
from core.handoff import Handoff, ReviewedSuggestion, is_empty
from core.playbook import Playbook

KEEP = "keep"
BOTH = ALL_OF_THEM
OPTIONS_SHOWN = 5
_RESERVED = 4  # the intro, the notes on what was left out, and the Back row


def keep_block(field_id: str) -> str:
    return f"keep:{field_id}"


def pick_block(field_id: str) -> str:
    return f"pick:{field_id}"


def review_view(handoff: Handoff, playbook: Playbook, draft: Draft, ref: DraftRef) -> kit.Block:
    blocks = [kit.context(f"Suggested from your notes by {literal(draft.model)}. Keep, edit or reject each one; "
                          "nothing is saved until you press Save.")]
    room = kit.MODAL_BLOCKS_MAX - _RESERVED
    for s in draft.suggestions:
        part = _suggestion_blocks(playbook, handoff, s)
        if len(blocks) + len(part) > room:
            break
        blocks += part
    for c in draft.conflicts:
        part = _conflict_blocks(playbook, c)
        if len(blocks) + len(part) > room:
            break
        blocks += part
    blocks += _left_out(playbook, draft)
    blocks.append(kit.actions([kit.button("← Back to the packet", DRAFT_BACK, ref.dumps())], block_id="draft_nav"))
    offered = bool(draft.suggestions or draft.conflicts)
    if not offered:
        blocks.insert(0, kit.section("Baton found nothing in these notes that it could back with a quote."))
    return kit.modal(title="Suggested values", blocks=blocks, callback_id=DRAFT_REVIEW,
                     private_metadata=ref.dumps(), submit="Save" if offered else None, close="Cancel")


def _suggestion_blocks(playbook: Playbook, handoff: Handoff, s: Suggestion) -> list[kit.Block]:
    spec = playbook.field(s.field_id)
    filled = not is_empty(handoff.packet.get(s.field_id))
    box = kit.option("Keep it", KEEP)
    keep = CheckboxesElement(action_id="value", options=[box], initial_options=None if filled else [box])
    note = " · replaces what the packet holds now" if filled else ""
    return [
        kit.input_block(f"{spec.label} · suggested from notes", element_for(spec, s.value), block_id=spec.id,
                        optional=True),
        kit.context(_quotes(s.quotes), block_id=f"quote:{spec.id}"),
        kit.input_block(f"Keep this suggestion{note}", keep, block_id=keep_block(spec.id), optional=True),
    ]


def _conflict_blocks(playbook: Playbook, c: Conflict) -> list[kit.Block]:
    spec = playbook.field(c.field_id)
    shown = c.options[:OPTIONS_SHOWN]
    blocks = [kit.section(f"*{literal(spec.label)}*: your notes say different things. Choose one, or none.")]
    for n, option in enumerate(shown, start=1):
        blocks.append(kit.section(f"*Option {n}*: {format_value(spec, option.value, user_ids={})}"))
        blocks.append(kit.context(_quotes(option.quotes)))
    choices = [kit.option(f"Option {n}", str(n - 1)) for n in range(1, len(shown) + 1)]
    if may_keep_all(spec):
        choices.append(kit.option("All of them, one after another", BOTH))
    pick = StaticSelectElement(action_id="value", options=choices, placeholder=kit.placeholder("None of them"))
    blocks.append(kit.input_block(f"Which one for {spec.label}?", pick, block_id=pick_block(spec.id), optional=True))
    return blocks


def _quotes(quotes: tuple[str, ...]) -> str:
    return "📝 From your notes: " + " · ".join(f"“{literal(q)}”" for q in quotes)


def _left_out(playbook: Playbook, draft: Draft) -> list[kit.Block]:
    """Say what was not suggested and why, so an empty field is never a mystery."""
    lines = []
    for d in draft.dropped:
        label = field_labels(playbook, [d.field_id])[0]
        lines.append(f"{literal(label)} ({literal(d.detail)})")
    if lines:
        lines = ["Not suggested, because Baton could not stand behind them: " + "; ".join(lines) + "."]
    offered = {s.field_id for s in draft.suggestions} | {c.field_id for c in draft.conflicts}
    offered |= {d.field_id for d in draft.dropped}
    silent = [f.label for f in llm_fields(playbook) if f.id not in offered]
    if silent:
        lines.append("Nothing in the notes for: " + ", ".join(literal(s) for s in silent) + ".")
    return [kit.context(*lines)] if lines else []


@dataclass(frozen=True)
class Review:
    """What the AE decided: raw values to save, and every suggestion's fate for the audit trail."""

    values: dict[str, Any]
    reviewed: tuple[ReviewedSuggestion, ...]
    blocks: dict[str, str]  # field id -> the input block where an error about it belongs


def read_review(state: StateValues, playbook: Playbook, draft: Draft) -> Review:
    """The modal's inputs; what they mean is core/draft_review's."""
    kept: dict[str, tuple[bool, Any]] = {}
    for s in draft.suggestions:
        spec = playbook.field(s.field_id)
        if spec.id in state:  # cut for room: offered to nobody, so neither kept nor rejected
            kept[spec.id] = (bool(value_of(state, keep_block(spec.id))), read_step_values(state, [spec]).get(spec.id))
    picks = {c.field_id: value_of(state, pick_block(c.field_id)) for c in draft.conflicts
             if pick_block(c.field_id) in state}
    decision = decide_review(draft, playbook, kept=kept, picks=picks)
    conflicted = {c.field_id for c in draft.conflicts}
    blocks = {f: pick_block(f) if f in conflicted else f for f in decision.values}
    return Review(decision.values, decision.reviewed, blocks)
