"""Drafting from call notes in Slack: the notes form, the waiting and failure screens, and the
message sent when the modal was closed before the suggestions were ready.

The review screen itself (suggested values, quotes, keep/reject) is in `suggestions.py`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from slack_sdk.models.blocks import PlainTextInputElement

from bot.slack.escape import escape_mrkdwn, literal, truncate
from bot.slack.views import kit
from bot.slack.views.fmt import field_labels, format_value
from bot.slack.views.state import StateValues, value_of
from core.drafting import Draft, llm_fields
from core.errors import (
    DraftingError,
    ModelRefused,
    ModelReplyInvalid,
    ModelTimedOut,
    ModelUnavailable,
    NotesTooLong,
)
from core.handoff import Handoff
from core.playbook import Playbook

# action ids and callback ids of the drafting screens
DRAFT_FROM_NOTES = "baton.draft_from_notes"  # button in the packet modal
DRAFT_BACK = "baton.draft_back"  # back from the review or failure screen to the packet
DRAFT_OPEN_REVIEW = "baton.draft_open"  # button in the message sent when the modal was closed
NOTES_FORM = "baton.draft_notes"
DRAFT_WAIT = "baton.draft_wait"
DRAFT_REVIEW = "baton.draft_review"
DRAFT_FAILED = "baton.draft_failed"
NOTES_PARTS_MAX = 5  # inputs of up to 3,000 characters each: Slack's cap on one text input
REF_VERSION = 1
DRAFT_REF = "slack.draft"  # the chat reference holding the draft under review


@dataclass(frozen=True)
class DraftRef:
    """Where a drafting screen came from: the handoff, the packet step and modal, the draft."""

    h: str
    step: int = 0
    pv: str = ""  # the packet modal's view id ("" when there is no packet modal to return to)
    ph: str = ""  # and its hash when the notes form opened
    d: str = ""  # the draft under review
    flag: list[str] = field(default_factory=list)
    v: int = REF_VERSION

    def dumps(self) -> str:
        return json.dumps({k: val for k, val in asdict(self).items() if val not in ("", [])},
                          separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> DraftRef:
        data: Any = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != REF_VERSION or not isinstance(data.get("h"), str):
            raise ValueError("not a drafting payload of this version")
        return cls(h=data["h"], step=int(data.get("step", 0)), pv=str(data.get("pv", "")),
                   ph=str(data.get("ph", "")), d=str(data.get("d", "")), flag=list(data.get("flag", [])))


def notes_parts(playbook: Playbook) -> int:
    return max(1, min(NOTES_PARTS_MAX, math.ceil(playbook.llm.max_notes_chars / kit.INPUT_MAX_LENGTH)))


def notes_modal(playbook: Playbook, ref: DraftRef) -> kit.Block:
    """Paste notes or a transcript, in as many boxes as it takes (Slack caps one at 3,000)."""
    labels = ", ".join(literal(label) for label in field_labels(playbook, [f.id for f in llm_fields(playbook)]))
    blocks = [kit.section(f"Paste call notes or a transcript. Baton suggests: {labels}. Each suggestion "
                          "comes with the words from your notes that support it, and nothing is saved "
                          "until you confirm.")]
    for n in range(1, notes_parts(playbook) + 1):
        element = PlainTextInputElement(action_id="value", multiline=True, max_length=kit.INPUT_MAX_LENGTH,
                                        placeholder=kit.placeholder("Paste here" if n == 1 else "Continued"))
        label = "Call notes or transcript" if n == 1 else f"Continued ({n})"
        blocks.append(kit.input_block(label, element, block_id=f"notes_{n}", optional=n > 1))
    policy = playbook.llm
    hidden = [w for w, on in (("email addresses", policy.redact_emails), ("phone numbers", policy.redact_phones)) if on]
    room = min(policy.max_notes_chars, notes_parts(playbook) * kit.INPUT_MAX_LENGTH)
    fine = [f"Each box holds {kit.INPUT_MAX_LENGTH:,} characters; Baton reads up to {room:,} in all."]
    if hidden:
        fine.append(f"{' and '.join(hidden).capitalize()} are hidden from the model.")
    blocks.append(kit.context(" ".join(fine)))
    return kit.modal(title="Draft from notes", blocks=blocks, callback_id=NOTES_FORM, private_metadata=ref.dumps(),
                     submit="Draft", close="Back")


def read_notes(state: StateValues) -> str:
    """The pasted parts, in order, joined by blank lines."""
    parts = [value_of(state, f"notes_{n}") for n in range(1, NOTES_PARTS_MAX + 1)]
    return "\n\n".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def notes_error(exc: DraftingError | None) -> str:
    """What to say under the first notes box when the notes cannot be sent."""
    if isinstance(exc, NotesTooLong):
        return (f"Your notes are {exc.length:,} characters; Baton reads at most {exc.limit:,}. "
                "Paste the part of the call that matters most.")
    return "Paste the notes or the transcript first."


def waiting_view(ref: DraftRef, *, characters: int) -> kit.Block:
    return kit.modal(
        title="Drafting…", callback_id=DRAFT_WAIT, private_metadata=ref.dumps(), close="Close",
        blocks=[kit.section(f"⏳ Reading your notes ({characters:,} characters) and checking every suggestion "
                            "against them. This usually takes under a minute."),
                kit.context("You can close this: Baton will send you the suggestions instead.")],
    )


def failure_text(exc: BaseException) -> str:
    """Why nothing was drafted, and what the AE can do; the packet is always as they left it."""
    kept = "Your packet is as you left it."
    if isinstance(exc, NotesTooLong):
        return f"{notes_error(exc)} {kept}"
    if isinstance(exc, ModelTimedOut):
        return (f"The model did not answer within {exc.seconds:g} seconds, so nothing was drafted. {kept} "
                "Try again in a minute, or with shorter notes.")
    if isinstance(exc, ModelRefused):
        return (f"The model declined to draft from these notes (it said: “{escape_mrkdwn(truncate(exc.reason, 300))}”). "
                f"{kept} Remove anything unrelated to the deal and try again.")
    if isinstance(exc, ModelReplyInvalid):
        return (f"The model's answer was not valid JSON, so Baton could not check it and drafted nothing. {kept} "
                "Try again; if it keeps happening, the model may not support structured outputs.")
    if isinstance(exc, ModelUnavailable):
        return f"Baton could not use the model: {escape_mrkdwn(exc.detail)}. {kept}"
    return f"Something went wrong while drafting, and nothing was saved. {kept}"


def failure_view(ref: DraftRef, reason: str) -> kit.Block:
    """Why there is nothing to review (mrkdwn), with the way back to the packet."""
    back = kit.button("← Back to the packet", DRAFT_BACK, ref.dumps())
    return kit.modal(title="Nothing drafted", callback_id=DRAFT_FAILED, private_metadata=ref.dumps(),
                     close="Close", blocks=[kit.section(f"⚠️ {reason}"), kit.actions([back], block_id="draft_nav")])


GONE = "These suggestions are no longer open: they were saved already, or a newer draft replaced them."


def ready_message(handoff: Handoff, playbook: Playbook, draft: Draft, ref: DraftRef) -> tuple[str, list[kit.Block]]:
    """Text and blocks telling the AE the suggestions are ready (the modal was closed meanwhile)."""
    count = len(draft.suggestions) + len(draft.conflicts)
    text = (f"Baton drafted {count} value{'' if count == 1 else 's'} for {handoff.deal.account} from your notes. "
            "Review them: nothing is saved until you do.")
    blocks = [kit.section(f"*Suggested from your notes* for *{literal(handoff.deal.account)}*: nothing is saved "
                          "until you review and confirm.")]
    room = kit.MESSAGE_BLOCKS_MAX - 3
    for s in draft.suggestions[: room // 2]:
        spec = playbook.field(s.field_id)
        blocks.append(kit.section(f"*{literal(spec.label)}*: {format_value(spec, s.value, user_ids={})}"))
        blocks.append(kit.context("📝 " + " · ".join(f"“{literal(q)}”" for q in s.quotes)))
    if draft.conflicts:
        labels = ", ".join(literal(label) for label in field_labels(playbook, [c.field_id for c in draft.conflicts]))
        blocks.append(kit.context(f"Your notes disagree about {labels}: choose when you review."))
    if count:
        blocks.append(kit.actions([kit.button("Review and save", DRAFT_OPEN_REVIEW, ref.dumps(), style="primary")],
                                  block_id="draft_ready"))
    else:
        blocks.append(kit.context("Baton found nothing in these notes that it could back with a quote."))
    return text, blocks[: kit.MESSAGE_BLOCKS_MAX]
