"""The Teams adapter assembled: the endpoint behind /api/messages, the bot acting through the
handoff service, and the outbox delivery that posts threads, cards and notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.llm import build_drafter
from bot.teams.config import TeamsConfig
from bot.teams.delivery import TeamsDelivery
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.services import TeamsApp
from storage.chat_refs import ChatRefs

if TYPE_CHECKING:
    from bot.bootstrap import Baton


@dataclass
class TeamsRuntime:
    config: TeamsConfig
    endpoint: TeamsEndpoint
    app: TeamsApp
    delivery: TeamsDelivery


def build_teams(config: TeamsConfig, baton: Baton) -> TeamsRuntime:
    endpoint = TeamsEndpoint(config, engine=baton.engine, on_timezone=baton.sla.learn_timezone)
    refs = ChatRefs(baton.engine)

    def wake() -> None:
        if baton.dispatcher is not None:
            baton.dispatcher.wake()

    delivery = TeamsDelivery(
        adapter=endpoint.adapter, messenger=endpoint.messenger, directory=endpoint.directory, app_id=config.APP_ID,
        service=baton.service, playbook=baton.playbook, refs=refs, now=baton.clock.now,
        tenant_id=config.APP_TENANTID, plan=baton.sla.plan, engine=baton.engine)
    app = TeamsApp(service=baton.service, playbook=baton.playbook, directory=endpoint.directory, refs=refs,
                   clock=baton.clock, engine=baton.engine, wake=wake, drafter=build_drafter(baton.settings),
                   tell=delivery.tell_about, nudges=baton.sla.nudges)
    endpoint.bot.app = app
    return TeamsRuntime(config=config, endpoint=endpoint, app=app, delivery=delivery)
