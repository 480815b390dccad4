"""Clicks on Baton's cards in Teams (Universal Actions and their Action.Submit fallback):
Accept, Submit, first touch, Snooze, Approve / Deny, and the per-person refresh.

Every rule is the core's (the state machine's guards, core/presentation's refusal wording);
this module only reads the click and renders the answer. A refusal reaches only the person who
clicked: an Action.Execute is answered with their own copy of the card.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.teams import dialogs, render
from bot.teams.cards import text
from bot.teams.services import TeamsApp
from core import commands as c
from core.errors import (
    BatonError,
    HandoffNotFound,
    PacketIncomplete,
)
from core.handoff import Handoff
from core.people import Actor
from core.presentation.card import handoff_card
from core.presentation.due import plan_due
from core.presentation.refusal import refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a click did: the card as the clicker now sees it, and why not when the rules said
    no, in their own words (`problem`) and in words for a thread everyone reads (`in_public`:
    who may act by role, never an address)."""

    card: dict[str, Any]
    problem: str | None = None
    in_public: str | None = None
    note: str | None = None  # what was done, when "Done." says too little (a snooze's new time)


async def execute(app: TeamsApp, verb: str, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """An Action.Execute: the card as the clicker now sees it, with a refusal on top when the
    rules said no."""
    return (await outcome(app, verb, data, actor)).card


async def outcome(app: TeamsApp, verb: str, data: Mapping[str, Any], actor: Actor) -> Outcome:
    """Act on a click (an Action.Execute or its Action.Submit fallback) through the core."""
    handoff_id = str(data.get("handoff_id", ""))
    try:
        handoff = await asyncio.to_thread(app.service.get, handoff_id)
    except HandoffNotFound as exc:
        return _said(refusal(exc))
    if data.get("card") == "exception":
        return await _exception(app, verb, handoff, actor)
    if verb == "snooze":
        return await _snooze(app, handoff, data, actor)
    change = {
        "accept": lambda: app.service.accept(c.AcceptHandoff(handoff_id, actor)),
        "submit": lambda: app.service.submit(c.SubmitPacket(handoff_id, actor)),
        "record_first_touch": lambda: app.service.record_milestone(
            c.RecordMilestone(handoff_id, actor, "first_touch")),
        # Approve / Deny on the handoff card itself (the managers' view while an exception waits)
        "approve": lambda: app.service.decide_override(c.DecideOverride(handoff_id, actor, True)),
        "deny": lambda: app.service.decide_override(c.DecideOverride(handoff_id, actor, False)),
    }.get(verb)
    problem = public = None
    if change is not None:
        try:
            await app.run(change)
        except PacketIncomplete as exc:
            problem = public = "Not yet: " + ", ".join(app.labels(exc.missing)) + " still empty."
        except BatonError as exc:
            problem, public = refusal(exc, handoff=handoff, actor=actor), refusal(exc)
        handoff = await asyncio.to_thread(app.service.get, handoff_id)
    elif verb != "refresh":
        problem = public = f"Baton does not know the action {verb!r}."
    return Outcome(card_for(app, handoff, actor, problem), problem, public)


def _said(line: str) -> Outcome:
    return Outcome(dialogs.message_dialog(line), line, line)


async def _snooze(app: TeamsApp, handoff: Handoff, data: Mapping[str, Any], actor: Actor) -> Outcome:
    if app.nudges is None:
        return _said("Snoozing is not available here.")
    command = c.SnoozeNudge(handoff.id, actor, str(data.get("timer", "")), str(data.get("cycle", "")),
                            str(data.get("recipient", "")))
    try:
        until = await app.run(app.nudges.snooze, command)
    except BatonError as exc:
        return Outcome(dialogs.message_dialog(refusal(exc, handoff=handoff, actor=actor)),
                       refusal(exc, handoff=handoff, actor=actor), refusal(exc))
    note = f"😴 Snoozed: Baton will remind you about {handoff.deal.account} again {render.when(until)}."
    return Outcome(dialogs.message_dialog(note), note=note)


async def _exception(app: TeamsApp, verb: str, handoff: Handoff, actor: Actor) -> Outcome:
    problem = public = None
    if verb in ("approve", "deny"):
        try:
            await app.run(app.service.decide_override, c.DecideOverride(handoff.id, actor, verb == "approve"))
        except BatonError as exc:
            problem, public = refusal(exc, handoff=handoff, actor=actor), refusal(exc)
        handoff = await asyncio.to_thread(app.service.get, handoff.id)
    request = handoff.overrides[-1] if handoff.overrides else None
    if request is None:
        return _said("There is no exception request on this handoff.")
    decided = None
    if request.approved is not None:
        word = "Approved" if request.approved else "Denied"
        decided = f"{word} by {request.decided_by}" + (f": {request.note}" if request.note else "")
    card = render.exception_card(handoff_id=handoff.id, account=handoff.deal.account, asked_by=handoff.ae.email,
                                 reason=request.reason, missing=app.labels(request.missing), decided=decided)
    return Outcome(_with_problem(card, problem), problem, public)


def card_for(app: TeamsApp, handoff: Handoff, actor: Actor, problem: str | None = None) -> dict[str, Any]:
    viewer = "csm" if handoff.csm.matches(actor) else "ae" if handoff.ae.matches(actor) else \
        "manager" if actor.is_manager else "everyone"
    view = handoff_card(handoff, app.playbook, plan_due(handoff, app.planner))
    return _with_problem(render.handoff_card(view, now=app.clock.now(), viewer=viewer), problem)


def _with_problem(card: dict[str, Any], problem: str | None) -> dict[str, Any]:
    if problem:
        card["body"].insert(0, text(problem, color=dialogs.ERROR_COLOR, weight="Bolder"))
    return card
