"""The services the Teams bot acts through: the same handoff service, playbook and stores that
Slack's listeners use, and the few helpers every Teams interaction needs (who clicked, the
SLA planner, the period and scope of a report)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from bot.teams.directory import TeamsDirectory
from core.drafting import Drafter
from core.handoff import Handoff
from core.machine import FINAL, Status
from core.nudge_service import NudgeService
from core.people import Actor, Role, actor_for
from core.playbook import Playbook
from core.ports import Clock
from core.reporting import ReportScope, parse_period, scope_for
from core.services import HandoffService
from core.sla import SlaPlanner
from storage.chat_refs import ChatRefs

log = logging.getLogger(__name__)
T = TypeVar("T")
UNFINISHED = [s for s in Status if s not in FINAL]


@dataclass
class TeamsApp:
    """The services the Teams bot acts through (the same ones Slack's listeners use)."""

    service: HandoffService
    playbook: Playbook
    directory: TeamsDirectory
    refs: ChatRefs
    clock: Clock
    engine: Engine | None = None
    wake: Callable[[], None] = lambda: None  # the outbox dispatcher: deliver what was just committed
    drafter: Drafter | None = None  # drafting from call notes (OPENAI_API_KEY); None: the feature is off
    # Sends a card to a person about a handoff (their chat, else the thread): the drafted values.
    tell: Callable[[Handoff, str, dict[str, Any]], Awaitable[None]] | None = None
    background: set[asyncio.Task[None]] = field(default_factory=set)
    nudges: NudgeService | None = None  # snoozes

    @property
    def planner(self) -> SlaPlanner:
        return SlaPlanner(self.playbook)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """A change through the service, off the event loop; the outbox delivers it at once."""
        result = await asyncio.to_thread(fn, *args)
        self.wake()
        return result

    async def actor(self, user_id: str, aad_object_id: str | None) -> Actor:
        """Who clicked, with their playbook roles (by email, as Slack's people are)."""
        person = await asyncio.to_thread(self.directory.person, user_id)
        email = person.email if person else None
        return actor_for(self.playbook.roles, user_id=user_id, email=email)

    def labels(self, field_ids: tuple[str, ...]) -> list[str]:
        labels = {f.id: f.label for f in self.playbook.fields}
        return [labels.get(f, f) for f in field_ids]

    def metrics_period(self, rest: str) -> tuple[datetime, datetime, str] | None:
        parsed = parse_period(rest)
        if parsed is None:
            return None
        days, label = parsed
        end = self.clock.now()
        return end - timedelta(days=days), end, label

    def scope_of(self, actor: Actor) -> ReportScope:
        return scope_for(actor.email, is_revops=Role.REVOPS in actor.roles, is_manager=actor.is_manager,
                         team=self.playbook.roles.team_of(actor.email))
