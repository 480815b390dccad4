"""One outbox "chat" target, several chat platforms: each message goes to the adapter that owns
its handoff (the segment's platform), the weekly digest to every platform.

Each adapter records its own delivery steps, so a message retried after a crash resumes in the
adapter that had not finished and repeats nothing in the one that had.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping

from bot.dispatcher import Deliver
from bot.platforms import default_platform, platform_of
from core import events as ev
from core.errors import HandoffNotFound
from core.playbook import Platform, Playbook
from core.services import HandoffService


def by_platform(*, service: HandoffService, playbook: Playbook, deliverers: Mapping[Platform, Deliver]) -> Deliver:
    configured: Collection[Platform] = tuple(deliverers)

    def owner(event: ev.Event) -> Platform:
        try:
            return platform_of(playbook, service.get(event.handoff_id).segment, configured)
        except HandoffNotFound:  # a pseudo id (the digest) or a handoff since removed
            return default_platform(configured)

    async def deliver(event: ev.Event, key: str) -> None:
        if isinstance(event, ev.WeeklyDigestDue):  # managers read it wherever they work
            for platform in sorted(deliverers):
                await deliverers[platform](event, key)
            return
        platform = await asyncio.to_thread(owner, event)
        await deliverers.get(platform, deliverers[default_platform(configured)])(event, key)

    return deliver
