"""Button clicks (block_actions): ack at once, then check who clicked and act.

Refusals are ephemeral and name who may do it, so a wrong click teaches rather than fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import ids
from bot.slack.context import SlackContext
from bot.slack.escape import escape_mrkdwn
from bot.slack.guard import Guarded
from bot.slack.views import forms, packet
from bot.slack.views.state import read_step_values
from core import commands as c
from core.errors import (
    BatonError,
    NotPermitted,
    PacketIncomplete,
    PacketInvalid,
)
from core.handoff import Handoff
from core.machine import Status, Trigger
from core.people import Actor
from core.presentation import refusal as presentation

log = logging.getLogger(__name__)


def register(app: Guarded, ctx: SlackContext) -> None:
    async def open_packet(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ref = ids.Ref.loads(body["actions"][0]["value"])
        handoff = await ctx.read(ctx.service.get, ref.h)
        actor = await ctx.directory.actor(client, body["user"]["id"])
        read_only = not handoff.can_edit(actor)
        flag = ref.flag or (handoff.escalations[-1].fields if handoff.status is Status.ESCALATED else ())
        step = ref.step if ref.step or read_only or flag else await last_step(ctx, ref.h)
        view = packet.packet_modal(handoff, ctx.playbook, step=step, flag=flag, read_only=read_only,
                                   user_ids=ctx.directory.known_ids(), llm_enabled=ctx.llm_enabled)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def move_step(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Back/Next inside the packet modal: keep what was typed, then show the other step."""
        await ack()
        ref = ids.Ref.loads(body["actions"][0]["value"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        handoff = await ctx.read(ctx.service.get, ref.h)
        editable = handoff.can_edit(actor)
        if editable:
            steps = packet.packet_steps(ctx.playbook)
            fields = steps[min(ref.step, len(steps) - 1)].fields
            await save_what_is_valid(ctx, ref.h, actor, read_step_values(body["view"]["state"]["values"], fields))
            handoff = await ctx.read(ctx.service.get, ref.h)
        target = ref.step + (1 if body["actions"][0]["action_id"] == ids.PACKET_NEXT else -1)
        if editable:
            await remember_step(ctx, ref.h, target)
        view = packet.packet_modal(handoff, ctx.playbook, step=target, flag=ref.flag, read_only=not editable,
                                   user_ids=ctx.directory.known_ids(), llm_enabled=ctx.llm_enabled)
        await client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)

    async def submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ref, user, channel = _click(body)
        actor = await ctx.directory.actor(client, user)
        try:
            await ctx.run(ctx.service.submit, c.SubmitPacket(ref.h, actor))
        except PacketIncomplete as exc:
            labels = ", ".join(ctx.playbook.field(f).label for f in exc.missing)
            await ctx.ephemeral(client, channel=channel, user=user, text=(
                f"Not yet: {escape_mrkdwn(labels)} still empty. Fill them with *Fill packet*, or use "
                "*Ask a manager to override* if this deal really cannot have them."))
        except BatonError as exc:
            await ctx.ephemeral(client, channel=channel, user=user, text=refusal(exc))

    async def ask_override(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ref, user, channel = _click(body)
        handoff = await ctx.read(ctx.service.get, ref.h)
        actor = await ctx.directory.actor(client, user)
        if not handoff.ae.matches(actor):
            await ctx.ephemeral(client, channel=channel, user=user, text="Only the deal's AE asks for an exception.")
            return
        view = forms.override_modal(handoff, ctx.playbook)
        if body.get("view"):  # clicked inside the packet modal: stack the form on top of it
            await client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def attempt(client: AsyncWebClient, body: dict[str, Any], change: Callable[[Actor, str], Any]) -> None:
        """Ack, then make the change as the person who clicked; a refusal reaches only them."""
        ref, user, channel = _click(body)
        actor = await ctx.directory.actor(client, user)
        try:
            await ctx.run(change, actor, ref.h)
        except BatonError as exc:
            await ctx.ephemeral(client, channel=channel, user=user, text=refusal(exc))

    async def decide(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        approve = body["actions"][0]["action_id"] == ids.APPROVE_OVERRIDE
        await attempt(client, body, lambda actor, h: ctx.service.decide_override(c.DecideOverride(h, actor, approve)))

    async def accept(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ref, user, channel = _click(body)
        actor = await ctx.directory.actor(client, user)
        try:
            await ctx.run(ctx.service.accept, c.AcceptHandoff(ref.h, actor))
        except NotPermitted as exc:
            handoff = await ctx.read(ctx.service.get, ref.h)
            await ctx.ephemeral(client, channel=channel, user=user, text=refusal(exc, handoff=handoff, actor=actor))
        except BatonError as exc:
            await ctx.ephemeral(client, channel=channel, user=user, text=refusal(exc))

    async def escalate(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ref, user, channel = _click(body)
        handoff = await ctx.read(ctx.service.get, ref.h)
        actor = await ctx.directory.actor(client, user)
        try:
            handoff.check(Trigger.ESCALATE, actor)
        except BatonError as exc:
            await ctx.ephemeral(client, channel=channel, user=user, text=refusal(exc, handoff=handoff, actor=actor))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=forms.escalate_modal(handoff, ctx.playbook))

    async def first_touch(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await attempt(client, body, lambda actor, h: ctx.service.record_milestone(
            c.RecordMilestone(h, actor, "first_touch")))

    app.action(ids.FILL_PACKET)(open_packet)
    app.action(ids.VIEW_PACKET)(open_packet)
    app.action(ids.OPEN_HOME_HANDOFF)(open_packet)
    app.action(ids.PACKET_BACK)(move_step)
    app.action(ids.PACKET_NEXT)(move_step)
    app.action(ids.SUBMIT_PACKET)(submit)
    app.action(ids.REQUEST_OVERRIDE)(ask_override)
    app.action(ids.APPROVE_OVERRIDE)(decide)
    app.action(ids.DENY_OVERRIDE)(decide)
    app.action(ids.ACCEPT)(accept)
    app.action(ids.ESCALATE)(escalate)
    app.action(ids.RECORD_FIRST_TOUCH)(first_touch)


def _click(body: dict[str, Any]) -> tuple[ids.Ref, str, str | None]:
    ref = ids.Ref.loads(body["actions"][0]["value"])
    channel = (body.get("channel") or body.get("container", {})).get("id") or body.get("container", {}).get("channel_id")
    return ref, body["user"]["id"], channel


def refusal(exc: BatonError, *, handoff: Handoff | None = None, actor: Actor | None = None) -> str:
    """Domain errors in words for the person who clicked (core/presentation/refusal.py), escaped."""
    return escape_mrkdwn(presentation.refusal(exc, handoff=handoff, actor=actor))


PACKET_STEP_REF = "packet.step"  # where the AE last was in the packet modal, to reopen it there


async def remember_step(ctx: SlackContext, handoff_id: str, step: int) -> None:
    await ctx.read(lambda: ctx.refs.set(handoff_id, PACKET_STEP_REF, str(max(0, step)), at=ctx.clock.now()))


async def last_step(ctx: SlackContext, handoff_id: str) -> int:
    """The step the AE last saw (0 before they started); the modal bounds it to the playbook's steps."""
    stored = (await ctx.read(ctx.refs.all, handoff_id)).get(PACKET_STEP_REF, "0")
    return int(stored) if stored.isdigit() else 0


async def save_what_is_valid(ctx: SlackContext, handoff_id: str, actor: Actor, raw: dict[str, Any]) -> None:
    """Keep every value that passes validation: leaving a step never throws typing away."""
    try:
        await ctx.run(ctx.service.save_draft, c.SaveDraft(handoff_id, actor, raw))
    except PacketInvalid as exc:
        valid = {k: v for k, v in raw.items() if k not in exc.errors}
        if valid:
            await ctx.run(ctx.service.save_draft, c.SaveDraft(handoff_id, actor, valid))
    except NotPermitted:
        log.info("draft not saved: %s may not edit %s", actor.id, handoff_id)
