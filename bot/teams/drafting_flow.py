"""Drafting the packet from call notes in Teams: the notes are checked in the dialog, the model
is asked after Teams has its answer (a dialog must be answered within seconds), and the drafted
values reach the AE's chat to be reviewed in a dialog; nothing is saved until Save."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from bot.teams import dialogs, drafts, render
from bot.teams.cards import Button, execute
from bot.teams.services import TeamsApp
from core import commands as c
from core.draft_review import decide_review
from core.drafting import Draft, check_notes, draft_from_notes
from core.errors import (
    BatonError,
    DraftingError,
    MissingInput,
    NotesTooLong,
    NotPermitted,
    PacketInvalid,
)
from core.handoff import Handoff, ReviewedSuggestion
from core.people import Actor
from core.playbook import Playbook
from core.presentation.refusal import refusal

log = logging.getLogger(__name__)


async def notes_submitted(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                 ) -> tuple[str, dict[str, Any]] | str:
    """The notes were pasted: check them now (errors under the box), draft after answering
    Teams (a dialog must be answered within seconds; a model takes longer)."""
    step = dialogs.as_int(data.get("step"))
    if app.drafter is None:
        return "Drafting from notes is off: no model is configured. Nothing was changed."
    if not handoff.can_edit(actor):
        return refusal(NotPermitted(actor.id, "use values drafted from notes", "only the AE, while they fill it"))
    notes = str(data.get("notes") or "")
    try:
        check_notes(notes, app.playbook)
    except (NotesTooLong, MissingInput) as exc:
        reason = str(exc) if isinstance(exc, NotesTooLong) else "Paste the call notes first."
        return "Draft from call notes", dialogs.notes_dialog(handoff, app.playbook, step=step, error=reason)
    task = asyncio.create_task(_draft(app, handoff, notes, actor))
    app.background.add(task)
    task.add_done_callback(app.background.discard)
    return ("Drafting from your notes: the suggested values arrive in your chat with Baton in a moment, "
            "each with the words it came from. Nothing is saved until you review them.")


async def _draft(app: TeamsApp, handoff: Handoff, notes: str, actor: Actor) -> None:
    assert app.drafter is not None
    try:
        draft = await draft_from_notes(notes, playbook=app.playbook, drafter=app.drafter,
                                       close_date=handoff.deal.closed_at.date(), current=handoff.packet)
    except DraftingError as exc:
        lines = [f"Baton could not draft {handoff.deal.account}'s packet from your notes: {exc}.",
                 "Nothing was changed; you can try again or fill the packet by hand."]
        await _tell(app, handoff, actor, render.notice_card(*lines))
        return
    await asyncio.to_thread(app.refs.set, handoff.id, drafts.DRAFT_REF, json.dumps(draft.to_dict()),
                            at=app.clock.now())
    kept = len(draft.suggestions) + len(draft.conflicts)
    card = render.notice_card(f"{kept} value(s) drafted from your notes for {handoff.deal.account}.",
                              "Review them: keep, change or drop each before anything is saved.")
    card["actions"] = [execute(Button("Review drafted values", "review_draft", {"handoff_id": handoff.id},
                                      "positive", dialog=True))]
    await _tell(app, handoff, actor, card)


async def _tell(app: TeamsApp, handoff: Handoff, actor: Actor, card: dict[str, Any]) -> None:
    if app.tell is None or actor.email is None:
        return
    try:
        await app.tell(handoff, actor.email, card)
    except Exception:  # the draft is kept: the packet dialog offers it again
        log.exception("could not send the drafted values for %s", handoff.id)


async def review_draft(app: TeamsApp, handoff: Handoff, actor: Actor) -> tuple[str, dict[str, Any]]:
    draft = await drafts.kept_draft(app, handoff.id)
    if draft is None or not handoff.can_edit(actor):
        return "Drafted values", dialogs.message_dialog("There are no drafted values to review for you here.")
    return "Review drafted values", dialogs.suggestions_dialog(handoff, app.playbook, draft)


async def suggestions_submitted(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                       ) -> tuple[str, dict[str, Any]] | str:
    draft = await drafts.kept_draft(app, handoff.id)
    if draft is None:
        return "There are no drafted values to review any more; nothing was changed."
    if data.get("move") == "discard":
        await asyncio.to_thread(app.refs.set, handoff.id, drafts.DRAFT_REF, "", at=app.clock.now())
        return "Discarded the drafted values; the packet is as it was."
    values, reviewed = _read_review(app.playbook, draft, data)
    command = c.ApplySuggestions(handoff.id, actor, values, reviewed, draft.model, draft.prompt_version)
    try:
        await app.run(app.service.apply_suggestions, command)
    except PacketInvalid as exc:
        return "Review drafted values", dialogs.suggestions_dialog(handoff, app.playbook, draft,
                                                                   errors=exc.errors)
    except BatonError as exc:
        return refusal(exc, handoff=handoff, actor=actor)
    await asyncio.to_thread(app.refs.set, handoff.id, drafts.DRAFT_REF, "", at=app.clock.now())
    return f"Saved {len(values)} value(s) from your notes to the packet."


def _read_review(playbook: Playbook, draft: Draft, data: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], tuple[ReviewedSuggestion, ...]]:
    """The dialog's inputs (every suggestion and conflict is shown); what they mean is
    core/draft_review's."""
    kept = {s.field_id: (str(data.get(f"keep:{s.field_id}", "true")) == "true",
                         dialogs.read_values_of([playbook.field(s.field_id)], data).get(s.field_id))
            for s in draft.suggestions}
    picks = {c.field_id: str(data.get(f"pick:{c.field_id}") or "") or None for c in draft.conflicts}
    decision = decide_review(draft, playbook, kept=kept, picks=picks)
    return decision.values, decision.reviewed
