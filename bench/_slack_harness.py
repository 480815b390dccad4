"""Plumbing shared by the Slack benchmarks (bench/slack_ack_bench.py, bench/slack_burst_bench.py).

Everything here is built from Baton's own building blocks: `bootstrap` for the database and
services, `bot.slack.app.build_slack` for the Bolt app, client, limiter and outbox dispatcher,
`bot.http_server.build_app` for the one aiohttp app, served by `web.AppRunner` exactly as
`baton serve` does (no access log). Slack is `SlackSimulator`. Processes are started with the
`spawn` method and talk to the benchmark over a `multiprocessing` pipe.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
import multiprocessing as mp
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.bootstrap import Baton, bootstrap
from bot.config import load_playbook
from bot.crm.wiring import register_targets
from bot.http_server import build_app
from bot.settings import Settings
from bot.slack.app import build_slack
from bot.slack.simulator.simulator import Reply, SlackSimulator
from bot.webhook_signing import sign
from core.playbook import Playbook, Roles
from storage.chat_refs import ChatRefs

REPO = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "slack-signing-secret-for-benchmarks"
WEBHOOK_SECRET = "deal-webhook-secret-for-benchmarks"
MANAGERS = [("maria", "maria.gomez@example.com"), ("liam", "liam.chen@example.com")]
REVOPS = ("rita", "revops@example.com")
SEGMENT_CRM_VALUE = {"low_touch": "SMB", "hybrid": "Mid-Market", "high_touch": "Enterprise"}
SEGMENT_AMOUNTS = {"low_touch": (5_000, 24_900), "hybrid": (25_000, 99_000), "high_touch": (100_000, 1_200_000)}


# -- the workspace --------------------------------------------------------------------------------

def bench_playbook(csms: int | None = None) -> Playbook:
    """The shipped app.yaml, with managers who exist in the simulated workspace (as the
    integration tests do): the shipped roles name Slack user groups and a placeholder user id.
    `csms` replaces every segment's CSM pool with that many CSMs (a floor of a given size)."""
    shipped = load_playbook(REPO / "app.yaml")
    roles = Roles(sales_managers=[MANAGERS[0][1]], cs_managers=[MANAGERS[1][1]], revops=[REVOPS[1]])
    update: dict[str, Any] = {"roles": roles}
    if csms:
        pool = [f"csm{i:02d}@example.com" for i in range(csms)]
        update["segments"] = [s.model_copy(update={"csm_pool": pool}) for s in shipped.segments]
    return shipped.model_copy(update=update)


def ae_emails(count: int) -> list[str]:
    return [f"ae{i:02d}@example.com" for i in range(count)]


def csm_emails(playbook: Playbook) -> list[str]:
    return list(dict.fromkeys(e for s in playbook.segments for e in s.csm_pool))


def seed_workspace(sim: SlackSimulator, playbook: Playbook, aes: int) -> dict[str, str]:
    """Every AE, every CSM in the playbook's pools, the managers and RevOps; email -> user id."""
    people = [(e.split("@")[0].replace(".", "_"), e) for e in ae_emails(aes) + csm_emails(playbook)]
    users = {email: sim.add_user(name, email) for name, email in [*people, *MANAGERS, REVOPS]}
    sim.add_channel("revops", members=[])
    return users


class BenchSimulator(SlackSimulator):
    """The simulator, counting every `ok: false` by method and error code, and (when `record`)
    logging every successful call with the moment it was served."""

    def __init__(self, *, record: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        self.refusals: Counter[tuple[str, str]] = Counter()
        self.log: list[Served] = []

    def dispatch(self, method: str, values: dict[str, Any], token: str | None) -> Reply:
        reply = super().dispatch(method, values, token)
        if isinstance(reply.body, dict):
            if reply.body.get("ok"):
                if self.record:
                    self.log.append(Served(time.monotonic(), method, values, reply.body))
            elif reply.status != 429:
                self.refusals[(method, str(reply.body.get("error")))] += 1
        return reply

    def counters(self) -> dict[str, Any]:
        return {"calls": dict(self.stats.calls), "ratelimited": dict(self.stats.ratelimited),
                "refusals": {f"{m} {e}": n for (m, e), n in self.refusals.items()}}


@dataclass
class Served:
    at: float  # time.monotonic() in the simulator's process
    method: str
    values: dict[str, Any]
    answer: dict[str, Any]


# -- Baton, built from its own parts --------------------------------------------------------------

async def start_baton(
    *, database_url: str, api_url: str, bot_token: str, rate_speed: float = 1.0, port: int = 0,
    csms: int | None = None,
) -> tuple[Baton, web.AppRunner, int]:
    """bootstrap() (migrations, services) without a Slack token, then build_slack() as bootstrap
    would call it, plus the limiter speed we need (bootstrap does not pass one), then the real
    aiohttp app. No LLM drafter (no OPENAI_API_KEY) and no scheduler (`baton serve` runs the SLA
    sweep every `nudges.sweep_every`; nothing measured here waits for it)."""
    settings = Settings(
        database_url=database_url, slack_api_url=api_url,
        slack_signing_secret=SIGNING_SECRET, deal_webhook_secret=WEBHOOK_SECRET,  # type: ignore[arg-type]
    )
    baton = bootstrap(settings, playbook=bench_playbook(csms))
    extra: dict[str, Any] = {}
    if "sla" in inspect.signature(build_slack).parameters and getattr(baton, "sla", None) is not None:
        extra["sla"] = baton.sla  # as bootstrap wires it: SLA timers replanned on every change
    baton.slack = build_slack(
        token=bot_token, signing_secret=SIGNING_SECRET, api_url=api_url, service=baton.service,
        playbook=baton.playbook, refs=ChatRefs(baton.engine), clock=baton.clock, engine=baton.engine,
        rate_speed=rate_speed, **extra,
    )
    baton.dispatcher = baton.slack.dispatcher  # as bootstrap does when Slack is configured
    register_targets(baton, baton.dispatcher)
    runner = web.AppRunner(build_app(baton), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return baton, runner, int(runner.addresses[0][1])


# -- child processes ------------------------------------------------------------------------------

Handlers = dict[str, Callable[[], Any]]
ChildMain = Callable[..., Coroutine[Any, Any, None]]


def _child_entry(main: ChildMain, conn: Connection, args: tuple[Any, ...]) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="[child %(process)d] %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(conn, *args))


async def serve_until_stopped(conn: Connection, info: dict[str, Any], handlers: Handlers) -> None:
    """Send `info` to the parent, answer its requests by name, return on "stop". The pipe is
    read by a plain thread so the server's default executor keeps all its workers."""
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[str] = asyncio.Queue()

    def reader() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = "stop"
            loop.call_soon_threadsafe(inbox.put_nowait, message)
            if message == "stop":
                return

    threading.Thread(target=reader, name="bench-pipe", daemon=True).start()
    conn.send(info)
    while (message := await inbox.get()) != "stop":
        conn.send(handlers[message]())
    conn.send("stopped")


@dataclass
class Child:
    name: str
    process: Any
    conn: Connection
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def ask(self, what: str) -> Any:
        self.conn.send(what)
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send("stop")
                if self.conn.poll(30):
                    self.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                pass
            self.process.join(30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def spawn(name: str, main: ChildMain, *args: Any, timeout: float = 120.0) -> Child:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_child_entry, args=(main, child, args), name=name, daemon=True)
    process.start()
    if not parent.poll(timeout):
        process.terminate()
        raise RuntimeError(f"{name} did not start within {timeout:.0f} s")
    return Child(name, process, parent, parent.recv())


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


async def quiet(pids: Sequence[int], *, window: float = 0.3, limit: float = 15.0) -> None:
    """Wait until these processes stop burning CPU (work left over after the last answer)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = [cpu_seconds(p) for p in pids]
        await asyncio.sleep(window)
        if all(cpu_seconds(p) - b <= 1.5 / _TICK for p, b in zip(pids, before, strict=True)):
            return


# -- deals ----------------------------------------------------------------------------------------

def deal_payload(
    *, index: int, segment: str, ae_email: str, amount: int, prefix: str = "006-Q4", closed_at: str | None = None,
) -> dict[str, Any]:
    deal_id = f"{prefix}-{index:04d}"
    return {
        "event_id": f"crm-evt-{deal_id}",
        "deal": {
            "id": deal_id, "name": "Platform subscription", "account": f"Account {index:04d} Holdings",
            "amount": amount, "currency": "USD", "stage": "Closed Won",
            "closed_at": closed_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "ae_email": ae_email, "csm_email": None, "segment": SEGMENT_CRM_VALUE[segment],
            "crm_url": f"https://crm.example.com/deals/{deal_id}", "fields": {"contract_signed": True},
        },
    }


def signed_webhook(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    return body, {"X-Baton-Timestamp": ts, "X-Baton-Signature": sign(WEBHOOK_SECRET, ts, body),
                  "Content-Type": "application/json"}


_METRIC = re.compile(r'^baton_outbox_messages\{status="(\w+)"\} (\d+)$', re.M)


def outbox_counts(metrics_text: str) -> dict[str, int]:
    return {status: int(n) for status, n in _METRIC.findall(metrics_text)}


# -- numbers --------------------------------------------------------------------------------------

def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: numeric columns aligned right, the others left."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [all(_NUMBER.match(r[i]) for r in cells[1:]) and len(cells) > 1 for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *(line(r) for r in cells[1:])])


_NUMBER = re.compile(r"^(-|n/a|[-+]?[\d.,]+\s?[%x]?)$")
