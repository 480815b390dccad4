"""The brief: the packet as the CSM reads it before accepting, section by section.

A message holds at most 50 blocks, so a section's fields share section blocks (as many lines as
fit 3,000 characters); sections are merged when a long playbook would still not fit.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.fmt import format_value, mention, mention_actor, money, segment_label
from core.handoff import Handoff, is_empty
from core.machine import Status
from core.playbook import FieldSpec, FieldType, Playbook

BRIEF_ACTIONS_BLOCK = "baton.brief.actions"
MISSING = "⚠️ missing"
NOT_GIVEN = "—"


def field_line(
    spec: FieldSpec, handoff: Handoff, *, user_ids: Mapping[str, str], required: bool,
) -> str:
    """`*Label*: value`, long text on its own lines, a required empty field flagged."""
    value = handoff.packet.get(spec.id)
    label = f"*{literal(spec.label)}*"
    if is_empty(value) and spec.type is not FieldType.CHECKBOX:
        return f"{label}: {MISSING if required else NOT_GIVEN}"
    if is_empty(value) and required:
        return f"{label}: ❌ No {MISSING}"
    text = format_value(spec, value, user_ids=user_ids, currency=handoff.deal.currency)
    return f"{label}\n{text}" if spec.type is FieldType.LONG_TEXT else f"{label}: {text}"


def section_texts(handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str]) -> list[str]:
    """Each playbook section as one or more mrkdwn texts of at most 3,000 characters."""
    texts: list[str] = []
    required = set(handoff.required_fields)
    for section in playbook.sections:
        lines = [
            field_line(spec, handoff, user_ids=user_ids, required=spec.id in required)
            for spec in section.fields
        ]
        texts += kit.pack_lines([f"*{literal(section.title.upper())}*", *lines])
    return texts


def brief(handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str]) -> list[kit.Block]:
    """Header, who and what, the packet section by section, then Accept / Escalate while it waits."""
    deal = handoff.deal
    intro = (
        f"{literal(deal.name)} · {money(deal.amount, deal.currency)} · "
        f"{literal(segment_label(playbook, handoff.segment))} · from {mention(handoff.ae, user_ids)}"
    )
    top = [kit.header(f"Brief: {deal.account}"), kit.context(intro)]
    missing = handoff.missing_fields()
    if missing:
        top.append(kit.context(f"⚠️ {len(missing)} required field(s) missing{_exception(handoff, user_ids)}"))
    bottom: list[kit.Block] = []
    if handoff.status is Status.SUBMITTED:
        value = ids.Ref(h=handoff.id).dumps()
        bottom.append(kit.actions([
            kit.button("Accept", ids.ACCEPT, value, style="primary"),
            kit.button("Escalate", ids.ESCALATE, value, style="danger"),
        ], block_id=BRIEF_ACTIONS_BLOCK))
    budget = kit.MESSAGE_BLOCKS_MAX - len(top) - len(bottom)
    body = _fit(section_texts(handoff, playbook, user_ids=user_ids), budget)
    return [*top, *body, *bottom]


def _exception(handoff: Handoff, user_ids: Mapping[str, str]) -> str:
    approved = [o for o in handoff.overrides if o.approved]
    if not approved:
        return ""
    last = approved[-1]
    by = mention_actor(last.decided_by or "", user_ids)
    note = f": {literal(last.note)}" if last.note else ""
    return f"; sent through with an exception approved by {by}{note}"


def _fit(texts: list[str], budget: int) -> list[kit.Block]:
    """Section blocks with dividers between them when there is room, fewer and fuller when not."""
    if 2 * len(texts) - 1 <= budget:
        blocks: list[kit.Block] = []
        for text in texts:
            if blocks:
                blocks.append(kit.divider())
            blocks.append(kit.section(text))
        return blocks
    merged = kit.pack_lines(texts, sep="\n\n")
    if len(merged) > budget:  # cannot happen for a sane playbook; never exceed Slack's cap
        merged = [*merged[: budget - 1], "…and more: open the packet to read the rest"]
    return [kit.section(text) for text in merged]
