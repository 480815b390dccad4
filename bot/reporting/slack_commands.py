"""`/handoff metrics [period]` and `/handoff export [period]`: scoped numbers, a chart, a private CSV.

Both ack at once (the table, or a refusal) and do the slow part after the ack: the chart
render and the file upload go to the asker's DM, since an ephemeral message cannot carry a file.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.reporting.data import metrics as sql_metrics
from bot.reporting.data import report_rows
from bot.reporting.digest import digest_chart
from bot.reporting.export import metrics_csv
from bot.reporting.slack import client_call, post_chart, upload
from bot.slack.context import SlackContext
from bot.slack.views import text
from core.metrics import GroupBy
from core.people import Actor, Role
from core.playbook import Roles
from core.reporting import PERIODS, ReportScope, may_export, parse_period, scope_for
from storage.metrics_sql import Scope

PERIOD_HELP = f"Say a period: {', '.join(PERIODS)} or a number of days like `45d` (default: 30 days)."


def _scope(actor: Actor, roles: Roles) -> ReportScope:
    return scope_for(actor.email, is_revops=Role.REVOPS in actor.roles, is_manager=actor.is_manager,
                     team=roles.team_of(actor.email))


async def metrics(ctx: SlackContext, client: AsyncWebClient, ack: AsyncAck, *, actor: Actor, user: str,
                  period: str) -> None:
    """The table at once, then the chart for the asker's scope in their DM."""
    parsed = parse_period(period)
    if parsed is None or ctx.engine is None:
        await ack(text=f"I can't read `{period}` as a period. {PERIOD_HELP}")
        return
    days, label = parsed
    scope = _scope(actor, ctx.playbook.roles)
    end = ctx.clock.now()
    start, engine = end - timedelta(days=days), ctx.engine
    where = Scope(emails=scope.emails)
    rows = await ctx.read(lambda: sql_metrics(engine, start, end, by=GroupBy.SEGMENT,
                                              thresholds=ctx.playbook.thresholds, scope=where))
    await ack(blocks=text.metrics_blocks(rows, f"{label}, {scope.label}"))
    chart = await asyncio.to_thread(digest_chart, engine, start=start, end=end, label=f"{label}, {scope.label}",
                                    thresholds=ctx.playbook.thresholds, scope=where)
    dm = await _dm(client, user)
    await post_chart(client_call(client), channels=[dm], title=f"Handoff metrics chart, {label}", chart=chart)


async def export(ctx: SlackContext, client: AsyncWebClient, ack: AsyncAck, *, actor: Actor, user: str,
                 period: str) -> None:
    """Managers and RevOps get a CSV in their DM; anyone else is told who may."""
    if not may_export(is_revops=Role.REVOPS in actor.roles, is_manager=actor.is_manager):
        await ack(text="You can't export handoff metrics: only a sales or CS manager or RevOps can. "
                       "`/handoff metrics` shows your own numbers.")
        return
    parsed = parse_period(period)
    if parsed is None or ctx.engine is None:
        await ack(text=f"I can't read `{period}` as a period. {PERIOD_HELP}")
        return
    days, label = parsed
    scope = _scope(actor, ctx.playbook.roles)
    await ack(text=f"Exporting handoff metrics for {label}, {scope.label}: the CSV arrives in your DM with Baton.")
    end = ctx.clock.now()
    start, engine = end - timedelta(days=days), ctx.engine
    rows = await ctx.read(lambda: report_rows(engine, start, end, thresholds=ctx.playbook.thresholds,
                                              scope=Scope(emails=scope.emails)))
    data = metrics_csv(rows).encode()
    name = f"handoff-metrics-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"
    await upload(client_call(client), channel=await _dm(client, user), filename=name, title=name, data=data,
                 comment=f"Handoff metrics for {label} ({start:%b %d} to {end:%b %d, %Y}), {scope.label}.")


async def _dm(client: AsyncWebClient, user: str) -> str:
    opened: Any = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])
