"""Delivers domain events to Slack: the handoff's place (channel or thread), its pinned card,
DMs to the people who hold the ball, and the manager thread for exceptions.

Each delivery is a list of named steps. A finished step is recorded, so a delivery retried
after a crash, an outage or a rate-limit pause resumes where it stopped, and the CSM's direct
message goes out before the slower channel set-up (Tier 2 rate limits) holds anything up.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from bot.delivery import RetryLater
from bot.notices import notices_for
from bot.slack import ids
from bot.slack.calls import DELIVERY, SlackCaller, SlackRefused
from bot.slack.directory import SlackDirectory
from bot.slack.escape import literal
from bot.slack.mailbox import Mailbox, Notice
from bot.slack.places import SlackPlaces
from bot.slack.views import threads
from bot.slack.views.brief import brief as build_brief
from bot.slack.views.card import card_text, handoff_card
from core import events as ev
from core.handoff import Handoff
from core.playbook import Place, Playbook
from core.ports import Clock
from core.services import HandoffService
from storage.chat_refs import ChatRefs

Step = Callable[[], Awaitable[str]]
_LOOKUP_GRACE = 1.0  # a CSM lookup this long overdue no longer holds AEs back (it failed)


class SlackNotifier:
    def __init__(
        self, *, call: SlackCaller, service: HandoffService, playbook: Playbook, refs: ChatRefs,
        directory: SlackDirectory, clock: Clock,
    ) -> None:
        self._call = call
        self._service = service
        self._playbook = playbook
        self._refs = refs
        self._directory = directory
        self._clock = clock
        self._places = SlackPlaces(call=call, playbook=playbook, refs=refs, clock=clock)
        self._mailbox = Mailbox()
        self._csm_lookups: dict[str, float] = {}  # CSM email -> when its queued lookup is due

    async def deliver(self, event: ev.Event, key: str) -> None:
        DELIVERY.set(key)
        handoff = await asyncio.to_thread(self._service.get, event.handoff_id)
        delivery = _Delivery(self, key, handoff)
        await delivery.load()
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            await handler(self, delivery, event)

    async def _opened(self, d: _Delivery, event: ev.Event) -> None:
        h = d.handoff
        # The CSM must hear within minutes even when channel set-up queues behind Slack's
        # Tier 2 limits, so their DM comes before anything else, the AE's lookup included.
        csm_id = await self._csm_first(d, h.csm.email)
        news = _notice_text(event, h, self._playbook, "csm")
        if csm_id and news:
            await d.dm("dm_csm", csm_id, news)
        self._after_csm_lookups(h.ae.email)
        ae_id = await d.person(h.ae.email)
        if self._playbook.segment(h.segment).place is Place.CHANNEL:
            await self._places.open_channel(d, ae_id=ae_id, csm_id=csm_id)
        else:
            await self._places.open_thread(d, ae_id=ae_id, csm_id=csm_id)
        if ae_id:
            await d.dm("dm_ae", ae_id, _fill_text(h), blocks=_fill_blocks(h))

    async def _csm_first(self, d: _Delivery, email: str) -> str | None:
        """The CSM's id; while it waits on Slack's Tier 3 limit, remember when it is due."""
        key = email.lower()
        try:
            user_id = await d.person(email)
        except RetryLater as later:
            self._csm_lookups[key] = time.monotonic() + later.seconds
            raise
        self._csm_lookups.pop(key, None)
        return user_id

    def _after_csm_lookups(self, email: str) -> None:
        """At quarter end every new person costs a `users.lookupByEmail` (Tier 3, shared by
        all). A CSM's lookup stands between them and their first notice, an AE's only between
        a deal and its channel (which waits on Tier 2 anyway): an AE not yet known waits until
        the CSMs' lookups that are queued have gone out."""
        if email.lower() in self._directory.known_ids():
            return
        now = time.monotonic()
        due = [at for at in self._csm_lookups.values() if at > now - _LOOKUP_GRACE]
        if len(due) < len(self._csm_lookups):
            self._csm_lookups = {k: at for k, at in self._csm_lookups.items() if at > now - _LOOKUP_GRACE}
        if due:
            raise RetryLater(max(max(due) - now, 0.0) + 0.02, "CSMs' lookups before AEs'", counts=False)

    async def _edited(self, d: _Delivery, event: ev.Event) -> None:
        await d.refresh_card()

    async def _submitted(self, d: _Delivery, event: ev.Event) -> None:
        await d.refresh_card()
        csm_id = await d.person(d.handoff.csm.email)
        if csm_id:
            blocks = build_brief(d.handoff, self._playbook, user_ids=d.user_ids)
            text = _notice_text(event, d.handoff, self._playbook, "csm")

            async def send_brief() -> str:
                answer = await self._call("chat.postMessage", channel_key=csm_id, channel=csm_id, text=text,
                                          blocks=blocks)
                await d.set_ref("brief", json.dumps({"channel": answer["channel"], "ts": answer["ts"]}))
                return str(answer["ts"])

            await d.step("brief", send_brief)
        await d.step("announce", lambda: d.post_in_place(_notice_text(event, d.handoff, self._playbook, "csm")))

    async def _override_requested(self, d: _Delivery, event: ev.Event) -> None:
        request = d.handoff.overrides[-1]
        blocks = threads.override_request_blocks(d.handoff, self._playbook, request, user_ids=d.user_ids)
        managers = await self._places.manager_ids(d)
        text = " ".join(f"<@{m}>" for m in managers) + " an exception needs a decision"

        async def ask() -> str:
            ts = await d.post_in_place(text.strip(), blocks=blocks, threaded=True)
            await d.set_ref("override_ts", ts)
            return ts

        await d.step("ask_managers", ask)
        await d.refresh_card()

    async def _override_decided(self, d: _Delivery, event: ev.Event) -> None:
        request = d.handoff.overrides[-1]
        ts, channel = d.refs.get("override_ts"), d.refs.get("channel")
        if ts and channel:
            blocks = threads.override_decided_blocks(d.handoff, self._playbook, request, user_ids=d.user_ids)
            await d.step("update_request", lambda: d.update(channel, ts, "Exception decided", blocks))
        await d.refresh_card()
        await d.tell("ae", event)

    async def _escalated(self, d: _Delivery, event: ev.Event) -> None:
        escalation = d.handoff.escalations[-1]
        ae_id = await d.person(d.handoff.ae.email)
        if ae_id:
            blocks = threads.escalation_blocks(d.handoff, self._playbook, escalation, user_ids=d.user_ids)
            text = _notice_text(event, d.handoff, self._playbook, "ae")
            await d.dm("dm_ae", ae_id, text, blocks=blocks)
        await d.close_brief("Sent back to the AE")
        await d.refresh_card()
        await d.step("announce", lambda: d.post_in_place(_notice_text(event, d.handoff, self._playbook, "ae")))

    async def _flipped(self, d: _Delivery, event: ev.Event) -> None:
        await d.refresh_card()
        await d.close_brief("Accepted")
        blocks = threads.flip_announcement(d.handoff, user_ids=d.user_ids)
        await d.step("announce", lambda: d.post_in_place(_notice_text(event, d.handoff, self._playbook, "channel"),
                                                         blocks=blocks))

    async def _crm_noted(self, d: _Delivery, event: ev.Event) -> None:
        """The CRM write-back needs a person (owner changed meanwhile, CSM without a CRM user)."""
        assert isinstance(event, ev.CrmNoted)
        text = (f":warning: CRM, {literal(d.handoff.deal.account)} ({d.handoff.id}): {literal(event.message)}")
        await d.step("tell_revops", lambda: self._places.tell_revops(d, text))

    async def _other(self, d: _Delivery, event: ev.Event) -> None:
        await d.refresh_card()
        for audience in ("channel", "csm", "ae", "managers"):
            text = _notice_text(event, d.handoff, self._playbook, audience)
            if text:
                await d.step(f"tell_{audience}", partial(d.post_in_place, text))


class _Delivery:
    """One outbox message's delivery: its recorded steps and the handoff's Slack references."""

    def __init__(self, notifier: SlackNotifier, key: str, handoff: Handoff) -> None:
        self.n = notifier
        self.key = key
        self.handoff = handoff
        self.refs: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}

    async def load(self) -> None:
        stored = await asyncio.to_thread(self.n._refs.all, self.handoff.id)
        self.refs = {k.removeprefix("slack."): v for k, v in stored.items() if k.startswith("slack.")}
        self.user_ids = self.n._directory.known_ids()

    async def step(self, name: str, action: Step) -> str:
        step_key = f"{self.key}:{name}"
        done = await asyncio.to_thread(self.n._refs.step_result, step_key)
        if done is not None:
            return done
        result = await action()
        await asyncio.to_thread(self.n._refs.record_step, step_key, result, at=self.n._clock.now())
        return result

    async def dm(self, name: str, user_id: str, text: str, *, blocks: list[dict[str, Any]] | None = None) -> None:
        """A direct message as the recorded step `name`, merged with the person's other DMs
        that are waiting on Slack's rate limit (see bot/slack/mailbox.py)."""
        step_key = f"{self.key}:{name}"
        refs = self.n._refs
        if await asyncio.to_thread(refs.step_result, step_key) is not None:
            return
        mailbox = self.n._mailbox
        mailbox.add(user_id, Notice(step_key, text, tuple(blocks or ())))
        follow = mailbox.follow(user_id)
        if follow is not None:
            raise RetryLater(follow, "sent with the DM already waiting for this person", counts=False)
        async with mailbox.lock(user_id):
            while await asyncio.to_thread(refs.step_result, step_key) is None:
                message = mailbox.next_message(user_id)
                if message is None:  # sent, then the record vanished: cannot happen; post again
                    mailbox.add(user_id, Notice(step_key, text, tuple(blocks or ())))
                    continue
                hold = mailbox.hold(user_id, self.n._call.limiter.interval("chat.postMessage", user_id))
                if hold > 0:
                    mailbox.scheduled(user_id, hold)
                    raise RetryLater(hold, "gathering this person's DMs into one message", counts=False)
                try:
                    ts = await self.post(user_id, message.text, blocks=message.blocks, key=user_id)
                except RetryLater as later:
                    if not later.counts:  # paced: the others waiting for this person come along
                        mailbox.scheduled(user_id, later.seconds)
                    raise
                # Every notice the message carried is done: their deliveries find it so.
                steps = [n.step for n in message.notices]
                await asyncio.to_thread(_record_steps, refs, steps, ts, self.n._clock.now())
                mailbox.sent(user_id, message)

    async def set_ref(self, name: str, value: str) -> None:
        self.refs[name] = value
        await asyncio.to_thread(self.n._refs.set, self.handoff.id, f"slack.{name}", value, at=self.n._clock.now())

    async def person(self, email: str) -> str | None:
        user_id = await self.n._directory.user_id(self.n._call, email, at=self.n._clock.now())
        if user_id is None:
            await self.step(f"unknown:{email.lower()}", lambda: self.n._places.report_unknown(self, email))
        else:
            self.user_ids[email.lower()] = user_id
        return user_id

    async def post(self, channel: str, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   key: str | None = None, thread_ts: str | None = None) -> str:
        params: dict[str, Any] = {"channel": channel, "text": text}
        if blocks:
            params["blocks"] = blocks
        if thread_ts:
            params["thread_ts"] = thread_ts
        answer = await self.n._call("chat.postMessage", channel_key=key or channel, **params)
        return str(answer["ts"])

    async def post_in_place(self, text: str, *, blocks: list[dict[str, Any]] | None = None,
                            threaded: bool = False) -> str:
        """Post where the handoff lives; `threaded` keeps a conversation (an exception asked and
        decided) under the card even in a dedicated channel."""
        channel = self.refs.get("channel")
        if not channel:
            return "no-place"  # the place could not be set up; DMs still carried the news
        thread_ts = self.refs.get("thread_ts") or (self.refs.get("card_ts") if threaded else None)
        return await self.post(channel, text, blocks=blocks, thread_ts=thread_ts)

    async def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> str:
        await self.n._call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks)
        return ts

    async def refresh_card(self) -> None:
        """The pinned card always shows the handoff as it is now, so replays converge."""
        channel, ts = self.refs.get("channel"), self.refs.get("card_ts")
        if not channel or not ts:
            return
        blocks = handoff_card(self.handoff, self.n._playbook, user_ids=self.user_ids, now=self.n._clock.now())
        text = card_text(self.handoff)
        await self.step("card", lambda: self.update(channel, ts, text, blocks))

    async def close_brief(self, outcome: str) -> None:
        """Take the Accept/Escalate buttons off the CSM's copy of the brief once they are used."""
        if "brief" not in self.refs:
            return
        where = json.loads(self.refs["brief"])
        blocks = [b for b in build_brief(self.handoff, self.n._playbook, user_ids=self.user_ids)
                  if b.get("type") != "actions"]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"*{outcome}*"}]})
        try:
            await self.step("close_brief", lambda: self.update(where["channel"], where["ts"], outcome, blocks))
        except SlackRefused as refused:
            if refused.error != "message_not_found":
                raise

    async def tell(self, audience: str, event: ev.Event) -> None:
        text = _notice_text(event, self.handoff, self.n._playbook, audience)
        email = {"ae": self.handoff.ae.email, "csm": self.handoff.csm.email}.get(audience)
        user_id = await self.person(email) if email else None
        if text and user_id:
            await self.dm(f"dm_{audience}", user_id, text)


def _record_steps(refs: ChatRefs, steps: list[str], result: str, at: datetime) -> None:
    for step in steps:
        refs.record_step(step, result, at=at)


def _notice_text(event: ev.Event, handoff: Handoff, playbook: Playbook, audience: str) -> str:
    return "\n".join(literal(n.text) for n in notices_for(event, handoff, playbook) if n.to == audience)


def _fill_text(handoff: Handoff) -> str:
    return literal(f"{handoff.deal.account} closed: fill the handoff packet for {handoff.csm.email}.")


def _fill_blocks(handoff: Handoff) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": _fill_text(handoff)}},
        {"type": "actions", "block_id": "fill", "elements": [{
            "type": "button", "style": "primary", "action_id": ids.FILL_PACKET,
            "text": {"type": "plain_text", "text": "Fill packet"}, "value": ids.Ref(h=handoff.id).dumps(),
        }]},
    ]


_HANDLERS: dict[type[ev.Event], Callable[[SlackNotifier, _Delivery, ev.Event], Awaitable[None]]] = {
    ev.HandoffOpened: SlackNotifier._opened,
    ev.PacketEdited: SlackNotifier._edited,
    ev.PacketSubmitted: SlackNotifier._submitted,
    ev.OverrideRequested: SlackNotifier._override_requested,
    ev.OverrideApproved: SlackNotifier._override_decided,
    ev.OverrideDenied: SlackNotifier._override_decided,
    ev.HandoffEscalated: SlackNotifier._escalated,
    ev.OwnershipFlipped: SlackNotifier._flipped,
    ev.HandoffCancelled: SlackNotifier._other,
    ev.HandoffPutOnHold: SlackNotifier._other,
    ev.HandoffResumed: SlackNotifier._other,
    ev.CrmNoted: SlackNotifier._crm_noted,
    ev.HandoffClosed: SlackNotifier._other,
    ev.CsmReassigned: SlackNotifier._other,
    ev.MilestoneRecorded: SlackNotifier._edited,
    ev.SlaBreached: SlackNotifier._other,
}
