"""`/handoff` and the App Home: answers are ephemeral, built from one quick database read."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.reporting import slack_commands as reports
from bot.slack.context import SlackContext
from bot.slack.escape import escape_mrkdwn
from bot.slack.guard import Guarded
from bot.slack.views import deal_form, home, text
from bot.slack.views.timing import next_due
from core.handoff import Handoff
from core.machine import FINAL, Status
from core.people import Actor

USAGE = "Try `/handoff help`."
UNFINISHED = [s for s in Status if s not in FINAL]


def register(app: Guarded, ctx: SlackContext) -> None:
    async def handoff(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        verb, _, rest = command.get("text", "").strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        user = command["user_id"]
        if verb in ("", "help"):
            await ack(text=text.help_text(llm_enabled=ctx.llm_enabled))
            return
        if verb == "open":
            await ack()
            today = ctx.clock.now().date()
            view = deal_form.open_deal_modal(ctx.playbook, deal_id=rest, today=today)
            await client.views_open(trigger_id=command["trigger_id"], view=view)
            return
        actor = await ctx.directory.actor(client, user)
        if verb == "status":
            await ack(blocks=await _status(ctx, actor, rest, channel=command.get("channel_id", "")))
        elif verb == "mine":
            handoffs = await ctx.read(lambda: _visible_to(ctx, actor))
            await ack(blocks=home.queue_blocks(
                user_email=actor.email or "", handoffs=handoffs, playbook=ctx.playbook,
                user_ids=ctx.directory.known_ids(), now=ctx.clock.now(), is_manager=actor.is_manager))
        elif verb == "overdue":
            await ack(blocks=await _overdue(ctx, actor))
        elif verb == "metrics":
            await reports.metrics(ctx, client, ack, actor=actor, user=user, period=rest)
        elif verb == "export":
            await reports.export(ctx, client, ack, actor=actor, user=user, period=rest)
        else:
            await ack(text=f"I don't know `{escape_mrkdwn(verb)}`. {USAGE}")

    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        actor = await ctx.directory.actor(client, event["user"])
        handoffs = await ctx.read(lambda: _visible_to(ctx, actor))
        view = home.home_view(user_email=actor.email or "", handoffs=handoffs, playbook=ctx.playbook,
                              user_ids=ctx.directory.known_ids(), now=ctx.clock.now(), is_manager=actor.is_manager)
        await client.views_publish(user_id=event["user"], view=view)

    app.command("/handoff")(handoff)
    app.event("app_home_opened")(home_opened)


def _visible_to(ctx: SlackContext, actor: Actor) -> list[Handoff]:
    own = ctx.service.find(person_email=actor.email or "-", limit=100)
    if not actor.is_manager:
        return own
    waiting = ctx.service.find(statuses=[Status.OVERRIDE_REQUESTED], limit=50)
    return own + [h for h in waiting if h.id not in {o.id for o in own}]


async def _status(ctx: SlackContext, actor: Actor, query: str, *, channel: str) -> list[dict[str, Any]]:
    """In a handoff's channel, `status` means this handoff; elsewhere it searches deal and account."""
    if not query:
        handoff_id = await ctx.read(ctx.refs.find_handoff, "slack.channel", channel) if channel else None
        if handoff_id is None:
            mine = await ctx.read(lambda: ctx.service.find(person_email=actor.email or "-", statuses=UNFINISHED))
            return text.list_blocks("Your open handoffs", mine, ctx.playbook, now=ctx.clock.now())
        found = [await ctx.read(ctx.service.get, handoff_id)]
    else:
        found = await ctx.read(lambda: ctx.service.find(text=query, limit=10))
    if len(found) == 1:
        return text.status_blocks(found[0], ctx.playbook, user_ids=ctx.directory.known_ids(), now=ctx.clock.now())
    title = f"Handoffs matching “{query}”" if found else f"No handoff matches “{query}”"
    return text.list_blocks(title, found, ctx.playbook, now=ctx.clock.now())


async def _overdue(ctx: SlackContext, actor: Actor) -> list[dict[str, Any]]:
    """What is past due and waiting on the caller; a manager sees every team's."""
    now = ctx.clock.now()
    if actor.is_manager:
        pool = await ctx.read(lambda: ctx.service.find(statuses=UNFINISHED, limit=500))
    else:
        pool = await ctx.read(lambda: ctx.service.find(person_email=actor.email or "-", statuses=UNFINISHED, limit=500))
    late = []
    for handoff in pool:
        due = next_due(handoff, ctx.playbook)
        if due is not None and due.at is not None and due.at < now and (actor.is_manager or handoff.owner.matches(actor)
                                                 or handoff.csm.matches(actor)):
            late.append(handoff)
    return text.list_blocks("Overdue" if late else "Nothing overdue", late, ctx.playbook, now=now)
