"""The composition root: the one place that builds engine, services and adapters from settings.

Nothing happens at import time; tests call `bootstrap` with their own clock and settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.chat_routing import by_platform
from bot.config import ConfigError, Problem, default_config_path, load_playbook
from bot.crm.wiring import register_targets, routes_for
from bot.dispatcher import Deliver, OutboxDispatcher
from bot.platforms import placement_problems
from bot.settings import Settings
from bot.sla import SlaRuntime
from core.clock import SystemClock
from core.deal_changes import DealChanges
from core.playbook import Platform, Playbook
from core.ports import Clock
from core.services import HandoffService
from storage.chat_refs import ChatRefs
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.outbox import CHAT

if TYPE_CHECKING:
    from bot.slack.app import SlackRuntime
    from bot.teams.config import TeamsConfig
    from bot.teams.runtime import TeamsRuntime


@dataclass
class Baton:
    settings: Settings
    playbook: Playbook
    engine: Engine
    service: HandoffService
    clock: Clock
    sla: SlaRuntime
    slack: SlackRuntime | None = None
    teams: TeamsRuntime | None = None
    dispatcher: OutboxDispatcher | None = None  # delivers every outbox target (chat, webhook, crm)

    @property
    def deals(self) -> DealChanges:
        """Stage changes from any CRM: open, hold, cancel or resume the deal's handoff."""
        return DealChanges(service=self.service, uow=self.sla.sweeper.unit_of_work, clock=self.clock)


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, playbook: Playbook | None = None,
    migrate: bool = True, teams: TeamsConfig | None = None,
) -> Baton:
    """Load the playbook (raising ConfigError when it is bad), upgrade the schema, wire services.

    Slack runs when SLACK_BOT_TOKEN is set, Teams when `teams` (from the environment) is given;
    a playbook that places a segment on a platform without credentials is refused here."""
    path = None if playbook is not None else settings.config_path or default_config_path()
    playbook = playbook or load_playbook(path or default_config_path())
    configured = {p for p, on in ((Platform.SLACK, settings.slack_bot_token), (Platform.TEAMS, teams)) if on}
    if problems := placement_problems(playbook, path, configured):
        raise ConfigError(problems, source=str(path or "app.yaml"))
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    clock = clock or SystemClock()
    sla = SlaRuntime.build(engine=engine, playbook=playbook, clock=clock, routes=routes_for(settings))
    # Every commit that changes a handoff replans its SLA timers in the same transaction.
    service = HandoffService(playbook=playbook, uow=sla.sweeper.unit_of_work, clock=clock)
    baton = Baton(settings=settings, playbook=playbook, engine=engine, service=service, clock=clock, sla=sla)
    baton.slack = _slack(baton) if settings.slack_bot_token else None
    if teams is not None:
        from bot.teams.runtime import build_teams  # botbuilder loads only when Teams is configured

        baton.teams = build_teams(teams, baton)
    # One dispatcher, one delivery function per target: chat (the adapter that owns each
    # handoff), then the CRM and webhook targets; a target without a function is never claimed.
    baton.dispatcher = baton.slack.dispatcher if baton.slack else OutboxDispatcher(
        engine=engine, deliver=None, clock=clock)
    if baton.teams is not None:
        chat: dict[Platform, Deliver] = {Platform.TEAMS: baton.teams.delivery.deliver}
        if baton.slack is not None:
            chat[Platform.SLACK] = baton.dispatcher.targets_deliver(CHAT)
        baton.dispatcher.register(CHAT, by_platform(service=service, playbook=playbook, deliverers=chat))
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
