"""Follow-ups and nudges in Slack: Snooze, the kickoff / feedback / check-in forms behind the
nudge and card buttons, and `/handoff touched | kickoff | overdue`.

Registered before the other `/handoff` listener: Bolt runs the first listener whose matchers
pass, so these verbs land here and every other verb goes on to listeners_commands.py.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.sla import SlaRuntime
from bot.slack import ids
from bot.slack.context import SlackContext
from bot.slack.escape import escape_mrkdwn, literal
from bot.slack.guard import Guarded
from bot.slack.listeners_actions import refusal
from bot.slack.nudges import overdue_items
from bot.slack.views import kit
from bot.slack.views import nudges as views
from bot.slack.views.state import value_of
from core import commands as c
from core.errors import BatonError, MissingInput, TransitionNotAllowed
from core.handoff import Handoff
from core.machine import Status
from core.people import Actor, Role
from core.sla import Side

log = logging.getLogger(__name__)
VERBS = frozenset({"touched", "kickoff", "overdue"})
KICKOFF_USAGE = "Write the date like `/handoff kickoff 2026-11-20` (or `today`, `tomorrow`), then optionally the deal."


def register(app: Guarded, ctx: SlackContext, sla: SlaRuntime) -> None:
    async def is_followup(command: dict[str, Any]) -> bool:
        return str(command.get("text", "")).strip().partition(" ")[0].lower() in VERBS

    async def handoff_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        verb, _, rest = command.get("text", "").strip().partition(" ")
        actor = await ctx.directory.actor(client, command["user_id"])
        channel = command.get("channel_id", "")
        if verb.lower() == "overdue":
            await ack(blocks=await ctx.read(overdue_for, sla, ctx, actor))
        elif verb.lower() == "touched":
            await ack(text=await _record(ctx, actor, rest.strip(), channel, "first_touch", {}))
        else:
            when, _, which = rest.strip().partition(" ")
            on = _parse_day(when, today=ctx.clock.now().date())
            if on is None:
                await ack(text=KICKOFF_USAGE)
                return
            await ack(text=await _record(ctx, actor, which.strip(), channel, "kickoff", {"on": on}))

    async def snooze(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        action = body["actions"][0]
        ref = views.SnoozeRef.loads(action["value"])
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
        actor = await ctx.directory.actor(client, user)
        try:
            until = await ctx.run(sla.nudges.snooze, c.SnoozeNudge(ref.h, actor, ref.t, ref.c, ref.r))
        except BatonError as exc:
            await ctx.ephemeral(client, channel=channel, user=user, text=_why(exc))
            return
        message = body.get("message")
        if message and channel:  # replace the clicked item's buttons with the snooze, in place
            blocks = [kit.context(views.snoozed_text(until)) if b.get("block_id") == action.get("block_id") else b
                      for b in message.get("blocks", [])]
            await client.chat_update(channel=channel, ts=message["ts"], text=message.get("text", ""), blocks=blocks)
        else:
            await ctx.ephemeral(client, channel=channel, user=user, text=views.snoozed_text(until))

    def opener(build: Any) -> Any:
        async def open_form(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            ref = ids.Ref.loads(body["actions"][0]["value"])
            user = body["user"]["id"]
            handoff = await ctx.read(ctx.service.get, ref.h)
            actor = await ctx.directory.actor(client, user)
            if not handoff.csm.matches(actor) or handoff.status is not Status.ACCEPTED:
                channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
                await ctx.ephemeral(client, channel=channel, user=user, text=_not_yours(handoff))
                return
            await client.views_open(trigger_id=body["trigger_id"], view=build(handoff))
        return open_form

    async def kickoff_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        picked = value_of(view["state"]["values"], views.KICKOFF_DATE_BLOCK)
        data = {"on": date.fromisoformat(picked)} if picked else {}
        await _submit(ack, body, view, client, "kickoff", data, views.KICKOFF_DATE_BLOCK)

    async def feedback_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        values = view["state"]["values"]
        data = {"went_well": value_of(values, views.WENT_WELL_BLOCK) or "",
                "missing": value_of(values, views.MISSING_BLOCK) or ""}
        await _submit(ack, body, view, client, "feedback", data, views.WENT_WELL_BLOCK)

    async def checkin_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        values = view["state"]["values"]
        rating = value_of(values, views.RATING_BLOCK)
        data = {"rating": int(rating) if rating else None,
                "repeat_asks": tuple(value_of(values, views.REPEAT_ASKS_BLOCK) or ())}
        await _submit(ack, body, view, client, "checkin", data, views.RATING_BLOCK)

    async def _submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                      milestone: str, data: dict[str, Any], block: str) -> None:
        ref = ids.Ref.loads(view["private_metadata"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        try:
            await ctx.run(ctx.service.record_milestone, c.RecordMilestone(ref.h, actor, milestone, data))
        except MissingInput as exc:
            await ack(response_action="errors", errors={block: f"{escape_mrkdwn(exc.what.capitalize())} is needed."})
            return
        except BatonError as exc:
            await ack(response_action="errors", errors={block: refusal(exc)})
            return
        await ack()

    app.command("/handoff", matchers=[is_followup])(handoff_command)
    app.action(views.SNOOZE)(snooze)
    app.action(views.SET_KICKOFF)(opener(lambda h: views.kickoff_modal(h, today=ctx.clock.now().date())))
    app.action(views.GIVE_FEEDBACK)(opener(lambda h: views.feedback_modal(h, user_ids=ctx.directory.known_ids())))
    app.action(views.CHECK_IN)(opener(lambda h: views.checkin_modal(h, ctx.playbook)))
    app.view_submission(views.KICKOFF_FORM)(kickoff_form)
    app.view_submission(views.FEEDBACK_FORM)(feedback_form)
    app.view_submission(views.CHECKIN_FORM)(checkin_form)


def _parse_day(text: str, *, today: date) -> date | None:
    word = text.strip().lower()
    if word in ("today", "tomorrow"):
        return today + timedelta(days=word == "tomorrow")
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


async def _record(ctx: SlackContext, actor: Actor, which: str, channel: str, milestone: str,
                  data: dict[str, Any]) -> str:
    """Record a follow-up on the one accepted handoff the words (or the channel) point to."""
    candidates = await ctx.run(_candidates, ctx, actor, which, channel, milestone)
    what = "the first customer touch" if milestone == "first_touch" else f"kickoff on {data['on']:%b %d, %Y}"
    if not candidates:
        where = f" matching “{literal(which)}”" if which else ""
        return f"You have no accepted handoff{where} to record {what} on. Only the assigned CSM records follow-ups."
    if len(candidates) > 1:
        names = ", ".join(f"*{literal(h.deal.account)}* (`{literal(h.deal.id)}`)" for h in candidates[:10])
        return f"Which one? {names}. Add the deal id or account, like `/handoff {milestone.split('_')[0]} … {literal(candidates[0].deal.id)}`."
    handoff = candidates[0]
    try:
        await ctx.run(ctx.service.record_milestone, c.RecordMilestone(handoff.id, actor, milestone, data))
    except BatonError as exc:
        return refusal(exc)
    return f"Recorded {what} for *{literal(handoff.deal.account)}*."


def _candidates(ctx: SlackContext, actor: Actor, which: str, channel: str, milestone: str) -> list[Handoff]:
    if not which and channel:
        here = ctx.refs.find_handoff("slack.channel", channel)
        if here is not None:
            return [ctx.service.get(here)]
    mine = ctx.service.find(person_email=actor.email or "-", statuses=[Status.ACCEPTED], text=which or None, limit=50)
    found = [h for h in mine if h.csm.matches(actor)]
    if milestone == "first_touch" and not which:
        found = [h for h in found if h.milestones.first_touch_at is None] or found
    if milestone == "kickoff" and not which:
        found = [h for h in found if h.milestones.kickoff_on is None] or found
    return found


def overdue_for(sla: SlaRuntime, ctx: SlackContext, actor: Actor) -> list[kit.Block]:
    """What is past due: a person's own, a sales manager's AE-side, a CS manager's CSM-side,
    everything for RevOps (managers' decisions count for both kinds of manager)."""
    me = {actor.id.lower(), (actor.email or "-").lower()}
    sides: set[str] = set()
    if Role.REVOPS in actor.roles:
        sides = {s.value for s in Side}
    if Role.SALES_MANAGER in actor.roles:
        sides |= {Side.AE.value, Side.MANAGERS.value}
    if Role.CS_MANAGER in actor.roles:
        sides |= {Side.CSM.value, Side.MANAGERS.value}

    def keep(side: str, holders: tuple[str, ...]) -> bool:
        return side in sides or bool(me & {h.lower() for h in holders})

    rows = overdue_items(sla, limit=500, keep=keep)
    title = "Overdue for your team" if sides else "Overdue and waiting on you"
    return views.overdue_blocks(title, rows, user_ids=ctx.directory.known_ids(), now=ctx.clock.now())


def _not_yours(handoff: Handoff) -> str:
    if handoff.status is not Status.ACCEPTED:
        return f"This handoff is {handoff.status.value.replace('_', ' ')}; follow-ups come after the CSM accepts."
    return f"Only the assigned CSM ({escape_mrkdwn(handoff.csm.email)}) records follow-ups on this handoff."


def _why(exc: BatonError) -> str:
    if isinstance(exc, TransitionNotAllowed):
        return "Nothing to snooze: that reminder's step is already done."
    return refusal(exc)
