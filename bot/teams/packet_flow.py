"""The dialogs (task modules) in Teams: the packet step by step, the review of an incomplete
packet with the override request, the CSM's escalation and the follow-up forms. Each answer is
the next dialog card, or a closing message."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.teams import deal_dialog, dialogs, drafting_flow, drafts, render
from bot.teams.cards import text
from bot.teams.services import TeamsApp
from core import commands as c
from core.drafting import llm_fields
from core.errors import (
    BatonError,
    HandoffNotFound,
    MissingInput,
    NotPermitted,
    PacketIncomplete,
    PacketInvalid,
)
from core.handoff import Handoff
from core.machine import Status, Trigger
from core.people import Actor
from core.presentation.refusal import refusal

STEP_REF = "teams.packet.step"


async def open_dialog(app: TeamsApp, verb: str, data: Mapping[str, Any], actor: Actor) -> tuple[str, dict[str, Any]]:
    """(title, card) for a button that opens a dialog."""
    if verb == deal_dialog.OPEN_DEAL:
        return deal_dialog.first_form(app, data, actor)
    try:
        handoff = await asyncio.to_thread(app.service.get, str(data.get("handoff_id", "")))
    except HandoffNotFound as exc:
        return "Handoff", dialogs.message_dialog(refusal(exc))
    if verb == "escalate":
        try:
            handoff.check(Trigger.ESCALATE, actor)
        except BatonError as exc:
            return "Escalate", dialogs.message_dialog(refusal(exc, handoff=handoff, actor=actor))
        return "Send the packet back", dialogs.escalate_dialog(handoff, app.playbook)
    if verb in dialogs.FOLLOWUPS:
        milestone, title = dialogs.FOLLOWUPS[verb]
        if not handoff.csm.matches(actor) or handoff.status is not Status.ACCEPTED:
            return title, dialogs.message_dialog(
                f"Only the assigned CSM records follow-ups, once the handoff is accepted (it is "
                f"{render.STATUS_WORDS[handoff.status].lower()}).")
        return title, dialogs.followup_dialog(handoff, app.playbook, milestone,
                                              today=app.clock.now().date().isoformat())
    if verb == "request_override":  # the form opens only for someone who may then send it
        try:
            handoff.check(Trigger.REQUEST_OVERRIDE, actor)
        except BatonError as exc:
            return "Ask for an exception", dialogs.message_dialog(refusal(exc, handoff=handoff, actor=actor))
        return "Ask for an exception", dialogs.review_dialog(handoff, app.playbook, handoff.missing_fields())
    read_only = not handoff.can_edit(actor)
    flagged = handoff.escalations[-1].fields if handoff.status is Status.ESCALATED and handoff.escalations else ()
    if verb == "review_draft":
        return await drafting_flow.review_draft(app, handoff, actor)
    step = _first_flagged(app, flagged) if flagged else 0 if read_only else await last_step(app, handoff.id)
    return "Handoff packet", await packet_card(app, handoff, step=step, read_only=read_only, flagged=flagged)


async def packet_card(app: TeamsApp, handoff: Handoff, *, step: int, read_only: bool = False, **kw: Any) -> dict[str, Any]:
    """The packet dialog, offering drafting from notes when it is on (and a waiting draft)."""
    drafting = app.drafter is not None and bool(llm_fields(app.playbook))
    waiting = drafting and await drafts.kept_draft(app, handoff.id) is not None
    return dialogs.packet_dialog(handoff, app.playbook, step=step, read_only=read_only, drafting=drafting,
                                 draft_waiting=waiting, **kw)


async def submit_dialog(app: TeamsApp, data: Mapping[str, Any], actor: Actor) -> tuple[str, dict[str, Any]] | str:
    """The next dialog card, or a closing message (str) when the dialog is done."""
    kind = data.get("dialog")
    if kind == deal_dialog.OPEN_DEAL:
        return await deal_dialog.submitted(app, data, actor)
    handoff_id = str(data.get("handoff_id", ""))
    try:
        handoff = await asyncio.to_thread(app.service.get, handoff_id)
    except HandoffNotFound as exc:
        return refusal(exc)
    if kind == dialogs.PACKET:
        return await _packet_step(app, handoff, data, actor)
    if kind == dialogs.REVIEW:
        return await _review(app, handoff, data, actor)
    if kind == dialogs.ESCALATE:
        return await _escalate(app, handoff, data, actor)
    if kind == dialogs.FOLLOWUP:
        return await _followup(app, handoff, data, actor)
    if kind == dialogs.NOTES and data.get("move") == "back":
        return "Handoff packet", await packet_card(app, handoff, step=dialogs.as_int(data.get("step")))
    if kind == dialogs.NOTES:
        return await drafting_flow.notes_submitted(app, handoff, data, actor)
    if kind == dialogs.SUGGESTIONS:
        return await drafting_flow.suggestions_submitted(app, handoff, data, actor)
    return "Baton does not know this dialog; nothing was changed."


async def _packet_step(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                       ) -> tuple[str, dict[str, Any]] | str:
    step = dialogs.as_int(data.get("step"))
    move = data.get("move", "next")
    if not handoff.can_edit(actor):
        target = step + (-1 if move == "back" else 1)
        return "Handoff packet", dialogs.packet_dialog(handoff, app.playbook, step=target, read_only=True)
    typed = dialogs.read_values(app.playbook, min(step, len(app.playbook.sections) - 1), data)
    try:
        await app.run(app.service.save_draft, c.SaveDraft(handoff.id, actor, typed))
    except PacketInvalid as exc:
        valid = {k: v for k, v in typed.items() if k not in exc.errors}
        if valid:
            await app.run(app.service.save_draft, c.SaveDraft(handoff.id, actor, valid))
        if move != "back":  # shown under their fields; nothing valid typed is lost
            fresh = await asyncio.to_thread(app.service.get, handoff.id)
            return "Handoff packet", dialogs.packet_dialog(fresh, app.playbook, step=step, errors=exc.errors,
                                                           typed=typed)
    except NotPermitted as exc:
        return refusal(exc, handoff=handoff, actor=actor)
    if move == "submit":
        return await _submit(app, handoff.id, actor)
    if move == dialogs.NOTES and app.drafter is not None:
        await _remember_step(app, handoff.id, step)
        return "Draft from call notes", dialogs.notes_dialog(handoff, app.playbook, step=step)
    if move == dialogs.SUGGESTIONS:
        return await drafting_flow.review_draft(app, handoff, actor)
    target = max(0, step + (-1 if move == "back" else 1))
    await _remember_step(app, handoff.id, target)
    fresh = await asyncio.to_thread(app.service.get, handoff.id)
    return "Handoff packet", await packet_card(app, fresh, step=target)


async def _submit(app: TeamsApp, handoff_id: str, actor: Actor) -> tuple[str, dict[str, Any]] | str:
    try:
        await app.run(app.service.submit, c.SubmitPacket(handoff_id, actor))
    except PacketIncomplete as exc:
        handoff = await asyncio.to_thread(app.service.get, handoff_id)
        return "Not yet complete", dialogs.review_dialog(handoff, app.playbook, exc.missing)
    except BatonError as exc:
        return refusal(exc)
    return "Submitted: the CSM has the packet and will accept it or send it back."


async def _review(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                  ) -> tuple[str, dict[str, Any]] | str:
    if data.get("move") == "back":
        last = len(app.playbook.sections) - 1
        return "Handoff packet", dialogs.packet_dialog(handoff, app.playbook, step=last,
                                                       read_only=not handoff.can_edit(actor))
    reason = str(data.get("reason") or "").strip()
    if not reason:
        card = dialogs.review_dialog(handoff, app.playbook, handoff.missing_fields())
        card["body"].append(text("Say why, so a manager can decide.", color=dialogs.ERROR_COLOR, size="Small"))
        return "Ask for an exception", card
    try:
        await app.run(app.service.request_override, c.RequestOverride(handoff.id, actor, reason))
    except BatonError as exc:
        return refusal(exc, handoff=handoff, actor=actor)
    return "Asked the managers in the handoff's thread; you will hear when one decides."


async def _escalate(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                    ) -> tuple[str, dict[str, Any]] | str:
    fields = tuple(f for f in str(data.get("fields") or "").split(",") if f)
    reason = str(data.get("reason") or "").strip()
    if not reason:  # the fields picked stay picked
        return "Send the packet back", dialogs.escalate_dialog(
            handoff, app.playbook, error="Say what the AE should fix.", fields=fields)
    try:
        await app.run(app.service.escalate, c.EscalateHandoff(handoff.id, actor, fields, reason))
    except BatonError as exc:
        return refusal(exc, handoff=handoff, actor=actor)
    return "Sent back: the AE is asked to fix it, and the fields you picked are highlighted for them."


async def _followup(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                    ) -> tuple[str, dict[str, Any]] | str:
    milestone = str(data.get("milestone", ""))
    values: dict[str, Any]
    if milestone == "kickoff":
        try:
            values = {"on": date.fromisoformat(str(data.get("on") or ""))}
        except ValueError:
            values = {}
    elif milestone == "feedback":
        values = {"went_well": str(data.get("went_well") or ""), "missing": str(data.get("missing") or "")}
    elif milestone == "checkin":
        rating = str(data.get("rating") or "")
        values = {"rating": int(rating) if rating.isdigit() else None,
                  "repeat_asks": tuple(f for f in str(data.get("repeat_asks") or "").split(",") if f)}
    else:
        return "Baton does not know this follow-up; nothing was changed."
    try:
        await app.run(app.service.record_milestone, c.RecordMilestone(handoff.id, actor, milestone, values))
    except MissingInput as exc:
        return "Follow-up", dialogs.followup_dialog(handoff, app.playbook, milestone,
                                                    error=f"{exc.what.capitalize()} is needed.")
    except BatonError as exc:
        return refusal(exc, handoff=handoff, actor=actor)
    return f"Recorded the {dict((m, t) for m, t in dialogs.FOLLOWUPS.values())[milestone].lower()} for " \
           f"{handoff.deal.account}."


def _first_flagged(app: TeamsApp, flagged: tuple[str, ...]) -> int:
    for index, section in enumerate(app.playbook.sections):
        if any(f.id in flagged for f in section.fields):
            return index
    return 0


async def last_step(app: TeamsApp, handoff_id: str) -> int:
    stored = (await asyncio.to_thread(app.refs.all, handoff_id)).get(STEP_REF, "0")
    return int(stored) if stored.isdigit() else 0


async def _remember_step(app: TeamsApp, handoff_id: str, step: int) -> None:
    await asyncio.to_thread(app.refs.set, handoff_id, STEP_REF, str(step), at=app.clock.now())
