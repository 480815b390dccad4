"""The `@Baton` commands' answers in Teams: status, mine, overdue, and the CSV export, from
the same view-models as Slack's `/handoff` (the queue, the planner's due times, report scopes)."""

from __future__ import annotations

import asyncio

from bot.reporting.data import report_rows
from bot.reporting.export import metrics_csv
from bot.teams import render
from bot.teams.services import UNFINISHED, TeamsApp
from core.handoff import Handoff
from core.people import Actor, Role
from core.presentation.due import plan_due
from core.presentation.queue import queue_for
from core.presentation.refusal import is_party
from core.reporting import may_export
from storage.metrics_sql import Scope

LIST_MAX = 25
HISTORY_SHOWN = 5  # as Slack's status


async def command(app: TeamsApp, verb: str, rest: str, actor: Actor, *, conversation_id: str) -> list[str]:
    """The reply to `@Baton <verb> <rest>`, as markdown lines."""
    if verb == "status":
        return await _status(app, rest, actor, conversation_id)
    if verb == "mine":
        return await _mine(app, actor)
    if verb == "overdue":
        return await _overdue(app, actor)
    return [f"I don't know `{verb}`."]


async def _status(app: TeamsApp, query: str, actor: Actor, conversation_id: str) -> list[str]:
    if not query:
        here = await asyncio.to_thread(app.refs.find_handoff, "teams.thread", conversation_id.split(";")[0]) \
            or await asyncio.to_thread(app.refs.find_handoff, "teams.thread", conversation_id)
        if here is None:
            return await _mine(app, actor)
        found = [await asyncio.to_thread(app.service.get, here)]
    else:
        found = await asyncio.to_thread(lambda: app.service.find(text=query, limit=10))
    if not found:
        return [f"No handoff matches “{query}”. Try the deal id or the account name."]
    if len(found) == 1:
        return status_lines(app, found[0], actor)
    return [f"**Handoffs matching “{query}”** ({len(found)})", *(f"- {handoff_line(app, h)}" for h in found)]


def status_lines(app: TeamsApp, h: Handoff, actor: Actor) -> list[str]:
    """One handoff as Slack's `/handoff status` shows it: where it stands, who holds it (for the
    handoff's own people: addresses are theirs, not the whole channel's), what is still needed
    and its latest history."""
    lines = [handoff_line(app, h)]
    if is_party(h, actor):
        lines.append(f"AE {h.ae.email} · CSM {h.csm.email} · owner {h.owner.email}")
    missing = app.labels(h.missing_fields())
    if missing:
        lines.append("**Still needed**: " + ", ".join(missing))
    lines += [f"- {render.when(e.at)} · {e.action.replace('_', ' ')}" for e in h.audit[-HISTORY_SHOWN:]]
    return lines


async def _mine(app: TeamsApp, actor: Actor) -> list[str]:
    handoffs = await asyncio.to_thread(_visible_to, app, actor)
    groups = [g for g in queue_for(actor.email or "", handoffs, due_of=lambda h: plan_due(h, app.planner),
                                   is_manager=actor.is_manager) if g.key != "done"]
    if not groups:
        return ["**Waiting on you** (0)", "Nothing needs you right now. 🎉"]
    lines = [f"**Waiting on you** ({sum(len(g.items) for g in groups)})"]
    for group in groups:
        lines.append(f"**{group.title}** ({len(group.items)})")
        lines += [f"- {handoff_line(app, item.handoff)}" for item in group.items[:LIST_MAX]]
    return lines


async def _overdue(app: TeamsApp, actor: Actor) -> list[str]:
    handoffs = await asyncio.to_thread(_visible_to, app, actor)
    now = app.clock.now()
    chosen = [h for h in handoffs if h.status in UNFINISHED
              and (d := plan_due(h, app.planner)) is not None and d.overdue(now)]
    lines = [f"**Overdue** ({len(chosen)})"]
    lines += [f"- {handoff_line(app, h)}" for h in chosen[:LIST_MAX]] or ["Nothing here. 🎉"]
    return lines


def _visible_to(app: TeamsApp, actor: Actor) -> list[Handoff]:
    """Managers and RevOps see every unfinished handoff; others the ones they are on."""
    if actor.is_manager or Role.REVOPS in actor.roles:
        return app.service.find(statuses=UNFINISHED, limit=500)
    return app.service.find(person_email=actor.email or "-", statuses=UNFINISHED, limit=200)


def handoff_line(app: TeamsApp, h: Handoff) -> str:
    due = plan_due(h, app.planner)
    now = app.clock.now()
    when = ""
    if due is not None:
        late = " (**overdue**)" if due.overdue(now) else ""
        when = f" · {due.label.lower()} {render.when(due.at)}{late}"
    return f"**{h.deal.account}** ({h.deal.name}) · {render.STATUS_WORDS[h.status]}{when}"


async def export_csv(app: TeamsApp, actor: Actor, period: str) -> tuple[str, bytes, str] | str:
    """(file name, CSV bytes, what it covers) for a manager or RevOps, else why not."""
    if not may_export(is_revops=Role.REVOPS in actor.roles, is_manager=actor.is_manager):
        return ("You can't export handoff metrics: only a sales or CS manager or RevOps can. "
                "`metrics` shows your own numbers.")
    found = app.metrics_period(period)
    if found is None or app.engine is None:
        return f"I can't read `{period}` as a period. Say week, month, quarter, year or a number of days like 45d."
    start, end, label = found
    scope, engine = app.scope_of(actor), app.engine
    rows = await asyncio.to_thread(report_rows, engine, start, end, thresholds=app.playbook.thresholds,
                                   scope=Scope(emails=scope.emails))
    name = f"handoff-metrics-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"
    return name, metrics_csv(rows).encode(), f"{label}, {scope.label}"
