"""Delivers SLA nudges, the weekly digest and follow-up feedback to Slack.

`route` wraps the notifier's `deliver`: nudge and digest events come here, everything else
goes on to the notifier (and a recorded 2-week feedback is also posted back to the AE).

A nudge is checked once more at delivery: if its timer stopped between the sweep and now
(the AE submitted a minute ago), it is dropped rather than sent. Each post is a recorded
delivery step, so a retried delivery never posts twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from bot.dispatcher import Deliver
from bot.reporting.digest import digest_chart
from bot.reporting.slack import post_chart
from bot.sla import SlaRuntime, period_of
from bot.slack.calls import SlackCaller
from bot.slack.channels import SlackChannels
from bot.slack.directory import SlackDirectory
from bot.slack.views import nudges as views
from bot.slack.views.fmt import is_slack_id
from core import events as ev
from core.errors import HandoffNotFound
from core.handoff import Handoff
from core.metrics import GroupBy
from core.playbook import Playbook
from core.ports import Clock
from core.presentation.nudges import still_due
from core.reporting import ChartImage
from core.services import HandoffService
from storage.chat_refs import ChatRefs

log = logging.getLogger(__name__)


class SlackNudges:
    def __init__(
        self, *, call: SlackCaller, service: HandoffService, sla: SlaRuntime, playbook: Playbook, refs: ChatRefs,
        directory: SlackDirectory, clock: Clock,
    ) -> None:
        self._call = call
        self._service = service
        self._sla = sla
        self._playbook = playbook
        self._refs = refs
        self._directory = directory
        self._clock = clock
        self._channels = SlackChannels(call=call, refs=refs, clock=clock)

    def route(self, fallback: Deliver) -> Deliver:
        async def deliver(event: ev.Event, key: str) -> None:
            if isinstance(event, ev.NudgeDue):
                await self.nudge(event, key)
            elif isinstance(event, ev.WeeklyDigestDue):
                await self.weekly(event, key)
            elif isinstance(event, ev.NudgeSnoozed):
                return  # shown in place when it was clicked; nothing more to say
            else:
                await fallback(event, key)
                if isinstance(event, ev.MilestoneRecorded) and event.milestone == "feedback":
                    await self.feedback_to_ae(event, key)

        return deliver

    async def nudge(self, event: ev.NudgeDue, key: str) -> None:
        if not event.lead:
            return  # folded into another nudge's digest message
        items = await asyncio.to_thread(self._still_due, event)
        if not items:
            log.info("nudge %s dropped: its timers stopped before delivery", key)
            return
        channel = await self._channel_for(event.recipient)
        if channel is None:
            log.warning("nudge %s not sent: no Slack user or channel for %s", key, event.recipient)
            return
        text, blocks = views.nudge_message(items, recipient=event.recipient, user_ids=self._directory.known_ids(),
                                           now=self._clock.now(), snooze=self._playbook.nudges.snooze)
        await self._step(f"{key}:post", lambda: self._post(channel, text, blocks))

    def _still_due(self, event: ev.NudgeDue) -> list[views.NudgeItem]:
        handoffs = self._sla.handoffs([ref["h"] for ref in event.items])
        return still_due(event.items, event.recipient, handoffs, self._sla.plan)

    async def weekly(self, event: ev.WeeklyDigestDue, key: str) -> None:
        start, end = period_of(event)
        rows = await asyncio.to_thread(self._service.metrics, start, end, by=GroupBy.SEGMENT)
        overdue = await asyncio.to_thread(self._overdue_now)
        text, blocks = views.weekly_digest(rows, overdue, start=start, end=end, user_ids=self._directory.known_ids())
        channel = self._playbook.channels.managers_channel
        targets = [await self.named_channel(channel.lstrip("#"))] if channel else [
            t for t in [await self._channel_for(r) for r in self._playbook.roles.revops] if t]
        label = f"{start:%b %d} to {end:%b %d, %Y}"
        chart = await asyncio.to_thread(
            digest_chart, self._sla.engine, start=start, end=end, label=label,
            thresholds=self._playbook.thresholds, overdue_owners=[o.handoff.owner.email for o in overdue])
        for n, target in enumerate(targets):
            await self._step(f"{key}:post:{n}", partial(self._post, target, text, blocks))
            await self._step(f"{key}:chart:{n}", partial(self._post_chart, target, f"Metrics chart, {label}", chart))

    def _overdue_now(self) -> list[views.Overdue]:
        return overdue_items(self._sla, limit=200)

    async def feedback_to_ae(self, event: ev.MilestoneRecorded, key: str) -> None:
        try:
            handoff = await asyncio.to_thread(self._service.get, event.handoff_id)
        except HandoffNotFound:
            return
        ae = await self._directory.user_id(self._call, handoff.ae.email, at=self._clock.now())
        if ae is None or handoff.milestones.feedback_at is None:
            return
        text, blocks = views.feedback_for_ae(handoff, user_ids=self._directory.known_ids())
        await self._step(f"{key}:feedback_to_ae", lambda: self._post(ae, text, blocks))

    # -- plumbing --------------------------------------------------------------------------

    async def _channel_for(self, recipient: str) -> str | None:
        """A DM for a person (Slack id or email), the managers' channel for `#name` or a group."""
        if recipient.startswith("#"):
            return await self.named_channel(recipient[1:])
        if is_slack_id(recipient):
            return recipient
        if "@" in recipient and not recipient.startswith("@"):
            return await self._directory.user_id(self._call, recipient, at=self._clock.now())
        channel = self._playbook.channels.managers_channel  # a user group: tell its channel
        return await self.named_channel(channel.lstrip("#")) if channel else None

    async def named_channel(self, name: str) -> str:
        """A channel by name: remembered, found, or created public; Baton joins it to post."""
        return await self._channels.named(name)

    async def _post(self, channel: str, text: str, blocks: list[dict[str, object]]) -> str:
        answer = await self._call("chat.postMessage", channel_key=channel, channel=channel, text=text, blocks=blocks)
        return str(answer["ts"])

    async def _post_chart(self, channel: str, title: str, chart: ChartImage) -> str:
        return (await post_chart(self._call, channels=[channel], title=title, chart=chart))[0]

    async def _step(self, name: str, action: Callable[[], Awaitable[str]]) -> str:
        done = await asyncio.to_thread(self._refs.step_result, name)
        if done is not None:
            return done
        result = await action()
        await asyncio.to_thread(self._refs.record_step, name, result, at=self._clock.now())
        return result


def overdue_items(sla: SlaRuntime, *, limit: int, keep: Callable[[str, tuple[str, ...]], bool] | None = None,
                  ) -> list[views.Overdue]:
    """Overdue deadlines with their handoffs, most overdue first; `keep(side, holders)` filters."""
    clocks = [c for c in sla.overdue(limit=limit) if keep is None or keep(c.side, c.holders)]
    handoffs: dict[str, Handoff] = sla.handoffs([c.handoff_id for c in clocks])
    rows = []
    for clock in clocks:
        handoff = handoffs.get(clock.handoff_id)
        timer = next((t for t in sla.plan(handoff) if (t.timer, t.cycle) == (clock.timer, clock.cycle)), None) \
            if handoff is not None else None
        if handoff is not None and timer is not None:
            rows.append(views.Overdue(handoff, timer))
    return rows
