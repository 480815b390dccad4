"""The dialogs (task modules) Baton opens in Teams, as Adaptive Cards: the packet, one playbook
section per step with what is saved filled in and errors under their fields; the review of an
incomplete packet with "Ask a manager to override"; and the CSM's escalation form.

Every button is an Action.Submit whose data names the dialog (`dialog`), the handoff and the
step, so a `task/submit` needs nothing remembered between requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.teams.cards import text
from core.draft_review import ALL_OF_THEM, may_keep_all
from core.drafting import Draft
from core.handoff import Handoff, is_empty
from core.playbook import FieldSpec, FieldType, Playbook

CARD_VERSION = "1.5"
PACKET, REVIEW, ESCALATE, OVERRIDE = "packet", "review", "escalate", "override"
NOTES, SUGGESTIONS = "notes", "suggestions"
FOLLOWUP = "followup"
# The follow-up forms behind the card's and the nudges' buttons: verb -> (milestone, title).
FOLLOWUPS = {"set_kickoff": ("kickoff", "Kickoff date"), "give_feedback": ("feedback", "Handoff feedback"),
             "check_in": ("checkin", "30-day check-in")}
ERROR_COLOR = "Attention"


def as_int(value: Any) -> int:
    """A step number from a submitted card (a string or nothing), never below 0."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": body, "actions": actions}


def submit(title: str, data: dict[str, Any], *, style: str = "default", validate: bool = True) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": data, "style": style}
    if not validate:
        action["associatedInputs"] = "none"  # Back keeps nothing typed on this step from blocking it
    return action


def _text_value(value: Any) -> str:
    if is_empty(value):
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_input(spec: FieldSpec, value: Any, *, required: bool) -> dict[str, Any]:
    """The Adaptive Card input for one packet field, showing its saved value."""
    label = f"{spec.label}{' (required)' if required else ''}"
    base: dict[str, Any] = {"id": spec.id, "label": label}
    if spec.placeholder:
        base["placeholder"] = spec.placeholder
    kind = spec.type
    if kind in (FieldType.SELECT, FieldType.MULTI_SELECT):
        chosen = value if isinstance(value, list) else ([value] if value else [])
        return {**base, "type": "Input.ChoiceSet", "style": "compact", "isMultiSelect": kind is FieldType.MULTI_SELECT,
                "choices": [{"title": o, "value": o} for o in spec.options or []], "value": ",".join(chosen)}
    if kind is FieldType.CHECKBOX:
        return {**base, "type": "Input.Toggle", "title": spec.help or spec.label, "valueOn": "true",
                "valueOff": "false", "value": "true" if value is True else "false"}
    if kind is FieldType.DATE:
        return {**base, "type": "Input.Date", "value": _text_value(value)}
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        shown = {**base, "type": "Input.Number", "value": float(value) if not is_empty(value) else None}
        return {k: v for k, v in shown.items() if v is not None}
    element = {**base, "type": "Input.Text", "value": _text_value(value),
               "isMultiline": kind is FieldType.LONG_TEXT}
    if spec.max_length:
        element["maxLength"] = spec.max_length
    if kind is FieldType.EMAIL:
        element["style"] = "Email"
    elif kind is FieldType.URL:
        element["style"] = "Url"
    return element


def read_values(playbook: Playbook, section_index: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the AE typed on one step, as the core's packet parser expects it."""
    return read_values_of(playbook.sections[section_index].fields, data)


def read_values_of(specs: Sequence[FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted inputs of these fields (Teams sends every input's value as a string)."""
    values: dict[str, Any] = {}
    for spec in specs:
        if spec.id not in data:
            continue
        raw = data[spec.id]
        if spec.type is FieldType.MULTI_SELECT and isinstance(raw, str):
            raw = [v for v in raw.split(",") if v]  # Teams joins a multi-select's values with commas
        values[spec.id] = raw
    return values


def packet_dialog(
    handoff: Handoff, playbook: Playbook, *, step: int, read_only: bool = False,
    errors: Mapping[str, str] | None = None, typed: Mapping[str, Any] | None = None,
    flagged: tuple[str, ...] = (), drafting: bool = False, draft_waiting: bool = False,
) -> dict[str, Any]:
    """Step `step` of the packet; `typed` shows what was just typed (kept when it had errors)."""
    count = len(playbook.sections)
    step = min(max(step, 0), count - 1)
    section = playbook.sections[step]
    required = set(handoff.required_fields)
    mode = "read-only" if read_only else "saved at every step"
    body: list[dict[str, Any]] = [
        text(f"{handoff.deal.account}: {handoff.deal.name}", weight="Bolder"),
        text(f"Step {step + 1} of {count}: {section.title} · {mode}", isSubtle=True, spacing="None"),
    ]
    if flagged and handoff.escalations:
        body.append(text(f"↩️ Sent back: {handoff.escalations[-1].reason}", color=ERROR_COLOR))
    shown = {**handoff.packet, **(typed or {})}
    for spec in section.fields:
        if read_only:
            body.append({"type": "FactSet", "facts": [{"title": spec.label, "value": _text_value(shown.get(spec.id))
                                                       or "–"}]})
            continue
        element = field_input(spec, shown.get(spec.id), required=spec.id in required)
        if spec.id in flagged:
            element["label"] = "⚠️ " + element["label"]
        body.append(element)
        if spec.help and spec.type is not FieldType.CHECKBOX:
            body.append(text(spec.help, isSubtle=True, size="Small", spacing="None"))
        if errors and spec.id in errors:
            body.append(text(errors[spec.id], color=ERROR_COLOR, size="Small", spacing="None"))
    data = {"dialog": PACKET, "handoff_id": handoff.id, "step": step}
    actions = []
    if step > 0:
        actions.append(submit("← Back", {**data, "move": "back"}, validate=False))
    if step < count - 1:
        actions.append(submit("Next →", {**data, "move": "next"}, style="positive"))
    elif not read_only:
        actions.append(submit("Submit packet", {**data, "move": "submit"}, style="positive"))
    if drafting and not read_only:
        actions.append(submit("✨ Draft from call notes", {**data, "move": NOTES}))
    if draft_waiting and not read_only:
        actions.append(submit("Review drafted values", {**data, "move": SUGGESTIONS}))
    return card(body, actions)


def notes_dialog(handoff: Handoff, playbook: Playbook, *, step: int, error: str | None = None) -> dict[str, Any]:
    """Paste the call notes; Baton drafts what it can, each value with the words it came from."""
    limit = playbook.llm.max_notes_chars
    body: list[dict[str, Any]] = [
        text(f"Draft {handoff.deal.account}'s packet from call notes", weight="Bolder"),
        text(f"Paste the notes or transcript (up to {limit:,} characters). Baton suggests values only where the "
             "notes say so, each with the words it came from; nothing is saved until you review it.",
             isSubtle=True),
        {"type": "Input.Text", "id": "notes", "label": "Call notes", "isMultiline": True, "maxLength": limit},
    ]
    if error:
        body.append(text(error, color=ERROR_COLOR, size="Small", spacing="None"))
    data = {"dialog": NOTES, "handoff_id": handoff.id, "step": step}
    return card(body, [submit("← Back to the packet", {**data, "move": "back"}, validate=False),
                       submit("Draft", {**data, "move": "draft"}, style="positive")])


def suggestions_dialog(handoff: Handoff, playbook: Playbook, draft: Draft, *,
                       errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The drafted values to review: each prefilled and editable, its quotes under it, a Keep
    toggle; where parts of the notes disagree, the AE picks."""
    body: list[dict[str, Any]] = [
        text(f"Values drafted from your notes for {handoff.deal.account}", weight="Bolder"),
        text(f"Model {draft.model}. Keep, change or drop each; nothing is saved until you press Save.",
             isSubtle=True),
    ]
    required = set(handoff.required_fields)
    for suggestion in draft.suggestions:
        spec = playbook.field(suggestion.field_id)
        element = field_input(spec, suggestion.value, required=spec.id in required)
        element["label"] += " · suggested from notes"
        body.append(element)
        body += [text(f"“{quote}”", isSubtle=True, size="Small", spacing="None") for quote in suggestion.quotes]
        if errors and spec.id in errors:
            body.append(text(errors[spec.id], color=ERROR_COLOR, size="Small", spacing="None"))
        body.append({"type": "Input.Toggle", "id": f"keep:{spec.id}", "title": "Keep this value", "value": "true",
                     "valueOn": "true", "valueOff": "false", "spacing": "None"})
    for conflict in draft.conflicts:
        spec = playbook.field(conflict.field_id)
        choices = [{"title": f"{o.value} (“{'”, “'.join(o.quotes)}”)", "value": str(n)}
                   for n, o in enumerate(conflict.options)]
        if may_keep_all(spec):
            choices.append({"title": "All of them, one after another", "value": ALL_OF_THEM})
        body.append({"type": "Input.ChoiceSet", "id": f"pick:{spec.id}", "style": "expanded",
                     "label": f"{spec.label}: the notes say different things; pick one (or none)", "choices": choices})
        if errors and spec.id in errors:
            body.append(text(errors[spec.id], color=ERROR_COLOR, size="Small", spacing="None"))
    if draft.dropped:
        body.append(text(f"{len(draft.dropped)} value(s) left out: the quoted words are not in the notes, or the "
                         "value did not fit the field.", isSubtle=True))
    if not draft.suggestions and not draft.conflicts:
        body.append(text("The notes did not say anything Baton could put in the packet."))
    data = {"dialog": SUGGESTIONS, "handoff_id": handoff.id}
    return card(body, [submit("Discard", {**data, "move": "discard"}, validate=False),
                       submit("Save", {**data, "move": "save"}, style="positive")])


def review_dialog(handoff: Handoff, playbook: Playbook, missing: tuple[str, ...]) -> dict[str, Any]:
    """An incomplete packet at the last step: what is missing, go back, or ask for an exception."""
    labels = {f.id: f.label for f in playbook.fields}
    body = [text("Not yet complete", weight="Bolder"),
            text("Still empty: " + ", ".join(labels.get(f, f) for f in missing)),
            text("Fill them, or ask a manager to let this deal go through without them.", isSubtle=True),
            {"type": "Input.Text", "id": "reason", "label": "Why can't this deal have them?", "isMultiline": True,
             "maxLength": 1000}]
    data = {"dialog": REVIEW, "handoff_id": handoff.id, "step": len(playbook.sections) - 1}
    return card(body, [submit("← Back to the packet", {**data, "move": "back"}, validate=False),
                       submit("Ask a manager to override", {**data, "move": "override"}, style="positive")])


def escalate_dialog(handoff: Handoff, playbook: Playbook, *, error: str | None = None,
                    fields: Sequence[str] = ()) -> dict[str, Any]:
    """The CSM sends the packet back: which fields need work (`fields` already picked), and why."""
    body: list[dict[str, Any]] = [
        text(f"Send {handoff.deal.account} back to the AE", weight="Bolder"),
        {"type": "Input.ChoiceSet", "id": "fields", "label": "Fields that are missing or wrong", "style": "compact",
         "isMultiSelect": True, "value": ",".join(fields),
         "choices": [{"title": f.label, "value": f.id} for f in playbook.fields]},
        {"type": "Input.Text", "id": "reason", "label": "What the AE should fix", "isMultiline": True,
         "maxLength": 1000},
    ]
    if error:
        body.append(text(error, color=ERROR_COLOR, size="Small", spacing="None"))
    return card(body, [submit("Send back", {"dialog": ESCALATE, "handoff_id": handoff.id}, style="destructive")])


def followup_dialog(handoff: Handoff, playbook: Playbook, milestone: str, *, error: str | None = None,
                    today: str = "") -> dict[str, Any]:
    """The kickoff date, the two-week feedback to the AE, or the 30-day rating of the packet."""
    body: list[dict[str, Any]] = [text(handoff.deal.account, weight="Bolder")]
    if milestone == "kickoff":
        planned = handoff.milestones.kickoff_on.isoformat() if handoff.milestones.kickoff_on else today
        body.append({"type": "Input.Date", "id": "on", "label": "Kickoff date", "value": planned})
    elif milestone == "feedback":
        body += [text(f"Two weeks in. Baton sends this to {handoff.ae.email}, so the next handoff is better.",
                      isSubtle=True),
                 {"type": "Input.Text", "id": "went_well", "label": "What went well in the handoff?",
                  "isMultiline": True, "maxLength": 3000},
                 {"type": "Input.Text", "id": "missing", "label": "What context was missing?", "isMultiline": True,
                  "maxLength": 3000}]
    else:
        body += [{"type": "Input.ChoiceSet", "id": "rating", "label": "Packet quality", "style": "compact",
                  "choices": [{"title": f"{n} {'★' * n}", "value": str(n)} for n in range(1, 6)]},
                 {"type": "Input.ChoiceSet", "id": "repeat_asks", "style": "compact", "isMultiSelect": True,
                  "label": "Which fields did you have to ask the customer for again?",
                  "choices": [{"title": f.label, "value": f.id} for f in playbook.fields]}]
    if error:
        body.append(text(error, color=ERROR_COLOR, size="Small", spacing="None"))
    data = {"dialog": FOLLOWUP, "milestone": milestone, "handoff_id": handoff.id}
    return card(body, [submit("Save", data, style="positive")])


def message_dialog(*lines: str) -> dict[str, Any]:
    return card([text(line) for line in lines], [])
