"""The Teams simulator and Baton's /api/messages on a real HTTP server, pointed at each other."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Baton, bootstrap
from bot.http_server import build_app
from bot.settings import Settings
from bot.teams.config import TeamsConfig
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.simulator import TeamsSimulator
from bot.teams.simulator.activities import Activities, user
from tests.fakes import FrozenClock

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sim() -> Iterator[TeamsSimulator]:
    simulator = TeamsSimulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture
def acts(sim: TeamsSimulator) -> Activities:
    return Activities(sim)


@pytest.fixture
def ana(sim: TeamsSimulator) -> dict[str, Any]:
    return user("Ana Lopez", email="ana@example.com")


@pytest.fixture
def baton(tmp_path: Path) -> Baton:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'baton.db'}", config_path=REPO / "app.yaml")
    return bootstrap(settings, clock=FrozenClock())


@pytest.fixture
def endpoint(sim: TeamsSimulator, baton: Baton) -> TeamsEndpoint:
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    return TeamsEndpoint(config, engine=baton.engine, on_timezone=baton.sla.learn_timezone)


@pytest.fixture
async def client(baton: Baton, endpoint: TeamsEndpoint) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(build_app(baton, teams=endpoint))) as client:
        yield client
