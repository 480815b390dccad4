"""How fast Baton answers Teams on POST /api/messages: a command and an invoke.

    python bench/teams_ack_bench.py [--requests 300] [--concurrency 1]

Baton's real aiohttp app (bootstrap + bot.http_server.build_app with the TeamsEndpoint, served by
web.AppRunner without access log, as `baton serve` does; SQLite in a temp dir) and the Teams
simulator (its own thread and event loop: OpenID metadata, JWKS, token endpoint, connector).
Every request carries a fresh RS256 token minted by the simulator and is fully validated.

  help     `<at>Baton</at> help` in a channel thread: validate the JWT, look the sender up, reply to
           the thread through the connector (token cached after the first), then answer 200.
  mine     `mine` in personal chat: the sender's queue from the database (their open handoffs with
           the SLA planner's due times), replied through the connector. Asked by 30 people in turn,
           so Teams' limit of 7 messages a second per conversation is not what is measured.
  fetch    `task/fetch` for the packet dialog of a real handoff: read it, render the step, answer 200.
  execute  `adaptiveCard/action` (Universal Actions refresh of a handoff card): read the handoff,
           render the clicker's own card, answer 200 with it.

Each help goes to its own thread so Teams' per-conversation rate limit (7/s) is not what is
measured. Latency is wall time per request in the client (POST + read body).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.bootstrap import bootstrap  # noqa: E402
from bot.config import load_playbook  # noqa: E402
from bot.http_server import build_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.teams.config import TeamsConfig  # noqa: E402
from bot.teams.simulator import TeamsSimulator  # noqa: E402
from bot.teams.simulator.activities import CHANNEL_ID, Activities, user  # noqa: E402
from core.commands import OpenHandoff  # noqa: E402
from core.deal import Deal  # noqa: E402
from core.people import Actor  # noqa: E402
from core.playbook import TeamsPlaces  # noqa: E402


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _run(args: argparse.Namespace) -> int:
    sim = TeamsSimulator().start()
    acts = Activities(sim)
    ana = user("Ana Lopez", email="ana@example.com")
    config = TeamsConfig.from_env(sim.env())
    assert config is not None
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/baton.db", config_path=REPO / "app.yaml")
        shipped = load_playbook(REPO / "app.yaml")
        playbook = shipped.model_copy(update={"teams": TeamsPlaces(channel_id=CHANNEL_ID)})
        baton = bootstrap(settings, playbook=playbook, teams=config)
        assert baton.teams is not None
        askers = [user(f"Rep {n}", email="ana@example.com") for n in range(30)]  # one chat each: 7/s per chat
        for asker in [ana, *askers]:
            sim.add_member(f"a:1personal-{asker['aadObjectId']}", asker)
        handoff_ids = [baton.service.open_handoff(OpenHandoff(Deal(
            id=f"D-{n}", name="Renewal", account=f"Account {n}", amount=Decimal(30_000 + n), currency="USD",
            stage="Closed Won", closed_at=datetime.now(UTC), ae_email="ana@example.com",
            csm_email="carl@example.com"), Actor.system())).handoff_id for n in range(20)]
        app = build_app(baton, teams=baton.teams.endpoint)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/api/messages"
        builders: dict[str, Any] = {
            "help": lambda i: acts.message(ana, "help", thread=str(10_000 + i)),
            "mine": lambda i: acts.message(askers[i % len(askers)], "mine", in_channel=False, mention=False),
            "fetch": lambda i: acts.task_fetch(ana, {"verb": "fill_packet",
                                                     "handoff_id": handoff_ids[i % len(handoff_ids)]}),
            "execute": lambda i: acts.card_action(ana, "refresh", {"handoff_id": handoff_ids[i % len(handoff_ids)]}),
        }
        print(f"{'kind':<8}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'req/s':>9}  statuses")
        async with aiohttp.ClientSession() as http:
            for kind, build in builders.items():
                for i in range(10):  # warm-up: JWKS fetch, outbound token, imports
                    async with http.post(url, json=build(-1 - i), headers=sim.auth()) as r:
                        await r.read()
                latencies: list[float] = []
                statuses: dict[int, int] = {}
                queue: asyncio.Queue[int] = asyncio.Queue()
                for i in range(args.requests):
                    queue.put_nowait(i)

                async def worker(build: Any = build, queue: asyncio.Queue[int] = queue,
                                 latencies: list[float] = latencies, statuses: dict[int, int] = statuses) -> None:
                    while not queue.empty():
                        i = queue.get_nowait()
                        body, headers = build(i), sim.auth()
                        start = time.perf_counter()
                        async with http.post(url, json=body, headers=headers) as response:
                            await response.read()
                        latencies.append((time.perf_counter() - start) * 1000)
                        statuses[response.status] = statuses.get(response.status, 0) + 1

                wall = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(args.concurrency)))
                wall = time.perf_counter() - wall
                print(f"{kind:<8}{len(latencies):>6}{statistics.median(latencies):>10.1f}{_pct(latencies, 99):>10.1f}"
                      f"{max(latencies):>10.1f}{len(latencies) / wall:>9.0f}  {statuses}")
        await runner.cleanup()
    sim.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per kind")
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    return asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
