"""Posts the monthly sample audit to each RevOps person's DM, one line per handoff with a link to its channel."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import Engine

from bot.dispatcher import Deliver
from bot.reporting.sample import candidates
from bot.slack.calls import SlackCaller
from bot.slack.directory import SlackDirectory
from bot.slack.views.fmt import is_slack_id
from core import events as ev
from core.playbook import Playbook
from core.ports import Clock
from core.sampling import SampleAuditDue, sample_lines
from storage.chat_refs import ChatRefs


class SlackSampleAudit:
    def __init__(self, *, call: SlackCaller, engine: Engine, playbook: Playbook, refs: ChatRefs,
                 directory: SlackDirectory, clock: Clock) -> None:
        self._call, self._engine, self._playbook = call, engine, playbook
        self._refs, self._directory, self._clock = refs, directory, clock

    def route(self, fallback: Deliver) -> Deliver:
        async def deliver(event: ev.Event, key: str) -> None:
            if isinstance(event, SampleAuditDue):
                await self.post(event, key)
            else:
                await fallback(event, key)
        return deliver

    async def post(self, event: SampleAuditDue, key: str) -> None:
        rows = await asyncio.to_thread(candidates, self._engine, event.handoff_ids)
        links = {}
        for row in rows:
            refs = await asyncio.to_thread(self._refs.all, row.handoff_id)
            if refs.get("slack.channel"):
                links[row.handoff_id] = f"<#{refs['slack.channel']}>"
        text = self.message(event.month, sample_lines(rows, links))
        for n, person in enumerate(self._playbook.roles.revops):
            target = person if is_slack_id(person) else (
                await self._directory.user_id(self._call, person, at=self._clock.now()) if "@" in person[1:] else None)
            if target is None:
                continue
            name = f"{key}:post:{n}"
            if await asyncio.to_thread(self._refs.step_result, name) is not None:
                continue
            answer: dict[str, Any] = await self._call("chat.postMessage", channel_key=target, channel=target,
                                                      text=text)
            await asyncio.to_thread(self._refs.record_step, name, str(answer["ts"]), at=self._clock.now())

    @staticmethod
    def message(month: str, lines: list[str]) -> str:
        if not lines:
            return f"*Monthly sample audit, {month}*: no handoff was accepted that month."
        head = f"*Monthly sample audit, {month}*: {len(lines)} handoffs accepted that month, drawn at random."
        return "\n".join([head, *(f"• {line}" for line in lines)])
