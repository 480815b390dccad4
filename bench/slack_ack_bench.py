"""How fast Baton acks Slack, next to a bare Bolt app that only acks, in the same run.

    python bench/slack_ack_bench.py [--requests 300] [--levels 1,10,50] [--kinds help,status,accept,fill]

Three processes besides this one (the load generator), all on 127.0.0.1:
  * Slack: SlackSimulator (rate limits off) serving the Web API, plus a small control port this
    script uses to get trigger_ids and message JSON, as real Slack would put them in payloads.
  * Baton: the real `baton` aiohttp app (bootstrap + build_slack + http_server.build_app, served by
    web.AppRunner without access log, as `baton serve` does), SQLite in a temp dir, its Slack
    client pointed at the simulator. Seeded through the signed deal webhook before measuring.
  * Bare Bolt: AsyncApp with the same signing secret, process_before_response=False, served by
    the same aiohttp adapter (to_bolt_request / to_aiohttp_response); every listener only acks.

Request kinds (signed exactly as Slack signs them; payloads shaped as Slack sends them):
  help    /handoff help                 Baton acks with the help text
  status  /handoff status <account>     Baton reads the database, then acks with the answer
  accept  Accept clicked by the AE      Baton acks, then refuses ephemerally (chat.postEphemeral)
  fill    Fill packet clicked by the AE Baton acks, then builds the modal and calls views.open

Latency is wall time per request in the client (sign before, timer around POST + read body).
req/s is requests / wall time of the whole level. CPU ms/req is the server process's user+system
CPU (all threads, read from /proc) from the first request until it is idle again, so Baton's
work after the ack is included. The machine's cores are shared by all four processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from _slack_harness import (
    SEGMENT_AMOUNTS,
    SIGNING_SECRET,
    BenchSimulator,
    Child,
    ae_emails,
    bench_playbook,
    cpu_seconds,
    deal_payload,
    outbox_counts,
    percentile,
    quiet,
    seed_workspace,
    serve_until_stopped,
    signed_webhook,
    spawn,
    start_baton,
    table,
)
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.version import __version__ as bolt_version
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import ids
from bot.slack.simulator.driver import slack_signature
from storage.chat_refs import ChatRefs
from storage.engine import make_engine

KINDS = ("help", "status", "accept", "fill")
WARMUP = 20


# -- the processes --------------------------------------------------------------------------------

async def slack_main(conn: Connection, aes: int) -> None:
    sim = BenchSimulator(rate_limits=False)
    users = seed_workspace(sim, bench_playbook(), aes)
    await sim.start()

    async def trigger(request: web.Request) -> web.Response:
        return web.json_response({"trigger_id": sim.issue_trigger_id(request.query["user"])})

    async def im(request: web.Request) -> web.Response:
        user = request.query["user"]
        with sim._lock:
            channel, _ = sim.workspace.open_im(user)
        return web.json_response({"channel": channel.id, "messages": sim.ims(user)})

    async def messages(request: web.Request) -> web.Response:
        return web.json_response({"messages": sim.messages(request.query["channel"])})

    control = web.Application()
    control.router.add_get("/trigger", trigger)
    control.router.add_get("/im", im)
    control.router.add_get("/messages", messages)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    info = {"api_url": sim.api_url, "bot_token": sim.bot_token, "team_id": sim.team_id,
            "app_id": sim.workspace.app_id, "users": users,
            "control": f"http://127.0.0.1:{runner.addresses[0][1]}"}
    try:
        await serve_until_stopped(conn, info, {"stats": sim.counters})
    finally:
        await runner.cleanup()
        await sim.stop()


async def baton_main(conn: Connection, database_url: str, api_url: str, bot_token: str) -> None:
    # Rate limits are off in this benchmark: Baton's own limiter runs 1000x fast so seeding
    # the outbox is quick. Listeners (everything measured here) do not go through it.
    baton, runner, port = await start_baton(database_url=database_url, api_url=api_url, bot_token=bot_token,
                                            rate_speed=1000.0)
    assert baton.slack is not None
    dispatcher = baton.slack.dispatcher
    claims: dict[str, float] = {"claims": 0, "seconds": 0.0}
    claim = dispatcher._claim

    def counted_claim() -> Any:  # diagnostics only: how often, and how long, the outbox is polled
        started = time.perf_counter()
        try:
            return claim()
        finally:
            claims["claims"] += 1
            claims["seconds"] += time.perf_counter() - started

    dispatcher._claim = counted_claim  # type: ignore[method-assign]
    try:
        await serve_until_stopped(conn, {"url": f"http://127.0.0.1:{port}"}, {"stats": lambda: dict(claims)})
    finally:
        await runner.cleanup()
        baton.engine.dispose()


async def bare_main(conn: Connection, api_url: str, bot_token: str) -> None:
    bolt = AsyncApp(client=AsyncWebClient(token=bot_token, base_url=api_url), signing_secret=SIGNING_SECRET,
                    process_before_response=False, raise_error_for_unhandled_request=False)

    async def just_ack(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/handoff")(just_ack)
    for action_id in (ids.ACCEPT, ids.FILL_PACKET):
        bolt.action(action_id)(just_ack)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await serve_until_stopped(conn, {"url": f"http://127.0.0.1:{runner.addresses[0][1]}"}, {"stats": dict})
    finally:
        await runner.cleanup()


# -- what Slack sends -----------------------------------------------------------------------------

@dataclass
class Seeded:
    handoff_id: str
    account: str
    segment: str
    ae: str  # Slack user id
    ae_im: str
    fill_message: dict[str, Any]
    channel: str | None
    card_message: dict[str, Any] | None


class SlackRequests:
    """Builds each request as Slack would send it: form-encoded command, or a `payload` field."""

    def __init__(self, slack: dict[str, Any], seeded: list[Seeded], session: aiohttp.ClientSession) -> None:
        self.slack = slack
        self.seeded = seeded
        self.in_channels = [s for s in seeded if s.channel and s.card_message]
        self.session = session
        self.names = {uid: email.split("@")[0] for email, uid in slack["users"].items()}

    async def build(self, kind: str, i: int) -> str:
        if kind == "help":
            s = self.seeded[i % len(self.seeded)]
            return self._command(s, "help")
        if kind == "status":
            s = self.seeded[i % len(self.seeded)]
            return self._command(s, f"status {s.account}")
        if kind == "accept":
            s = self.in_channels[i % len(self.in_channels)]
            assert s.channel and s.card_message
            action = {"type": "button", "block_id": "baton.card.actions", "action_id": ids.ACCEPT,
                      "text": {"type": "plain_text", "text": "Accept"}, "value": ids.Ref(h=s.handoff_id).dumps()}
            return self._click(s.ae, s.channel, s.card_message, action, self._fake_trigger())
        s = self.seeded[i % len(self.seeded)]
        block_id, element = _button(s.fill_message, ids.FILL_PACKET)
        async with self.session.get(f"{self.slack['control']}/trigger", params={"user": s.ae}) as r:
            trigger = (await r.json())["trigger_id"]
        return self._click(s.ae, s.ae_im, s.fill_message, {**element, "block_id": block_id}, trigger)

    def _command(self, s: Seeded, text: str) -> str:
        return urlencode({
            "token": "verification-token-unused", "team_id": self.slack["team_id"], "team_domain": "acme",
            "channel_id": s.ae_im, "channel_name": "directmessage", "user_id": s.ae, "user_name": self.names[s.ae],
            "command": "/handoff", "text": text, "api_app_id": self.slack["app_id"],
            "is_enterprise_install": "false", "response_url": self._response_url(),
            "trigger_id": self._fake_trigger(),
        })

    def _click(self, user: str, channel: str, message: dict[str, Any], element: dict[str, Any], trigger: str) -> str:
        team = self.slack["team_id"]
        payload = {
            "type": "block_actions", "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "username": self.names[user], "name": self.names[user], "team_id": team},
            "api_app_id": self.slack["app_id"], "token": "verification-token-unused", "trigger_id": trigger,
            "is_enterprise_install": False, "enterprise": None,
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": channel}, "message": message, "state": {"values": {}},
            "actions": [{"type": element.get("type", "button"), "block_id": element["block_id"],
                         "action_id": element["action_id"], "text": element.get("text"),
                         "value": element.get("value", ""), "action_ts": f"{time.time():.6f}"}],
            "response_url": self._response_url(),
        }
        return urlencode({"payload": json.dumps(payload)})

    def _response_url(self) -> str:
        return f"{self.slack['api_url']}response/{secrets.token_hex(8)}"

    @staticmethod
    def _fake_trigger() -> str:  # never exchanged: only `fill` opens a modal
        return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def _button(message: dict[str, Any], action_id: str) -> tuple[str, dict[str, Any]]:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    raise LookupError(action_id)


# -- seeding --------------------------------------------------------------------------------------

async def seed(baton_url: str, slack: dict[str, Any], database_url: str, count: int, aes: int) -> list[Seeded]:
    """Close `count` deals through the signed webhook (two hybrid deals, with a channel, for one
    low-touch deal in a thread) and wait until Baton has delivered everything to Slack."""
    aes_list = ae_emails(aes)
    opened: list[tuple[str, dict[str, Any]]] = []
    async with aiohttp.ClientSession() as session:
        async def close(i: int) -> None:
            segment = "low_touch" if i % 3 == 2 else "hybrid"
            low, high = SEGMENT_AMOUNTS[segment]
            payload = deal_payload(index=i, segment=segment, ae_email=aes_list[i % aes],
                                   amount=low + (i * 7919) % (high - low), prefix="006-SEED")
            body, headers = signed_webhook(payload)
            async with session.post(f"{baton_url}/webhooks/deals", data=body, headers=headers) as r:
                answer = await r.json()
                if r.status not in (200, 202):
                    raise RuntimeError(f"seeding failed: {r.status} {answer}")
                opened.append((answer["handoff_id"], payload["deal"]))

        slots = asyncio.Semaphore(8)

        async def limited(i: int) -> None:
            async with slots:
                await close(i)

        await asyncio.gather(*(limited(i) for i in range(count)))
        deadline = time.monotonic() + 300
        while True:
            async with session.get(f"{baton_url}/metrics") as r:
                counts = outbox_counts(await r.text())
            if not counts.get("pending") and not counts.get("failed"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"seeding: the outbox did not drain: {counts}")
            await asyncio.sleep(0.2)
        if counts.get("dead"):
            print(f"warning: {counts['dead']} outbox messages dead after seeding", file=sys.stderr)

        engine = make_engine(database_url)
        refs = ChatRefs(engine)
        ims: dict[str, dict[str, Any]] = {}
        channel_messages: dict[str, list[dict[str, Any]]] = {}
        seeded = []
        for handoff_id, deal in opened:
            ae = slack["users"][deal["ae_email"]]
            if ae not in ims:
                async with session.get(f"{slack['control']}/im", params={"user": ae}) as r:
                    ims[ae] = await r.json()
            fill = next(m for m in ims[ae]["messages"] if _fills(m, handoff_id))
            stored = refs.all(handoff_id)
            channel, card = stored.get("slack.channel"), None
            if deal["segment"] != "SMB" and channel:
                if channel not in channel_messages:
                    async with session.get(f"{slack['control']}/messages", params={"channel": channel}) as r:
                        channel_messages[channel] = (await r.json())["messages"]
                card = next(m for m in channel_messages[channel] if m["ts"] == stored["slack.card_ts"])
            else:
                channel = None
            seeded.append(Seeded(handoff_id, deal["account"], "low_touch" if deal["segment"] == "SMB" else "hybrid",
                                 ae, ims[ae]["channel"], fill, channel, card))
        engine.dispose()
    return seeded


def _fills(message: dict[str, Any], handoff_id: str) -> bool:
    try:
        _, element = _button(message, ids.FILL_PACKET)
    except LookupError:
        return False
    return bool(ids.Ref.loads(element["value"]).h == handoff_id)


# -- measuring ------------------------------------------------------------------------------------

@dataclass
class Result:
    target: str
    kind: str
    concurrency: int
    latencies: list[float]
    wall: float
    statuses: Counter[int]
    server_cpu: float
    client_cpu: float
    after: dict[str, int]


async def run_level(
    *, url: str, build: Callable[[int], Awaitable[str]], n: int, concurrency: int,
) -> tuple[list[float], float, Counter[int]]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    work = iter(range(n))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def client() -> None:
            for i in work:
                body = (await build(i)).encode()
                ts = str(int(time.time()))
                headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": slack_signature(SIGNING_SECRET, ts, body.decode())}
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return latencies, wall, statuses


def _diff(after: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for section in ("calls", "refusals"):
        for key, n in after.get(section, {}).items():
            delta = n - before.get(section, {}).get(key, 0)
            if delta:
                out[("refused " if section == "refusals" else "") + key] = delta
    return out


async def measure(
    target: Child, slack: Child, requests: SlackRequests, kind: str, n: int, concurrency: int,
) -> Result:
    url = f"{target.info['url']}/slack/events"
    await quiet([target.pid, slack.pid])
    sim_before = slack.ask("stats")
    cpu0, me0 = cpu_seconds(target.pid), time.process_time()
    latencies, wall, statuses = await run_level(
        url=url, build=partial(requests.build, kind), n=n, concurrency=concurrency)
    me1 = time.process_time()
    await quiet([target.pid, slack.pid])
    cpu1 = cpu_seconds(target.pid)
    after = _diff(slack.ask("stats"), sim_before)
    return Result(target.name, kind, concurrency, sorted(latencies), wall, statuses, cpu1 - cpu0, me1 - me0, after)


def report(results: list[Result], n: int) -> None:
    rows = []
    for r in results:
        errors = sum(c for s, c in r.statuses.items() if s != 200)
        rows.append([
            r.target, r.kind, r.concurrency, len(r.latencies),
            f"{percentile(r.latencies, 50) * 1000:.1f}", f"{percentile(r.latencies, 95) * 1000:.1f}",
            f"{percentile(r.latencies, 99) * 1000:.1f}", f"{len(r.latencies) / r.wall:.0f}",
            f"{r.server_cpu / n * 1000:.2f}", f"{r.client_cpu / n * 1000:.2f}", errors,
        ])
    print(table(["target", "request", "clients", "n", "p50 ms", "p95 ms", "p99 ms", "req/s",
                 "server CPU ms/req", "client CPU ms/req", "non-200"], rows))


async def main_async(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="baton-ack-bench-"))
    database_url = f"sqlite:///{tmp / 'baton.db'}"
    print(__doc__.split("\n\n", 2)[2].split("Latency is")[0].rstrip())
    print(f"\nmachine: {os.cpu_count()} CPUs, Python {platform.python_version()}, slack_bolt {bolt_version}, "
          f"aiohttp {aiohttp.__version__}; database {database_url}")
    print(f"requests per (target, kind, level): {args.requests}; levels: {args.levels}; "
          f"warm-up: {WARMUP} unmeasured requests per (target, kind)\n")

    slack = spawn("slack", slack_main, args.aes)
    children = [slack]
    try:
        baton = spawn("baton", baton_main, database_url, slack.info["api_url"], slack.info["bot_token"])
        children.append(baton)
        bare = spawn("bare-bolt", bare_main, slack.info["api_url"], slack.info["bot_token"])
        children.append(bare)
        started = time.perf_counter()
        seeded = await seed(baton.info["url"], slack.info, database_url, args.seed_deals, args.aes)
        print(f"seeded {len(seeded)} handoffs through the signed deal webhook "
              f"({sum(1 for s in seeded if s.channel)} with a private channel, the rest in threads), "
              f"all delivered to the simulator, in {time.perf_counter() - started:.1f} s\n")

        results: list[Result] = []
        claims: dict[tuple[str, int], tuple[int, float]] = {}
        async with aiohttp.ClientSession() as control:
            requests = SlackRequests(slack.info, seeded, control)
            for kind in args.kinds:
                for target in (bare, baton):
                    await run_level(url=f"{target.info['url']}/slack/events",
                                    build=partial(requests.build, kind), n=WARMUP, concurrency=1)
            for level in args.levels:
                for kind in args.kinds:
                    for target in (bare, baton):
                        before = baton.ask("stats")
                        result = await measure(target, slack, requests, kind, args.requests, level)
                        if target is baton:
                            after = baton.ask("stats")
                            claims[(kind, level)] = (int(after["claims"] - before["claims"]),
                                                     after["seconds"] - before["seconds"])
                        results.append(result)
                        print(f"  {result.target:<9} {kind:<6} x{level:<3} "
                              f"p50 {percentile(result.latencies, 50) * 1000:7.1f} ms  "
                              f"{len(result.latencies) / result.wall:6.0f} req/s", flush=True)
        print()
        report(results, args.requests)
        print("\nWhat Slack (the simulator) received while each Baton level ran, including the work "
              "after the ack,\nand how many outbox claim transactions Baton's dispatcher ran meanwhile:")
        rows = []
        for r in results:
            if r.target == "baton":
                calls = ", ".join(f"{k} {v}" for k, v in sorted(r.after.items())) or "none"
                count, seconds = claims[(r.kind, r.concurrency)]
                rows.append([r.kind, r.concurrency, count, f"{seconds * 1000:.0f}", calls])
        print(table(["request", "clients", "outbox claims", "claim ms (total)", "Slack API calls (and refusals)"],
                    rows))
        print("\nNotes: Bolt's asyncio listener runner polls for the ack every 10 ms "
              "(slack_bolt/listener/asyncio_runner.py), so ~10 ms is the floor for both targets.\n"
              "Load generator, simulator, Baton and bare Bolt share this machine's "
              f"{os.cpu_count()} CPUs; only one target is under load at a time.")
    finally:
        for child in reversed(children):
            child.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per (target, kind, level)")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 50],
                        help="concurrent clients, comma-separated (default 1,10,50)")
    parser.add_argument("--kinds", type=lambda s: [k for k in s.split(",") if k], default=list(KINDS),
                        help=f"request kinds, comma-separated (default {','.join(KINDS)})")
    parser.add_argument("--seed-deals", type=int, default=120, help="handoffs in the database before measuring")
    parser.add_argument("--aes", type=int, default=20, help="account executives in the workspace")
    args = parser.parse_args()
    unknown = set(args.kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
