"""The composition root: the one place that builds engine, services and adapters from settings.

Nothing happens at import time; tests call `bootstrap` with their own clock and settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.config import default_config_path, load_playbook
from bot.settings import Settings
from core.clock import SystemClock
from core.playbook import Playbook
from core.ports import Clock
from core.services import HandoffService
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import sql_uow_factory


@dataclass
class Baton:
    settings: Settings
    playbook: Playbook
    engine: Engine
    service: HandoffService
    clock: Clock


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
    service = HandoffService(playbook=playbook, uow=sql_uow_factory(engine), clock=clock)
    return Baton(settings=settings, playbook=playbook, engine=engine, service=service, clock=clock)
