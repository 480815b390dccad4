"""Drafting the packet from call notes: the button, the notes form, the work after the ack, the review.

The AE clicks "Draft from call notes" in the packet modal (what they typed in that step is saved
first), pastes notes into a form stacked on top, and presses Draft. Baton acks at once (the form
closes), shows a waiting screen in the packet modal, asks the model, and replaces the waiting
screen with the review (views.update with the view id and the hash it last saw). If the AE
closed the modal meanwhile, the suggestions come as an ephemeral message (a DM if that fails)
with a button to review them. The draft under review is kept as a chat reference of the handoff,
so any replica can take the review; nothing reaches the packet until the AE presses Save.

The notes form also lists the text files shared where the handoff lives (files.list, while the
form is being opened); a picked file is checked before the form closes (files.info: still there,
text, not far too long) and downloaded after the ack, its text joined to anything pasted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import ids, shared_files
from bot.slack.context import SlackContext
from bot.slack.guard import Guarded
from bot.slack.listeners_actions import refusal, save_what_is_valid
from bot.slack.shared_files import FileUnusable, Place, SharedFile
from bot.slack.views import drafting, packet, suggestions
from bot.slack.views.drafting import DraftRef
from bot.slack.views.state import read_step_values
from core import commands as c
from core.drafting import Draft, Drafter, check_notes, draft_from_notes
from core.errors import BatonError, DraftingError, MissingInput, NotesTooLong, PacketInvalid
from core.handoff import Handoff
from core.machine import Status

log = logging.getLogger(__name__)
LIST_SECONDS = 1.5  # files.list before the notes form opens: a trigger_id lives 3 seconds
CHECK_SECONDS = 1.5  # files.info before the form is answered: Slack waits 3 seconds for it


def register(app: Guarded, ctx: SlackContext, drafter: Drafter) -> None:
    async def start(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The button in the packet modal: keep this step's typing, then stack the notes form on top."""
        await ack()
        ref = ids.Ref.loads(body["actions"][0]["value"])
        actor = await ctx.directory.actor(client, body["user"]["id"])
        handoff = await ctx.read(ctx.service.get, ref.h)
        if not handoff.can_edit(actor):
            return
        place = Place.of(await ctx.read(ctx.refs.all, ref.h))
        listing = asyncio.create_task(_offered_files(client, place)) if place else None
        steps = packet.packet_steps(ctx.playbook)
        fields = steps[min(ref.step, len(steps) - 1)].fields
        try:
            await save_what_is_valid(ctx, ref.h, actor, read_step_values(body["view"]["state"]["values"], fields))
        finally:
            files = await listing if listing else []
        where = DraftRef(h=ref.h, step=ref.step, pv=body["view"]["id"], ph=body["view"]["hash"], flag=ref.flag)
        label = drafting.files_place(files[0].channel_name if files else "", thread=bool(place and place.thread_ts))
        view = drafting.notes_modal(ctx.playbook, where, files=files, place=label)
        await client.views_push(trigger_id=body["trigger_id"], view=view)

    async def notes_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                              client: AsyncWebClient) -> None:
        where = DraftRef.loads(view["private_metadata"])
        values = view["state"]["values"]
        notes = drafting.read_notes(values)
        file_id = drafting.read_file_choice(values)
        offered = drafting.FILE_BLOCK in values
        try:
            if file_id is None or len(notes) > ctx.playbook.llm.max_notes_chars:
                check_notes(notes, ctx.playbook)
        except (NotesTooLong, MissingInput) as exc:
            reason = drafting.notes_error(exc if isinstance(exc, NotesTooLong) else None, files=offered)
            await ack(response_action="errors", errors={"notes_1": reason})
            return
        chosen: SharedFile | None = None
        if file_id is not None:
            try:
                chosen = await _checked_file(ctx, client, where, file_id, seconds=CHECK_SECONDS)
            except FileUnusable as exc:
                await ack(response_action="errors", errors={drafting.FILE_BLOCK: drafting.file_error(exc)})
                return
            except (SlackApiError, TimeoutError, aiohttp.ClientError) as exc:  # checked again after the ack
                log.info("file %s not checked before the ack: %s", file_id, _slack_error(exc))
        await ack()  # the form closes; the rest happens after Slack has its answer
        await _draft(ctx, drafter, client, user=body["user"]["id"], where=where, notes=notes, file_id=file_id,
                     chosen=chosen)

    async def review_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                               client: AsyncWebClient) -> None:
        where = DraftRef.loads(view["private_metadata"])
        draft = await _kept(ctx, where)
        if draft is None:
            await ack(response_action="update", view=drafting.failure_view(where, drafting.GONE))
            return
        actor = await ctx.directory.actor(client, body["user"]["id"])
        review = suggestions.read_review(view["state"]["values"], ctx.playbook, draft)
        cmd = c.ApplySuggestions(where.h, actor, review.values, review.reviewed, draft.model, draft.prompt_version)
        try:
            await ctx.run(ctx.service.apply_suggestions, cmd)
        except PacketInvalid as exc:
            errors = {review.blocks[f]: m for f, m in exc.errors.items() if f in review.blocks}
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            await ack(response_action="update", view=drafting.failure_view(where, refusal(exc)))
            return
        except BatonError as exc:
            await ack(response_action="update", view=drafting.failure_view(where, refusal(exc)))
            return
        await _forget(ctx, where)
        handoff = await ctx.read(ctx.service.get, where.h)
        await ack(response_action="update", view=_packet_view(ctx, handoff, where, editable=True))

    async def back(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """From the review or a failure back to the packet step the AE left; the draft is let go."""
        await ack()
        where = DraftRef.loads(body["actions"][0]["value"])
        if where.d and await _kept(ctx, where) is not None:
            await _forget(ctx, where)
        actor = await ctx.directory.actor(client, body["user"]["id"])
        handoff = await ctx.read(ctx.service.get, where.h)
        view = _packet_view(ctx, handoff, where, editable=handoff.can_edit(actor))
        await client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)

    async def open_review(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The button in the message sent when the modal had been closed."""
        await ack()
        where = DraftRef.loads(body["actions"][0]["value"])
        user = body["user"]["id"]
        draft = await _kept(ctx, where)
        handoff = await ctx.read(ctx.service.get, where.h)
        actor = await ctx.directory.actor(client, user)
        if draft is None or not handoff.can_edit(actor):
            reason = drafting.GONE if draft is None else "You can no longer edit this packet."
            await client.views_open(trigger_id=body["trigger_id"], view=drafting.failure_view(where, reason))
            return
        view = suggestions.review_view(handoff, ctx.playbook, draft, where)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    app.action(drafting.DRAFT_FROM_NOTES)(start)
    app.action(drafting.DRAFT_BACK)(back)
    app.action(drafting.DRAFT_OPEN_REVIEW)(open_review)
    app.view_submission(drafting.NOTES_FORM)(notes_submitted)
    app.view_submission(drafting.DRAFT_REVIEW)(review_submitted)


async def _offered_files(client: AsyncWebClient, place: Place) -> list[SharedFile]:
    """The text files to offer in the notes form; none when Slack cannot list them quickly."""
    try:
        return await asyncio.wait_for(shared_files.text_files(client, place), LIST_SECONDS)
    except (SlackApiError, TimeoutError, aiohttp.ClientError) as exc:  # e.g. missing_scope before files:read
        log.info("no shared files offered for drafting: %s", _slack_error(exc))
    except Exception:  # the form opens without the picker rather than not at all
        log.exception("listing the shared files failed")
    return []


def _slack_error(exc: Exception) -> str:
    return str(exc.response.get("error")) if isinstance(exc, SlackApiError) else type(exc).__name__


async def _checked_file(ctx: SlackContext, client: AsyncWebClient, where: DraftRef, file_id: str, *,
                        seconds: float | None = None) -> SharedFile:
    """The picked file, if it is still a text file shared where the handoff lives."""
    place = Place.of(await ctx.read(ctx.refs.all, where.h))
    if place is None:
        raise FileUnusable(FileUnusable.GONE)
    check = shared_files.file_info(client, file_id, place, limit=ctx.playbook.llm.max_notes_chars)
    return await asyncio.wait_for(check, seconds)


async def _with_file(ctx: SlackContext, client: AsyncWebClient, where: DraftRef, notes: str, file_id: str,
                     chosen: SharedFile | None) -> str:
    """The pasted notes and the file's text, one after the other, within the notes limit."""
    limit = ctx.playbook.llm.max_notes_chars
    if chosen is None:
        try:
            chosen = await _checked_file(ctx, client, where, file_id)
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.info("file %s not checked: %s", file_id, _slack_error(exc))
            raise FileUnusable(FileUnusable.UNREACHABLE) from None
    text = await shared_files.read_text(client, chosen, limit=limit)
    log.info("read file %s for %s: %d bytes, %d characters", chosen.id, where.h, chosen.size, len(text))
    combined = "\n\n".join(part for part in (notes, text) if part)
    if len(combined) > limit:
        raise FileUnusable(FileUnusable.TOO_LONG, name=chosen.label, length=len(combined), limit=limit,
                           with_pasted=True)
    return combined


async def _draft(ctx: SlackContext, drafter: Drafter, client: AsyncWebClient, *, user: str, where: DraftRef,
                 notes: str, file_id: str | None = None, chosen: SharedFile | None = None) -> None:
    """Ask the model, then show the review (or why there is none) where the AE will see it."""
    actor = await ctx.directory.actor(client, user)
    handoff = await ctx.read(ctx.service.get, where.h)
    if not handoff.can_edit(actor):
        return
    reading = chosen.label if chosen else ("the shared file" if file_id else "")
    seen = await _show(client, where.pv, where.ph, drafting.waiting_view(where, characters=len(notes), file=reading))
    try:
        if file_id is not None:
            notes = await _with_file(ctx, client, where, notes, file_id, chosen)
        draft = await draft_from_notes(notes, playbook=ctx.playbook, drafter=drafter,
                                       close_date=handoff.deal.closed_at.date(), current=handoff.packet)
    except Exception as exc:  # a DraftingError is expected; anything else is a bug, but the AE still hears
        if isinstance(exc, DraftingError):
            log.info("no draft for %s: %s", where.h, type(exc).__name__)
        else:
            log.exception("drafting for %s failed", where.h)
        reason = drafting.failure_text(exc)
        if await _show(client, where.pv, seen, drafting.failure_view(where, reason)) is None:
            await _tell(ctx, client, handoff, user, text=reason)
        return
    log.info("draft for %s: %d suggested, %d conflicts, %d dropped, %d parts", where.h, len(draft.suggestions),
             len(draft.conflicts), len(draft.dropped), draft.parts)
    ref = replace(where, d=secrets.token_hex(6))
    record = json.dumps({"id": ref.d, "user": user, "draft": draft.to_dict()})
    await ctx.run(lambda: ctx.refs.set(where.h, drafting.DRAFT_REF, record, at=ctx.clock.now()))
    if await _show(client, where.pv, seen, suggestions.review_view(handoff, ctx.playbook, draft, ref)) is None:
        text, blocks = drafting.ready_message(handoff, ctx.playbook, draft, replace(ref, pv="", ph=""))
        await _tell(ctx, client, handoff, user, text=text, blocks=blocks)


async def _show(client: AsyncWebClient, view_id: str, seen: str | None, view: dict[str, Any]) -> str | None:
    """Replace the AE's packet modal, if it is still open and unchanged; the new hash, else None."""
    if not view_id or seen is None:
        return None
    try:
        response = await client.views_update(view_id=view_id, hash=seen or None, view=view)
    except SlackApiError as exc:  # not_found: the modal was closed; hash_conflict: it moved on
        log.info("drafting screen not shown: %s", exc.response.get("error"))
        return None
    return str(response["view"]["hash"])


async def _tell(ctx: SlackContext, client: AsyncWebClient, handoff: Handoff, user: str, *, text: str,
                blocks: list[dict[str, Any]] | None = None) -> None:
    """An ephemeral message in the handoff's channel, or a DM when that cannot be delivered."""
    refs = await ctx.read(ctx.refs.all, handoff.id)
    channel = refs.get("slack.channel")
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.info("ephemeral not delivered (%s); sending a DM", exc.response.get("error"))
    await client.chat_postMessage(channel=user, text=text, blocks=blocks)


async def _kept(ctx: SlackContext, where: DraftRef) -> Draft | None:
    """The draft under review, if `where` still names it."""
    refs = await ctx.read(ctx.refs.all, where.h)
    try:
        record = json.loads(refs.get(drafting.DRAFT_REF) or "null")
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("id") != where.d:
        return None
    return Draft.from_dict(record["draft"])


async def _forget(ctx: SlackContext, where: DraftRef) -> None:
    """Let go of the draft under review: notes-derived text stays only as long as it is needed."""
    await ctx.run(lambda: ctx.refs.set(where.h, drafting.DRAFT_REF, "", at=ctx.clock.now()))


def _packet_view(ctx: SlackContext, handoff: Handoff, where: DraftRef, *, editable: bool) -> dict[str, Any]:
    flag = where.flag or (handoff.escalations[-1].fields if handoff.status is Status.ESCALATED else ())
    return packet.packet_modal(handoff, ctx.playbook, step=where.step, flag=flag, read_only=not editable,
                               user_ids=ctx.directory.known_ids(), llm_enabled=True)
