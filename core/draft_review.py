"""What the AE decided about values drafted from their notes: which to save, and each
suggestion's fate for the audit trail (kept, changed, dropped; a conflict resolved or not).

Decided here once for Slack's modal and Teams' dialog, which only read their inputs: a rule
kept in two adapters drifts (Teams lacked "all of them" for long text, and counted a kept
list as changed when Slack did not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.drafting import Draft
from core.handoff import ReviewedSuggestion, is_empty
from core.playbook import FieldSpec, FieldType, Playbook

ALL_OF_THEM = "both"  # a conflict's pick that keeps every option, one after another


def may_keep_all(spec: FieldSpec) -> bool:
    """Only free long text reads well as several answers joined; a date or a number cannot."""
    return spec.type is FieldType.LONG_TEXT


@dataclass(frozen=True)
class ReviewDecision:
    values: dict[str, Any]  # raw values to save, as typed
    reviewed: tuple[ReviewedSuggestion, ...]


def edited(raw: Any, suggested: Any) -> bool:
    """Did the AE change the suggested value before keeping it (spacing aside)?"""
    if isinstance(raw, str) and isinstance(suggested, str):
        return raw.strip() != suggested.strip()
    return str(raw) != str(suggested)


def decide_review(draft: Draft, playbook: Playbook, *, kept: Mapping[str, tuple[bool, Any]],
                  picks: Mapping[str, str | None]) -> ReviewDecision:
    """`kept`: for each suggestion the AE was shown, (its Keep box, the value as it stands);
    `picks`: for each conflict shown, the option's index as text, ALL_OF_THEM, or None.
    What was not shown (cut for room) is neither kept nor rejected."""
    values: dict[str, Any] = {}
    reviewed: list[ReviewedSuggestion] = []
    for s in draft.suggestions:
        if s.field_id not in kept:
            continue
        checked, raw = kept[s.field_id]
        keep = checked and not is_empty(raw)
        if keep:
            values[s.field_id] = raw
        reviewed.append(ReviewedSuggestion(s.field_id, s.quotes, keep, edited=keep and edited(raw, s.value)))
    for c in draft.conflicts:
        if c.field_id not in picks:
            continue
        picked = picks[c.field_id]
        if picked == ALL_OF_THEM and may_keep_all(playbook.field(c.field_id)):
            chosen = list(c.options)
        elif picked is not None and picked.isdigit() and int(picked) < len(c.options):
            chosen = [c.options[int(picked)]]
        else:
            chosen = []
        if chosen:
            values[c.field_id] = chosen[0].value if len(chosen) == 1 else "\n\n".join(str(o.value) for o in chosen)
        quotes = tuple(q for o in (chosen or c.options) for q in o.quotes)
        reviewed.append(ReviewedSuggestion(c.field_id, quotes, bool(chosen), conflict=True))
    return ReviewDecision(values, tuple(reviewed))
