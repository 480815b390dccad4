"""What people do in Teams, on the same core as Slack: the packet dialog, Accept / Escalate,
Approve / Deny, follow-ups and the `@Baton` commands.

Every rule is the core's (the state machine's guards, core/presentation's refusal wording);
this module only reads Teams' payloads and renders answers. Refusals reach only the person who
clicked: an Action.Execute is answered with their own copy of the card, a dialog with a message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from bot.reporting.data import report_rows
from bot.reporting.export import metrics_csv
from bot.teams import dialogs, render
from bot.teams.cards import Button, execute, text
from bot.teams.directory import TeamsDirectory
from core import commands as c
from core.drafting import Draft, Drafter, check_notes, draft_from_notes, llm_fields
from core.errors import (
    BatonError,
    DraftingError,
    HandoffNotFound,
    MissingInput,
    NotesTooLong,
    NotPermitted,
    PacketIncomplete,
    PacketInvalid,
)
from core.handoff import Handoff, ReviewedSuggestion, is_empty
from core.machine import FINAL, Status, Trigger
from core.nudge_service import NudgeService
from core.people import Actor, Role, actor_for
from core.playbook import Playbook
from core.ports import Clock
from core.presentation.card import handoff_card
from core.presentation.due import plan_due
from core.presentation.queue import queue_for
from core.presentation.refusal import refusal
from core.reporting import ReportScope, may_export, parse_period, scope_for
from core.services import HandoffService
from core.sla import SlaPlanner
from storage.chat_refs import ChatRefs
from storage.metrics_sql import Scope

log = logging.getLogger(__name__)
T = TypeVar("T")
UNFINISHED = [s for s in Status if s not in FINAL]
STEP_REF = "teams.packet.step"
DRAFT_REF = "teams.draft"  # the drafted values under review, kept so any replica can take the review
LIST_MAX = 25


@dataclass
class TeamsApp:
    """The services the Teams bot acts through (the same ones Slack's listeners use)."""

    service: HandoffService
    playbook: Playbook
    directory: TeamsDirectory
    refs: ChatRefs
    clock: Clock
    engine: Engine | None = None
    wake: Callable[[], None] = lambda: None  # the outbox dispatcher: deliver what was just committed
    drafter: Drafter | None = None  # drafting from call notes (OPENAI_API_KEY); None: the feature is off
    # Sends a card to a person about a handoff (their chat, else the thread): the drafted values.
    tell: Callable[[Handoff, str, dict[str, Any]], Awaitable[None]] | None = None
    background: set[asyncio.Task[None]] = field(default_factory=set)
    nudges: NudgeService | None = None  # snoozes

    @property
    def planner(self) -> SlaPlanner:
        return SlaPlanner(self.playbook)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """A change through the service, off the event loop; the outbox delivers it at once."""
        result = await asyncio.to_thread(fn, *args)
        self.wake()
        return result

    async def actor(self, user_id: str, aad_object_id: str | None) -> Actor:
        """Who clicked, with their playbook roles (by email, as Slack's people are)."""
        person = await asyncio.to_thread(self.directory.person, user_id)
        email = person.email if person else None
        return actor_for(self.playbook.roles, user_id=user_id, email=email)

    # -- the handoff card (Action.Execute) ---------------------------------------------------

    async def execute(self, verb: str, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
        """An Action.Execute (or its Action.Submit fallback): the card as the clicker now sees it,
        with a refusal on top when the rules said no."""
        handoff_id = str(data.get("handoff_id", ""))
        try:
            handoff = await asyncio.to_thread(self.service.get, handoff_id)
        except HandoffNotFound as exc:
            return dialogs.message_dialog(refusal(exc))
        if data.get("card") == "exception":
            return await self._exception(verb, handoff, actor)
        if verb == "snooze":
            return await self._snooze(handoff, data, actor)
        change = {
            "accept": lambda: self.service.accept(c.AcceptHandoff(handoff_id, actor)),
            "submit": lambda: self.service.submit(c.SubmitPacket(handoff_id, actor)),
            "record_first_touch": lambda: self.service.record_milestone(
                c.RecordMilestone(handoff_id, actor, "first_touch")),
        }.get(verb)
        problem = None
        if change is not None:
            try:
                await self.run(change)
            except PacketIncomplete as exc:
                problem = "Not yet: " + ", ".join(self._labels(exc.missing)) + " still empty."
            except BatonError as exc:
                problem = refusal(exc, handoff=handoff, actor=actor)
            handoff = await asyncio.to_thread(self.service.get, handoff_id)
        elif verb != "refresh":
            problem = f"Baton does not know the action {verb!r}."
        return self.card_for(handoff, actor, problem)

    async def _snooze(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
        if self.nudges is None:
            return dialogs.message_dialog("Snoozing is not available here.")
        command = c.SnoozeNudge(handoff.id, actor, str(data.get("timer", "")), str(data.get("cycle", "")),
                                str(data.get("recipient", "")))
        try:
            until = await self.run(self.nudges.snooze, command)
        except BatonError as exc:
            return dialogs.message_dialog(refusal(exc, handoff=handoff, actor=actor))
        return dialogs.message_dialog(f"😴 Snoozed: Baton will remind you about {handoff.deal.account} again "
                                      f"{render.when(until)}.")

    async def _exception(self, verb: str, handoff: Handoff, actor: Actor) -> dict[str, Any]:
        problem = None
        if verb in ("approve", "deny"):
            try:
                await self.run(self.service.decide_override, c.DecideOverride(handoff.id, actor, verb == "approve"))
            except BatonError as exc:
                problem = refusal(exc, handoff=handoff, actor=actor)
            handoff = await asyncio.to_thread(self.service.get, handoff.id)
        request = handoff.overrides[-1] if handoff.overrides else None
        if request is None:
            return dialogs.message_dialog("There is no exception request on this handoff.")
        decided = None
        if request.approved is not None:
            word = "Approved" if request.approved else "Denied"
            decided = f"{word} by {request.decided_by}" + (f": {request.note}" if request.note else "")
        card = render.exception_card(handoff_id=handoff.id, account=handoff.deal.account, asked_by=handoff.ae.email,
                                     reason=request.reason, missing=self._labels(request.missing), decided=decided)
        return _with_problem(card, problem)

    def card_for(self, handoff: Handoff, actor: Actor, problem: str | None = None) -> dict[str, Any]:
        viewer = "csm" if handoff.csm.matches(actor) else "ae" if handoff.ae.matches(actor) else "everyone"
        view = handoff_card(handoff, self.playbook, plan_due(handoff, self.planner))
        return _with_problem(render.handoff_card(view, now=self.clock.now(), viewer=viewer), problem)

    # -- dialogs (task/fetch, task/submit) ----------------------------------------------------

    async def open_dialog(self, verb: str, data: Mapping[str, Any], actor: Actor) -> tuple[str, dict[str, Any]]:
        """(title, card) for a button that opens a dialog."""
        try:
            handoff = await asyncio.to_thread(self.service.get, str(data.get("handoff_id", "")))
        except HandoffNotFound as exc:
            return "Handoff", dialogs.message_dialog(refusal(exc))
        if verb == "escalate":
            try:
                handoff.check(Trigger.ESCALATE, actor)
            except BatonError as exc:
                return "Escalate", dialogs.message_dialog(refusal(exc, handoff=handoff, actor=actor))
            return "Send the packet back", dialogs.escalate_dialog(handoff, self.playbook)
        if verb in dialogs.FOLLOWUPS:
            milestone, title = dialogs.FOLLOWUPS[verb]
            if not handoff.csm.matches(actor) or handoff.status is not Status.ACCEPTED:
                return title, dialogs.message_dialog(
                    f"Only the assigned CSM records follow-ups, once the handoff is accepted (it is "
                    f"{render.STATUS_WORDS[handoff.status].lower()}).")
            return title, dialogs.followup_dialog(handoff, self.playbook, milestone,
                                                  today=self.clock.now().date().isoformat())
        if verb == "request_override":
            return "Ask for an exception", dialogs.review_dialog(handoff, self.playbook, handoff.missing_fields())
        read_only = not handoff.can_edit(actor)
        flagged = handoff.escalations[-1].fields if handoff.status is Status.ESCALATED and handoff.escalations else ()
        if verb == "review_draft":
            return await self._review_draft(handoff, actor)
        step = self._first_flagged(flagged) if flagged else 0 if read_only else await self._last_step(handoff.id)
        return "Handoff packet", await self._packet(handoff, step=step, read_only=read_only, flagged=flagged)

    async def _packet(self, handoff: Handoff, *, step: int, read_only: bool = False, **kw: Any) -> dict[str, Any]:
        """The packet dialog, offering drafting from notes when it is on (and a waiting draft)."""
        drafting = self.drafter is not None and bool(llm_fields(self.playbook))
        waiting = drafting and await self._kept_draft(handoff.id) is not None
        return dialogs.packet_dialog(handoff, self.playbook, step=step, read_only=read_only, drafting=drafting,
                                     draft_waiting=waiting, **kw)

    async def submit_dialog(self, data: Mapping[str, Any], actor: Actor) -> tuple[str, dict[str, Any]] | str:
        """The next dialog card, or a closing message (str) when the dialog is done."""
        kind = data.get("dialog")
        handoff_id = str(data.get("handoff_id", ""))
        try:
            handoff = await asyncio.to_thread(self.service.get, handoff_id)
        except HandoffNotFound as exc:
            return refusal(exc)
        if kind == dialogs.PACKET:
            return await self._packet_step(handoff, data, actor)
        if kind == dialogs.REVIEW:
            return await self._review(handoff, data, actor)
        if kind == dialogs.ESCALATE:
            return await self._escalate(handoff, data, actor)
        if kind == dialogs.FOLLOWUP:
            return await self._followup(handoff, data, actor)
        if kind == dialogs.NOTES:
            return await self._notes(handoff, data, actor)
        if kind == dialogs.SUGGESTIONS:
            return await self._suggestions(handoff, data, actor)
        return "Baton does not know this dialog; nothing was changed."

    async def _packet_step(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                           ) -> tuple[str, dict[str, Any]] | str:
        step = _int(data.get("step"))
        move = data.get("move", "next")
        if not handoff.can_edit(actor):
            target = step + (-1 if move == "back" else 1)
            return "Handoff packet", dialogs.packet_dialog(handoff, self.playbook, step=target, read_only=True)
        typed = dialogs.read_values(self.playbook, min(step, len(self.playbook.sections) - 1), data)
        try:
            await self.run(self.service.save_draft, c.SaveDraft(handoff.id, actor, typed))
        except PacketInvalid as exc:
            valid = {k: v for k, v in typed.items() if k not in exc.errors}
            if valid:
                await self.run(self.service.save_draft, c.SaveDraft(handoff.id, actor, valid))
            if move != "back":  # shown under their fields; nothing valid typed is lost
                fresh = await asyncio.to_thread(self.service.get, handoff.id)
                return "Handoff packet", dialogs.packet_dialog(fresh, self.playbook, step=step, errors=exc.errors,
                                                               typed=typed)
        except NotPermitted as exc:
            return refusal(exc, handoff=handoff, actor=actor)
        if move == "submit":
            return await self._submit(handoff.id, actor)
        if move == dialogs.NOTES and self.drafter is not None:
            await self._remember_step(handoff.id, step)
            return "Draft from call notes", dialogs.notes_dialog(handoff, self.playbook, step=step)
        if move == dialogs.SUGGESTIONS:
            return await self._review_draft(handoff, actor)
        target = max(0, step + (-1 if move == "back" else 1))
        await self._remember_step(handoff.id, target)
        fresh = await asyncio.to_thread(self.service.get, handoff.id)
        return "Handoff packet", await self._packet(fresh, step=target)

    async def _submit(self, handoff_id: str, actor: Actor) -> tuple[str, dict[str, Any]] | str:
        try:
            await self.run(self.service.submit, c.SubmitPacket(handoff_id, actor))
        except PacketIncomplete as exc:
            handoff = await asyncio.to_thread(self.service.get, handoff_id)
            return "Not yet complete", dialogs.review_dialog(handoff, self.playbook, exc.missing)
        except BatonError as exc:
            return refusal(exc)
        return "Submitted: the CSM has the packet and will accept it or send it back."

    async def _review(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                      ) -> tuple[str, dict[str, Any]] | str:
        if data.get("move") == "back":
            last = len(self.playbook.sections) - 1
            return "Handoff packet", dialogs.packet_dialog(handoff, self.playbook, step=last)
        reason = str(data.get("reason") or "").strip()
        if not reason:
            card = dialogs.review_dialog(handoff, self.playbook, handoff.missing_fields())
            card["body"].append(text("Say why, so a manager can decide.", color=dialogs.ERROR_COLOR, size="Small"))
            return "Ask for an exception", card
        try:
            await self.run(self.service.request_override, c.RequestOverride(handoff.id, actor, reason))
        except BatonError as exc:
            return refusal(exc, handoff=handoff, actor=actor)
        return "Asked the managers in the handoff's thread; you will hear when one decides."

    async def _escalate(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                        ) -> tuple[str, dict[str, Any]] | str:
        fields = tuple(f for f in str(data.get("fields") or "").split(",") if f)
        reason = str(data.get("reason") or "").strip()
        if not reason:
            return "Send the packet back", dialogs.escalate_dialog(
                handoff, self.playbook, error="Say what the AE should fix.")
        try:
            await self.run(self.service.escalate, c.EscalateHandoff(handoff.id, actor, fields, reason))
        except BatonError as exc:
            return refusal(exc, handoff=handoff, actor=actor)
        return "Sent back: the AE is asked to fix it, and the fields you picked are highlighted for them."

    async def _followup(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor
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
            await self.run(self.service.record_milestone, c.RecordMilestone(handoff.id, actor, milestone, values))
        except MissingInput as exc:
            return "Follow-up", dialogs.followup_dialog(handoff, self.playbook, milestone,
                                                        error=f"{exc.what.capitalize()} is needed.")
        except BatonError as exc:
            return refusal(exc, handoff=handoff, actor=actor)
        return f"Recorded the {dict((m, t) for m, t in dialogs.FOLLOWUPS.values())[milestone].lower()} for " \
               f"{handoff.deal.account}."

    # -- drafting from call notes --------------------------------------------------------------

    async def _notes(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                     ) -> tuple[str, dict[str, Any]] | str:
        """The notes were pasted: check them now (errors under the box), draft after answering
        Teams (a dialog must be answered within seconds; a model takes longer)."""
        step = _int(data.get("step"))
        if data.get("move") == "back" or self.drafter is None:
            return "Handoff packet", await self._packet(handoff, step=step)
        if not handoff.can_edit(actor):
            return refusal(NotPermitted(actor.id, "use values drafted from notes", "only the AE, while they fill it"))
        notes = str(data.get("notes") or "")
        try:
            check_notes(notes, self.playbook)
        except (NotesTooLong, MissingInput) as exc:
            reason = str(exc) if isinstance(exc, NotesTooLong) else "Paste the call notes first."
            return "Draft from call notes", dialogs.notes_dialog(handoff, self.playbook, step=step, error=reason)
        task = asyncio.create_task(self._draft(handoff, notes, actor))
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return ("Drafting from your notes: the suggested values arrive in your chat with Baton in a moment, "
                "each with the words it came from. Nothing is saved until you review them.")

    async def _draft(self, handoff: Handoff, notes: str, actor: Actor) -> None:
        assert self.drafter is not None
        try:
            draft = await draft_from_notes(notes, playbook=self.playbook, drafter=self.drafter,
                                           close_date=handoff.deal.closed_at.date(), current=handoff.packet)
        except DraftingError as exc:
            lines = [f"Baton could not draft {handoff.deal.account}'s packet from your notes: {exc}.",
                     "Nothing was changed; you can try again or fill the packet by hand."]
            await self._tell(handoff, actor, render.notice_card(*lines))
            return
        await asyncio.to_thread(self.refs.set, handoff.id, DRAFT_REF, json.dumps(draft.to_dict()),
                                at=self.clock.now())
        kept = len(draft.suggestions) + len(draft.conflicts)
        card = render.notice_card(f"{kept} value(s) drafted from your notes for {handoff.deal.account}.",
                                  "Review them: keep, change or drop each before anything is saved.")
        card["actions"] = [execute(Button("Review drafted values", "review_draft", {"handoff_id": handoff.id},
                                          "positive", dialog=True))]
        await self._tell(handoff, actor, card)

    async def _tell(self, handoff: Handoff, actor: Actor, card: dict[str, Any]) -> None:
        if self.tell is None or actor.email is None:
            return
        try:
            await self.tell(handoff, actor.email, card)
        except Exception:  # the draft is kept: the packet dialog offers it again
            log.exception("could not send the drafted values for %s", handoff.id)

    async def _kept_draft(self, handoff_id: str) -> Draft | None:
        stored = (await asyncio.to_thread(self.refs.all, handoff_id)).get(DRAFT_REF, "")
        return Draft.from_dict(json.loads(stored)) if stored.startswith("{") else None

    async def _review_draft(self, handoff: Handoff, actor: Actor) -> tuple[str, dict[str, Any]]:
        draft = await self._kept_draft(handoff.id)
        if draft is None or not handoff.can_edit(actor):
            return "Drafted values", dialogs.message_dialog("There are no drafted values to review for you here.")
        return "Review drafted values", dialogs.suggestions_dialog(handoff, self.playbook, draft)

    async def _suggestions(self, handoff: Handoff, data: Mapping[str, Any], actor: Actor
                           ) -> tuple[str, dict[str, Any]] | str:
        draft = await self._kept_draft(handoff.id)
        if draft is None:
            return "There are no drafted values to review any more; nothing was changed."
        if data.get("move") == "discard":
            await asyncio.to_thread(self.refs.set, handoff.id, DRAFT_REF, "", at=self.clock.now())
            return "Discarded the drafted values; the packet is as it was."
        values, reviewed = _read_review(self.playbook, draft, data)
        command = c.ApplySuggestions(handoff.id, actor, values, reviewed, draft.model, draft.prompt_version)
        try:
            await self.run(self.service.apply_suggestions, command)
        except PacketInvalid as exc:
            return "Review drafted values", dialogs.suggestions_dialog(handoff, self.playbook, draft,
                                                                       errors=exc.errors)
        except BatonError as exc:
            return refusal(exc, handoff=handoff, actor=actor)
        await asyncio.to_thread(self.refs.set, handoff.id, DRAFT_REF, "", at=self.clock.now())
        return f"Saved {len(values)} value(s) from your notes to the packet."

    # -- @Baton commands ----------------------------------------------------------------------

    async def command(self, verb: str, rest: str, actor: Actor, *, conversation_id: str) -> list[str]:
        """The reply to `@Baton <verb> <rest>`, as markdown lines."""
        if verb == "status":
            return await self._status(rest, actor, conversation_id)
        if verb == "mine":
            return await self._mine(actor)
        if verb == "overdue":
            return await self._listed("Overdue", actor, overdue=True)
        if verb == "open":
            return await self._listed("Not yet accepted", actor, overdue=False)
        return [f"I don't know `{verb}`."]

    async def _status(self, query: str, actor: Actor, conversation_id: str) -> list[str]:
        if not query:
            here = await asyncio.to_thread(self.refs.find_handoff, "teams.thread", conversation_id.split(";")[0]) \
                or await asyncio.to_thread(self.refs.find_handoff, "teams.thread", conversation_id)
            if here is None:
                return await self._mine(actor)
            found = [await asyncio.to_thread(self.service.get, here)]
        else:
            found = await asyncio.to_thread(lambda: self.service.find(text=query, limit=10))
        if not found:
            return [f"No handoff matches “{query}”. Try the deal id or the account name."]
        return [self._line(h) for h in found]

    async def _mine(self, actor: Actor) -> list[str]:
        handoffs = await asyncio.to_thread(self._visible_to, actor)
        groups = [g for g in queue_for(actor.email or "", handoffs, due_of=lambda h: plan_due(h, self.planner),
                                       is_manager=actor.is_manager) if g.key != "done"]
        if not groups:
            return ["**Waiting on you** (0)", "Nothing needs you right now. 🎉"]
        lines = [f"**Waiting on you** ({sum(len(g.items) for g in groups)})"]
        for group in groups:
            lines.append(f"**{group.title}** ({len(group.items)})")
            lines += [f"- {self._line(item.handoff)}" for item in group.items[:LIST_MAX]]
        return lines

    async def _listed(self, title: str, actor: Actor, *, overdue: bool) -> list[str]:
        handoffs = await asyncio.to_thread(self._visible_to, actor)
        now = self.clock.now()
        if overdue:
            chosen = [h for h in handoffs if h.status in UNFINISHED
                      and (d := plan_due(h, self.planner)) is not None and d.overdue(now)]
        else:
            chosen = [h for h in handoffs if h.status in (Status.OPENED, Status.DRAFTING, Status.SUBMITTED,
                                                          Status.ESCALATED, Status.OVERRIDE_REQUESTED)]
        lines = [f"**{title}** ({len(chosen)})"]
        lines += [f"- {self._line(h)}" for h in chosen[:LIST_MAX]] or ["Nothing here. 🎉"]
        return lines

    def _visible_to(self, actor: Actor) -> list[Handoff]:
        """Managers and RevOps see every unfinished handoff; others the ones they are on."""
        if actor.is_manager or Role.REVOPS in actor.roles:
            return self.service.find(statuses=UNFINISHED, limit=500)
        return self.service.find(person_email=actor.email or "-", statuses=UNFINISHED, limit=200)

    def _line(self, h: Handoff) -> str:
        due = plan_due(h, self.planner)
        now = self.clock.now()
        when = ""
        if due is not None:
            late = " (**overdue**)" if due.overdue(now) else ""
            when = f" · {due.label.lower()} {render.when(due.at)}{late}"
        return f"**{h.deal.account}** ({h.deal.name}) · {render.STATUS_WORDS[h.status]}{when}"

    # -- small helpers -----------------------------------------------------------------------

    def _labels(self, field_ids: tuple[str, ...]) -> list[str]:
        labels = {f.id: f.label for f in self.playbook.fields}
        return [labels.get(f, f) for f in field_ids]

    def _first_flagged(self, flagged: tuple[str, ...]) -> int:
        for index, section in enumerate(self.playbook.sections):
            if any(f.id in flagged for f in section.fields):
                return index
        return 0

    async def _last_step(self, handoff_id: str) -> int:
        stored = (await asyncio.to_thread(self.refs.all, handoff_id)).get(STEP_REF, "0")
        return int(stored) if stored.isdigit() else 0

    async def _remember_step(self, handoff_id: str, step: int) -> None:
        await asyncio.to_thread(self.refs.set, handoff_id, STEP_REF, str(step), at=self.clock.now())

    async def export_csv(self, actor: Actor, period: str) -> tuple[str, bytes, str] | str:
        """(file name, CSV bytes, what it covers) for a manager or RevOps, else why not."""
        if not may_export(is_revops=Role.REVOPS in actor.roles, is_manager=actor.is_manager):
            return ("You can't export handoff metrics: only a sales or CS manager or RevOps can. "
                    "`metrics` shows your own numbers.")
        found = self.metrics_period(period)
        if found is None or self.engine is None:
            return f"I can't read `{period}` as a period. Say week, month, quarter, year or a number of days like 45d."
        start, end, label = found
        scope, engine = self.scope_of(actor), self.engine
        rows = await asyncio.to_thread(report_rows, engine, start, end, thresholds=self.playbook.thresholds,
                                       scope=Scope(emails=scope.emails))
        name = f"handoff-metrics-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"
        return name, metrics_csv(rows).encode(), f"{label}, {scope.label}"

    def metrics_period(self, rest: str) -> tuple[datetime, datetime, str] | None:
        parsed = parse_period(rest)
        if parsed is None:
            return None
        days, label = parsed
        end = self.clock.now()
        return end - timedelta(days=days), end, label

    def scope_of(self, actor: Actor) -> ReportScope:
        return scope_for(actor.email, is_revops=Role.REVOPS in actor.roles, is_manager=actor.is_manager,
                         team=self.playbook.roles.team_of(actor.email))


def _read_review(playbook: Playbook, draft: Draft, data: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], tuple[ReviewedSuggestion, ...]]:
    """What the AE kept (and how they changed it), and each suggestion's fate for the audit."""
    values: dict[str, Any] = {}
    reviewed: list[ReviewedSuggestion] = []
    for suggestion in draft.suggestions:
        spec = playbook.field(suggestion.field_id)
        typed = dialogs.read_values_of([spec], data).get(spec.id)
        keep = str(data.get(f"keep:{spec.id}", "true")) == "true" and not is_empty(typed)
        if keep:
            values[spec.id] = typed
        edited = keep and str(typed).strip() != str(suggestion.value).strip()
        reviewed.append(ReviewedSuggestion(spec.id, suggestion.quotes, keep, edited=edited))
    for conflict in draft.conflicts:
        picked = str(data.get(f"pick:{conflict.field_id}") or "")
        chosen = [conflict.options[int(picked)]] if picked.isdigit() and int(picked) < len(conflict.options) else []
        if chosen:
            values[conflict.field_id] = chosen[0].value
        quotes = tuple(q for o in (chosen or conflict.options) for q in o.quotes)
        reviewed.append(ReviewedSuggestion(conflict.field_id, quotes, bool(chosen), conflict=True))
    return values, tuple(reviewed)


def _with_problem(card: dict[str, Any], problem: str | None) -> dict[str, Any]:
    if problem:
        card["body"].insert(0, text(problem, color=dialogs.ERROR_COLOR, weight="Bolder"))
    return card


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
