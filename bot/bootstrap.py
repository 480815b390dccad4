"""The composition root: the one place that builds engine, services and adapters from settings.

Nothing happens at import time; tests call `bootstrap` with their own clock and settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.config import ConfigError, Problem, default_config_path, load_playbook
from bot.crm.wiring import register_targets, routes_for
from bot.dispatcher import OutboxDispatcher
from bot.settings import Settings
from bot.sla import SlaRuntime
from core.clock import SystemClock
from core.deal_changes import DealChanges
from core.playbook import Playbook
from core.ports import Clock
from core.services import HandoffService
from storage.chat_refs import ChatRefs
from storage.engine import make_engine
from storage.migrate import upgrade

if TYPE_CHECKING:
    from bot.slack.app import SlackRuntime


@dataclass
class Baton:
    settings: Settings
    playbook: Playbook
    engine: Engine
    service: HandoffService
    clock: Clock
    sla: SlaRuntime
    slack: SlackRuntime | None = None
    dispatcher: OutboxDispatcher | None = None  # delivers every outbox target (chat, webhook, crm)

    @property
    def deals(self) -> DealChanges:
        """Stage changes from any CRM: open, hold, cancel or resume the deal's handoff."""
        return DealChanges(service=self.service, uow=self.sla.sweeper.unit_of_work, clock=self.clock)


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, playbook: Playbook | None = None,
    migrate: bool = True,
) -> Baton:
    """Load the playbook (raising ConfigError when it is bad), upgrade the schema, wire services."""
    playbook = playbook or load_playbook(settings.config_path or default_config_path())
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    clock = clock or SystemClock()
    sla = SlaRuntime.build(engine=engine, playbook=playbook, clock=clock, routes=routes_for(settings))
    # Every commit that changes a handoff replans its SLA timers in the same transaction.
    service = HandoffService(playbook=playbook, uow=sla.sweeper.unit_of_work, clock=clock)
    baton = Baton(settings=settings, playbook=playbook, engine=engine, service=service, clock=clock, sla=sla)
    baton.slack = _slack(baton) if settings.slack_bot_token else None
    # One dispatcher, one delivery function per target: chat (registered by the chat adapter),
    # then the CRM and webhook targets; a target without a function here is never claimed.
    baton.dispatcher = baton.slack.dispatcher if baton.slack else OutboxDispatcher(
        engine=engine, deliver=None, clock=clock)
    register_targets(baton, baton.dispatcher)
    return baton


def _slack(baton: Baton) -> SlackRuntime:
    """The Slack adapter, when a bot token is configured (HTTP also needs the signing secret)."""
    settings = baton.settings
    assert settings.slack_bot_token is not None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    if not secret and not settings.slack_app_token:
        raise ConfigError([Problem(path="SLACK_SIGNING_SECRET", line=None, column=None, hint=None,
                                   message="is required to verify Slack's requests (or set SLACK_APP_TOKEN "
                                           "for Socket Mode)")], source="environment")
    from bot.llm import build_drafter  # None without OPENAI_API_KEY: the feature is off
    from bot.slack.app import build_slack  # only deployments with Slack load the Slack adapter

    return build_slack(
        token=settings.slack_bot_token.get_secret_value(), signing_secret=secret,
        api_url=settings.slack_api_url, service=baton.service, playbook=baton.playbook,
        refs=ChatRefs(baton.engine), clock=baton.clock, engine=baton.engine, sla=baton.sla,
        drafter=build_drafter(settings),
    )
