"""Drafting from call notes in Slack: the notes form, the waiting and failure screens, and the
message sent when the modal was closed before the suggestions were ready.

The notes form also offers the text files shared where the handoff lives (its channel, or its
thread), newest first: the AE may paste, pick a file, or both (`shared_files.py` reads it).

The review screen itself (suggested values, quotes, keep/reject) is in `suggestions.py`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import PlainTextInputElement, StaticSelectElement

from bot.slack.escape import escape_mrkdwn, literal, truncate
from bot.slack.shared_files import FileUnusable, SharedFile
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
FILE_BLOCK = "notes_file"  # the select of files shared where the handoff lives
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


def notes_modal(playbook: Playbook, ref: DraftRef, *, files: Sequence[SharedFile] = (),
                place: str = "") -> kit.Block:
    """Paste notes or a transcript, in as many boxes as it takes (Slack caps one at 3,000), and,
    when text files were shared where the handoff lives (`place`, see `files_place`), pick one."""
    labels = ", ".join(literal(label) for label in field_labels(playbook, [f.id for f in llm_fields(playbook)]))
    where = place or "the handoff channel"
    source = f"Paste call notes or a transcript, or choose a file shared in {literal(where)}" if files else (
        "Paste call notes or a transcript")
    blocks = [kit.section(f"{source}. Baton suggests: {labels}. Each suggestion comes with the words from "
                          "your notes that support it, and nothing is saved until you confirm.")]
    for n in range(1, notes_parts(playbook) + 1):
        element = PlainTextInputElement(action_id="value", multiline=True, max_length=kit.INPUT_MAX_LENGTH,
                                        placeholder=kit.placeholder("Paste here" if n == 1 else "Continued"))
        label = "Call notes or transcript" if n == 1 else f"Continued ({n})"
        blocks.append(kit.input_block(label, element, block_id=f"notes_{n}", optional=n > 1 or bool(files)))
    policy = playbook.llm
    if files:
        options = [kit.option(file_option_text(f), f.id) for f in files[: kit.OPTIONS_MAX]]
        select = StaticSelectElement(action_id="value", options=options,
                                     placeholder=kit.placeholder("Choose a text file"))
        hint = (f"Newest first. Text files (.txt, .md, .vtt, .srt) of up to {policy.max_notes_chars:,} characters, "
                "with anything you paste above.")
        blocks.append(kit.input_block(f"Or use a file shared in {where}", select,
                                      block_id=FILE_BLOCK, optional=True, hint=hint))
    hidden = [w for w, on in (("email addresses", policy.redact_emails), ("phone numbers", policy.redact_phones)) if on]
    room = min(policy.max_notes_chars, notes_parts(playbook) * kit.INPUT_MAX_LENGTH)
    fine = [f"Each box holds {kit.INPUT_MAX_LENGTH:,} characters; Baton reads up to {room:,} in all."]
    if hidden:
        fine.append(f"{' and '.join(hidden).capitalize()} are hidden from the model.")
    blocks.append(kit.context(" ".join(fine)))
    return kit.modal(title="Draft from notes", blocks=blocks, callback_id=NOTES_FORM, private_metadata=ref.dumps(),
                     submit="Draft", close="Back")


def files_place(channel_name: str, *, thread: bool) -> str:
    """How the file picker names where the files were shared."""
    channel = f"#{channel_name}" if channel_name else "the handoff channel"
    return f"this handoff's thread in {channel}" if thread else channel


def file_option_text(file: SharedFile) -> str:
    """`call-notes.txt · 12.3 KB · Nov 2`, the name cut so the whole fits Slack's 75 characters."""
    day = datetime.fromtimestamp(file.created, UTC)
    tail = f" · {_size(file.size)} · {day:%b} {day.day}"
    return truncate(file.label, kit.OPTION_TEXT_MAX - len(tail)) + tail


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def read_notes(state: StateValues) -> str:
    """The pasted parts, in order, joined by blank lines."""
    parts = [value_of(state, f"notes_{n}") for n in range(1, NOTES_PARTS_MAX + 1)]
    return "\n\n".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def read_file_choice(state: StateValues) -> str | None:
    """The id of the file the AE picked, if the form offered files and one was picked."""
    chosen = value_of(state, FILE_BLOCK)
    return chosen if isinstance(chosen, str) and chosen else None


def notes_error(exc: DraftingError | None, *, files: bool = False) -> str:
    """What to say under the first notes box when the notes cannot be sent."""
    if isinstance(exc, NotesTooLong):
        return (f"Your notes are {exc.length:,} characters; Baton reads at most {exc.limit:,}. "
                "Paste the part of the call that matters most.")
    return "Paste the notes or the transcript, or choose a file." if files else "Paste the notes or the transcript first."


def file_error(exc: FileUnusable) -> str:
    """Why the chosen file cannot be read, and what the AE can do instead (plain words, no mrkdwn)."""
    name = f"“{exc.name}”" if exc.name else "That file"
    instead = "Choose another file, or paste the notes."
    if exc.reason == FileUnusable.GONE:
        return f"{name} is no longer in the handoff's channel (deleted or unshared). {instead}"
    if exc.reason == FileUnusable.NOT_TEXT:
        kind = f" is a {exc.kind} file" if exc.kind else " is not a text file"
        return f"{name}{kind}; Baton reads text files (.txt, .md, .vtt, .srt). {instead}"
    if exc.reason == FileUnusable.TOO_LONG:
        shorter = "Share a shorter file (the part of the call that matters most), or paste that part."
        if exc.in_bytes:
            return f"{name} is {_size(exc.length)}, far more than the {exc.limit:,} characters Baton reads. {shorter}"
        pasted = " with your pasted notes" if exc.with_pasted else ""
        return f"{name} is {exc.length:,} characters{pasted}; Baton reads at most {exc.limit:,}. {shorter}"
    if exc.reason == FileUnusable.EMPTY:
        return f"{name} is empty. {instead}"
    if exc.reason == FileUnusable.NOT_ALLOWED:
        return (f"Slack would not let Baton read {name if exc.name else 'the file'}: Baton needs the files:read "
                "scope (ask a Slack admin to reinstall it). Meanwhile, paste the notes.")
    return f"Slack did not hand Baton {name if exc.name else 'the file'} just now. Try again in a minute, or paste the notes."


def waiting_view(ref: DraftRef, *, characters: int, file: str = "") -> kit.Block:
    if file:
        pasted = f" and your notes ({characters:,} characters)" if characters else ""
        reading = f"⏳ Reading “{literal(file)}”{pasted}"
    else:
        reading = f"⏳ Reading your notes ({characters:,} characters)"
    return kit.modal(
        title="Drafting…", callback_id=DRAFT_WAIT, private_metadata=ref.dumps(), close="Close",
        blocks=[kit.section(f"{reading} and checking every suggestion against them. This usually takes "
                            "under a minute."),
                kit.context("You can close this: Baton will send you the suggestions instead.")],
    )


def failure_text(exc: BaseException) -> str:
    """Why nothing was drafted, and what the AE can do; the packet is always as they left it."""
    kept = "Your packet is as you left it."
    if isinstance(exc, FileUnusable):
        return f"{literal(file_error(exc))} {kept}"
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
