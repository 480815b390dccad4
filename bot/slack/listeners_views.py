"""Modal submissions and closes: validate, save, and answer in the HTTP response itself.

Slack shows `response_action: errors` under the fields and `update` as the next screen; both
must come back within 3 seconds, which a local database write easily makes.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import ids
from bot.slack.context import SlackContext
from bot.slack.guard import Guarded
from bot.slack.listeners_actions import refusal, remember_step, save_what_is_valid
from bot.slack.views import deal_form, packet
from bot.slack.views.review import review_modal, submitted_modal
from bot.slack.views.state import read_step_values, value_of
from core import commands as c
from core import manual_deal as md
from core.deal import Deal
from core.errors import BatonError, MissingInput, PacketIncomplete, PacketInvalid
from core.manual_deal import DealEntry, deal_from_entry


def register(app: Guarded, ctx: SlackContext) -> None:
    async def packet_step(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        ref = ids.Ref.loads(view["private_metadata"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        steps = packet.packet_steps(ctx.playbook)
        step = min(ref.step, len(steps) - 1)
        raw = read_step_values(view["state"]["values"], steps[step].fields)
        try:
            await ctx.run(ctx.service.save_draft, c.SaveDraft(ref.h, actor, raw))
        except PacketInvalid as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        except BatonError as exc:
            await ack(response_action="errors", errors={steps[step].fields[0].id: refusal(exc)})
            return
        handoff = await ctx.read(ctx.service.get, ref.h)
        if step + 1 < len(steps):
            await remember_step(ctx, ref.h, step + 1)
            next_view = packet.packet_modal(handoff, ctx.playbook, step=step + 1, flag=ref.flag,
                                            user_ids=ctx.directory.known_ids(), llm_enabled=ctx.llm_enabled)
            await ack(response_action="update", view=next_view)
            return
        try:
            await ctx.run(ctx.service.submit, c.SubmitPacket(ref.h, actor))
        except PacketIncomplete as exc:
            await ack(response_action="update", view=review_modal(handoff, ctx.playbook, missing=exc.missing))
            return
        except BatonError as exc:
            await ack(response_action="errors", errors={steps[step].fields[0].id: refusal(exc)})
            return
        await ack(response_action="update", view=submitted_modal(handoff))

    async def packet_closed(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        """Closing the modal keeps what was typed in the open step (the others are saved already)."""
        await ack()
        ref = ids.Ref.loads(view["private_metadata"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        steps = packet.packet_steps(ctx.playbook)
        raw = read_step_values(view["state"]["values"], steps[min(ref.step, len(steps) - 1)].fields)
        handoff = await ctx.read(ctx.service.get, ref.h)
        if handoff.can_edit(actor):
            await save_what_is_valid(ctx, ref.h, actor, raw)
            await remember_step(ctx, ref.h, ref.step)

    async def escalate_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        ref = ids.Ref.loads(view["private_metadata"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        fields = tuple(value_of(view["state"]["values"], ids.ESCALATE_FIELDS_BLOCK) or ())
        reason = (value_of(view["state"]["values"], ids.ESCALATE_REASON_BLOCK) or "").strip()
        if not reason:
            await ack(response_action="errors", errors={ids.ESCALATE_REASON_BLOCK: "Say what is missing or wrong."})
            return
        try:
            await ctx.run(ctx.service.escalate, c.EscalateHandoff(ref.h, actor, fields, reason))
        except BatonError as exc:
            await ack(response_action="errors", errors={ids.ESCALATE_REASON_BLOCK: refusal(exc)})
            return
        await ack()

    async def override_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        ref = ids.Ref.loads(view["private_metadata"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        reason = (value_of(view["state"]["values"], ids.OVERRIDE_REASON_BLOCK) or "").strip()
        try:
            await ctx.run(ctx.service.request_override, c.RequestOverride(ref.h, actor, reason))
        except MissingInput:
            await ack(response_action="errors", errors={ids.OVERRIDE_REASON_BLOCK: "Give managers a reason."})
            return
        except BatonError as exc:
            await ack(response_action="errors", errors={ids.OVERRIDE_REASON_BLOCK: refusal(exc)})
            return
        await ack(response_action="clear")

    async def open_deal_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        values = view["state"]["values"]
        user = body["user"]["id"]
        errors, deal = await _deal_from_form(ctx, client, values, opener=user)
        if errors or deal is None:
            await ack(response_action="errors", errors=errors)
            return
        actor = await ctx.directory.actor(client, user)
        try:
            opened = await ctx.run(ctx.service.open_handoff, c.OpenHandoff(deal=deal, actor=actor,
                                                                          event_id=f"slack-view:{view['id']}"))
        except BatonError as exc:
            await ack(response_action="errors", errors={deal_form.DEAL_ID_BLOCK: refusal(exc)})
            return
        # The answer itself confirms it; the channel, card and DMs follow from the outbox.
        await ack(response_action="update", view=deal_form.opened_modal(deal, created=opened.created))

    app.view_submission(ids.PACKET_STEP)(packet_step)
    app.view_closed(ids.PACKET_STEP)(packet_closed)
    app.view_submission(ids.ESCALATE_FORM)(escalate_form)
    app.view_submission(ids.OVERRIDE_FORM)(override_form)
    app.view_submission(ids.OPEN_DEAL_FORM)(open_deal_form)


async def _deal_from_form(
    ctx: SlackContext, client: AsyncWebClient, values: dict[str, Any], *, opener: str,
) -> tuple[dict[str, str], Deal | None]:
    """Read `/handoff open`'s form (people as Slack ids, resolved to emails); core/manual_deal
    checks it; errors map block ids to what is wrong."""
    form = deal_form.read_open_deal_form(values)
    ae = await ctx.directory.actor(client, form.ae_user or opener)
    csm_email = (await ctx.directory.actor(client, form.csm_user)).email if form.csm_user else None
    entry = DealEntry(deal_id=form.deal_id, name=form.name, account=form.account, amount=form.amount,
                      currency=form.currency, close_date=form.close_date, ae_email=ae.email, csm_email=csm_email,
                      segment=form.segment)
    errors, deal = deal_from_entry(entry, playbook=ctx.playbook, now=ctx.clock.now())
    blocks = {md.DEAL_ID: deal_form.DEAL_ID_BLOCK, md.NAME: deal_form.DEAL_NAME_BLOCK, md.ACCOUNT: deal_form.ACCOUNT_BLOCK,
              md.AMOUNT: deal_form.AMOUNT_BLOCK, md.CURRENCY: deal_form.CURRENCY_BLOCK,
              md.CLOSE_DATE: deal_form.CLOSE_DATE_BLOCK, md.AE_EMAIL: deal_form.AE_BLOCK,
              md.CSM_EMAIL: deal_form.CSM_BLOCK, md.SEGMENT: deal_form.SEGMENT_BLOCK}
    if not ae.email:
        errors[md.AE_EMAIL] = "Baton cannot read this person's email (it needs the users:read.email scope)."
    return {blocks[key]: message for key, message in errors.items()}, None if errors else deal
