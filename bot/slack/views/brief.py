"""The brief: the packet as the CSM reads it before accepting, section by section, rendered
from the platform-neutral `Brief` (core/presentation/brief.py).

A message holds at most 50 blocks, so a section's fields share section blocks (as many lines as
fit 3,000 characters); sections are merged when a long playbook would still not fit.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.fmt import format_value, mention, mention_actor, money
from core.handoff import Handoff
from core.playbook import FieldSpec, FieldType, Playbook
from core.presentation.brief import Brief, BriefField, field_of
from core.presentation.brief import brief as build_brief

BRIEF_ACTIONS_BLOCK = "baton.brief.actions"
MISSING = "⚠️ missing"
NOT_GIVEN = "—"


def field_line(
    spec: FieldSpec, handoff: Handoff, *, user_ids: Mapping[str, str], required: bool,
) -> str:
    """`*Label*: value`, long text on its own lines, a required empty field flagged."""
    return render_field(field_of(spec, handoff, required=required), user_ids=user_ids, currency=handoff.deal.currency)


def render_field(field: BriefField, *, user_ids: Mapping[str, str], currency: str) -> str:
    spec = field.spec
    label = f"*{literal(spec.label)}*"
    if field.empty and spec.type is not FieldType.CHECKBOX:
        return f"{label}: {MISSING if field.required else NOT_GIVEN}"
    if field.empty and field.required:
        return f"{label}: ❌ No {MISSING}"
    text = format_value(spec, field.value, user_ids=user_ids, currency=currency)
    return f"{label}\n{text}" if spec.type is FieldType.LONG_TEXT else f"{label}: {text}"


def section_texts(model: Brief, *, user_ids: Mapping[str, str]) -> list[str]:
    """Each playbook section as one or more mrkdwn texts of at most 3,000 characters."""
    texts: list[str] = []
    for section in model.sections:
        lines = [render_field(f, user_ids=user_ids, currency=model.currency) for f in section.fields]
        texts += kit.pack_lines([f"*{literal(section.title.upper())}*", *lines])
    return texts


def brief(handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str]) -> list[kit.Block]:
    """Header, who and what, the packet section by section, then Accept / Escalate while it waits."""
    model = build_brief(handoff, playbook)
    intro = (
        f"{literal(model.deal_name)} · {money(model.amount, model.currency)} · "
        f"{literal(model.segment_label)} · from {mention(model.ae, user_ids)}"
    )
    top = [kit.header(f"Brief: {model.account}"), kit.context(intro)]
    if model.missing:
        top.append(kit.context(f"⚠️ {model.missing} required field(s) missing{_exception(model, user_ids)}"))
    bottom: list[kit.Block] = []
    if model.actions:
        value = ids.Ref(h=model.handoff_id).dumps()
        bottom.append(kit.actions([
            kit.button("Accept", ids.ACCEPT, value, style="primary"),
            kit.button("Escalate", ids.ESCALATE, value, style="danger"),
        ], block_id=BRIEF_ACTIONS_BLOCK))
    budget = kit.MESSAGE_BLOCKS_MAX - len(top) - len(bottom)
    body = _fit(section_texts(model, user_ids=user_ids), budget)
    return [*top, *body, *bottom]


def _exception(model: Brief, user_ids: Mapping[str, str]) -> str:
    if model.exception is None:
        return ""
    by = mention_actor(model.exception.decided_by, user_ids)
    note = f": {literal(model.exception.note)}" if model.exception.note else ""
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
