"""Quarter end: 500 deals close at once. How long until every CSM knows and every handoff has its
place in Slack, compared with the least time Slack's rate limits allow? Is anything lost or doubled?

    python bench/slack_burst_bench.py [--deals 500] [--time-scale 20]
                                      [--mix low_touch=0.6,hybrid=0.3,high_touch=0.1]

Slack is the SlackSimulator in this process, enforcing Slack's published limits (Tier 2 = 20/min,
Tier 3 = 50/min, Tier 4 = 100/min per method, chat.postMessage ~1/s per channel) with every window
shortened by --time-scale. Baton runs in a child process: the real aiohttp app (bootstrap +
build_slack + http_server.build_app behind web.AppRunner), SQLite in a temp dir, its limiter told
the same scale (build_slack(rate_speed=scale)). Baton's outbox dispatcher polls every 1 s of real
time when idle; to keep that at one *Slack* second the harness also calls dispatcher.wake() every
1/scale s (--unscaled-poll turns this off). All 500 signed webhooks are POSTed at once (100
connections). Every successful Slack call is logged with its time; results are converted back to
Slack time (real seconds x scale). CPU work is not scaled: each real second Baton spends computing
counts as `scale` Slack seconds, so a high scale is pessimistic for Baton.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from _slack_harness import (
    SEGMENT_AMOUNTS,
    BenchSimulator,
    Served,
    ae_emails,
    bench_playbook,
    cpu_seconds,
    csm_emails,
    deal_payload,
    outbox_counts,
    percentile,
    seed_workspace,
    serve_until_stopped,
    signed_webhook,
    spawn,
    start_baton,
    table,
)
from sqlalchemy import select

from bot.delivery import RetryLater
from bot.slack.ratelimit import SlackRateLimiter
from bot.slack.simulator.limits import (
    METHOD_LIMITS,
    PER_CHANNEL,
    POST_MESSAGE_PER_CHANNEL,
    TIER_3,
    Window,
)
from core.playbook import Place
from storage.engine import make_engine
from storage.stats import status_counts
from storage.tables import HANDOFFS, OUTBOX

DEFAULT_MIX = "low_touch=0.6,hybrid=0.3,high_touch=0.1"
CSM_SLA_SECONDS = 5 * 60
DEAL = re.compile(r"Account (\d{4}) Holdings")
CHANNEL_OF_DEAL = re.compile(r"006-q4-(\d{4})")


# -- Baton's process ------------------------------------------------------------------------------

async def baton_main(conn: Connection, database_url: str, api_url: str, bot_token: str, scale: float,
                     scaled_poll: bool, csms: int | None = None) -> None:
    baton, runner, port = await start_baton(database_url=database_url, api_url=api_url, bot_token=bot_token,
                                            rate_speed=scale, csms=csms)
    assert baton.slack is not None
    dispatcher = baton.slack.dispatcher
    tally: Counter[str] = Counter()
    deliver, claim = dispatcher._deliver, dispatcher._claim

    async def counted_deliver(event: Any, key: str) -> None:  # diagnostics only
        tally["attempts"] += 1
        try:
            await deliver(event, key)
        except RetryLater:
            tally["paced or retried"] += 1
            raise

    def counted_claim() -> Any:
        tally["claims"] += 1
        return claim()

    dispatcher._deliver = counted_deliver
    dispatcher._claim = counted_claim  # type: ignore[method-assign]

    async def waker() -> None:  # the 1 s idle poll, in Slack seconds
        while True:
            await asyncio.sleep(1.0 / scale)
            dispatcher.wake()

    task = asyncio.create_task(waker()) if scaled_poll and scale > 1 else None
    try:
        await serve_until_stopped(conn, {"url": f"http://127.0.0.1:{port}"},
                                  {"stats": lambda: dict(tally)})
    finally:
        if task:
            task.cancel()
        await runner.cleanup()
        baton.engine.dispose()


# -- floors ---------------------------------------------------------------------------------------

def slack_floor(n: int, windows: Sequence[Window]) -> float:
    """Seconds from the first to the n-th call when all n are ready at once and each goes out at
    the first moment the simulator's sliding windows admit it: the least Slack allows."""
    sent: list[float] = []
    t = 0.0
    for _ in range(n):
        while True:
            wait = 0.0
            for span, limit in windows:
                inside = [x for x in sent[-limit:] if x > t - span]
                if len(inside) >= limit:
                    wait = max(wait, inside[0] + span - t)
            if wait <= 1e-9:
                break
            t += wait + 1e-9
        sent.append(t)
    return sent[-1] if sent else 0.0


def baton_pacing(n: int, method: str, channel: str | None = None) -> float:
    """The same for Baton's own limiter (token buckets at 90% of Slack's rates), at real speed."""
    now = [0.0]
    limiter = SlackRateLimiter(monotonic=lambda: now[0])
    for _ in range(n):
        while (wait := limiter.try_acquire(method, channel)) > 0:
            now[0] += wait + 1e-9
    return now[0]


# -- what happened --------------------------------------------------------------------------------

@dataclass
class DealOutcome:
    index: int
    segment: str
    place: Place
    accepted_at: float | None = None  # webhook answered (real, monotonic)
    csm_dms: list[float] = field(default_factory=list)
    channels: list[float] = field(default_factory=list)
    cards: list[float] = field(default_factory=list)
    ae_dms: list[float] = field(default_factory=list)


def classify(served: Served, csm_ids: set[str], ae_ids: set[str]) -> list[tuple[str, int]]:
    """What a served call did, per deal: a merged DM names several deals, each counted once."""
    if served.method == "conversations.create":
        found = CHANNEL_OF_DEAL.search(str(served.values.get("name", "")))
        return [("channel", int(found.group(1)))] if found else []
    if served.method != "chat.postMessage":
        return []
    text = str(served.answer.get("message", {}).get("text") or served.values.get("text") or "")
    deals = [int(n) for n in dict.fromkeys(DEAL.findall(text))]
    if not deals:
        return []
    target = str(served.values.get("channel", ""))
    if target in csm_ids and "New handoff" in text:
        return [("csm_dm", index) for index in deals]
    if target in ae_ids:
        return [("ae_dm", index) for index in deals]
    if text.startswith("Handoff for ") and not served.values.get("thread_ts"):
        return [("card", deals[0])]
    return []


def fmt_slack(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "n/a"
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        name, _, share = part.partition("=")
        mix[name.strip()] = float(share)
    total = sum(mix.values())
    return {k: v / total for k, v in mix.items() if v > 0}


def split(count: int, mix: dict[str, float]) -> dict[str, int]:
    """Largest remainder: exact counts that add up to `count`."""
    raw = {k: count * v for k, v in mix.items()}
    out = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: count - sum(out.values())]:
        out[k] += 1
    return out


# -- the run --------------------------------------------------------------------------------------

async def main_async(args: argparse.Namespace) -> int:
    scale = args.time_scale
    playbook = bench_playbook(args.csms)
    mix = parse_mix(args.mix)
    unknown = set(mix) - {s.id for s in playbook.segments}
    if unknown:
        raise SystemExit(f"--mix names unknown segments {sorted(unknown)}")
    counts = split(args.deals, mix)
    rng = random.Random(args.seed)
    segments = [s for s, n in counts.items() for _ in range(n)]
    rng.shuffle(segments)
    aes = ae_emails(args.aes)
    places = {s.id: s.place for s in playbook.segments}

    print(__doc__.split("\n\n", 2)[2].rstrip())
    print()
    print(f"machine: {os.cpu_count()} CPUs (this process: simulator + webhook client; child: Baton)")
    print(f"time scale: {scale:g} (a Slack minute lasts {60 / scale:.2f} s real; Baton's limiter speed {scale:g}; "
          f"outbox poll {'woken every ' + format(1 / scale, '.3f') + ' s' if args.scaled_poll and scale > 1 else 'unscaled (1 s real)'})")
    mix_text = ", ".join(f"{s} {n} ({places[s].value}{' in #' + playbook.channels.shared_channel if places[s] is Place.THREAD else ''})"
                         for s, n in counts.items())
    print(f"deals: {args.deals}: {mix_text}")
    print(f"people: {args.aes} AEs (round robin); CSMs assigned by Baton from the playbook's pools "
          f"({len(csm_emails(playbook))} CSMs; csm_email left empty in the webhook); managers invited: 2")

    tmp = Path(tempfile.mkdtemp(prefix="baton-burst-bench-"))
    database_url = f"sqlite:///{tmp / 'baton.db'}"
    sim = BenchSimulator(record=True, rate_limits=True, time_scale=scale)
    users = seed_workspace(sim, playbook, args.aes)
    await sim.start()
    baton = spawn("baton", baton_main, database_url, sim.api_url, sim.bot_token, scale, args.scaled_poll, args.csms)
    csm_ids = {users[e] for e in csm_emails(playbook)}
    ae_ids = {users[e] for e in aes}
    outcomes = {i: DealOutcome(i, seg, places[seg]) for i, seg in enumerate(segments, start=1)}
    payloads = []
    for i, seg in enumerate(segments, start=1):
        low, high = SEGMENT_AMOUNTS[seg]
        payloads.append(deal_payload(index=i, segment=seg, ae_email=aes[(i - 1) % len(aes)],
                                     amount=rng.randrange(low, high)))
    statuses: Counter[int] = Counter()
    webhook_latency: list[float] = []
    url = baton.info["url"]
    timeout = args.timeout
    cpu_start = cpu_seconds(baton.pid)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
            async def close(payload: dict[str, Any], index: int) -> None:
                body, headers = signed_webhook(payload)
                sent = time.monotonic()
                async with session.post(f"{url}/webhooks/deals", data=body, headers=headers) as r:
                    await r.read()
                done = time.monotonic()
                statuses[r.status] += 1
                webhook_latency.append(done - sent)
                outcomes[index].accepted_at = done

            print(f"\nclosing {args.deals} deals at once; waiting until Baton's outbox is empty "
                  f"(at most {timeout:.0f} s real) ...", flush=True)
            t0 = time.monotonic()
            burst = asyncio.gather(*(close(p, i) for i, p in enumerate(payloads, start=1)))
            posted_at: float | None = None
            last_print = t0
            drained_at: float | None = None
            outbox: dict[str, int] = {}
            while True:
                await asyncio.sleep(0.25)
                now = time.monotonic()
                if posted_at is None and burst.done():
                    burst.result()
                    posted_at = now
                if posted_at is not None:
                    async with session.get(f"{url}/metrics") as r:
                        outbox = outbox_counts(await r.text())
                    if not outbox.get("pending") and not outbox.get("failed"):
                        drained_at = now
                        break
                if now - last_print >= 10:
                    last_print = now
                    kinds = Counter(k for s in sim.log for k, _ in classify(s, csm_ids, ae_ids))
                    print(f"  {now - t0:6.1f} s real = {fmt_slack((now - t0) * scale)} Slack: "
                          f"CSM DMs {kinds['csm_dm']}, channels {kinds['channel']}, cards {kinds['card']}, "
                          f"429s {sim.stats.total_ratelimited}, outbox {outbox}", flush=True)
                if now - t0 > timeout:
                    print(f"  timed out after {timeout:.0f} s real; reporting what was delivered", flush=True)
                    break
        cpu_used = cpu_seconds(baton.pid) - cpu_start
        dispatch_stats = baton.ask("stats")
    finally:
        baton.stop()
        await sim.stop()
    end = drained_at if drained_at is not None else time.monotonic()

    # -- what Slack saw ----------------------------------------------------------------------
    shared_creates, shared_id = 0, ""
    invites: Counter[str] = Counter()
    messages_to: Counter[str] = Counter()  # DMs (chat.postMessage) per person
    for served in sim.log:
        if served.method == "conversations.create" and served.values.get("name") == playbook.channels.shared_channel:
            shared_creates += 1
            shared_id = str(served.answer["channel"]["id"])
        if served.method == "conversations.invite":
            asked = [u for u in str(served.values.get("users", "")).split(",") if u]
            already = {e.get("user") for e in served.answer.get("errors", []) if e.get("error") == "already_in_channel"}
            shared = served.values.get("channel") == shared_id
            invites["calls" + (" into shared" if shared else "")] += 1
            if asked and set(asked) <= already:
                invites["everyone already a member" + (" (shared)" if shared else "")] += 1
        if served.method == "chat.postMessage" and str(served.values.get("channel", "")) in csm_ids | ae_ids:
            messages_to[str(served.values["channel"])] += 1
        for kind, index in classify(served, csm_ids, ae_ids):
            if index not in outcomes:
                continue
            {"csm_dm": outcomes[index].csm_dms, "channel": outcomes[index].channels, "card": outcomes[index].cards,
             "ae_dm": outcomes[index].ae_dms}[kind].append(served.at)

    engine = make_engine(database_url)
    with engine.connect() as db:
        handoffs = db.execute(select(HANDOFFS.c.deal_id, HANDOFFS.c.segment, HANDOFFS.c.csm_email)).all()
        dead = db.execute(select(OUTBOX.c.idempotency_key, OUTBOX.c.last_error).where(OUTBOX.c.status == "dead")).all()
        attempts = db.execute(select(OUTBOX.c.attempts)).scalars().all()
    _, outbox_final = status_counts(engine)
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)

    # -- floors ------------------------------------------------------------------------------
    channel_deals = [o for o in outcomes.values() if o.place is Place.CHANNEL]
    thread_deals = [o for o in outcomes.values() if o.place is Place.THREAD]
    per_csm = Counter(email for _, _, email in handoffs)
    n_ch, n_th = len(channel_deals), len(thread_deals)
    creates = n_ch + (1 if n_th else 0)
    tier = METHOD_LIMITS
    floor_dm = max((slack_floor(n, POST_MESSAGE_PER_CHANNEL) for n in per_csm.values()), default=0.0)
    floor_channels = slack_floor(creates, tier["conversations.create"])
    floor_cards = max(floor_channels, slack_floor(n_th, POST_MESSAGE_PER_CHANNEL))
    pace_dm = max((baton_pacing(n, "chat.postMessage", "dm") for n in per_csm.values()), default=0.0)
    pace_channels = baton_pacing(creates, "conversations.create")
    pace_cards = max(pace_channels, baton_pacing(n_th, "chat.postMessage", "shared"))
    # For everything: the calls Baton actually made, grouped as Slack limits them.
    groups = Counter((s.method, str(s.values.get("channel", "")) if s.method in PER_CHANNEL else "")
                     for s in sim.log)
    floors = {g: slack_floor(n, METHOD_LIMITS.get(g[0], TIER_3)) for g, n in groups.items()}
    bottleneck = max(floors, key=lambda g: floors[g])
    floor_all = max(floors[bottleneck], floor_cards)
    pace_all = max(baton_pacing(n, m, c or None) for (m, c), n in groups.items())

    def slack_time(moments: list[float]) -> float | None:
        return (max(moments) - t0) * scale if moments else None

    def all_or_none(values: list[list[float]]) -> float | None:
        firsts = [min(v) for v in values if v]
        return slack_time(firsts) if len(firsts) == len(values) and firsts else None

    t_dm = all_or_none([o.csm_dms for o in outcomes.values()])
    t_channels = all_or_none([o.channels for o in channel_deals])
    t_cards = all_or_none([o.cards for o in outcomes.values()])
    t_all = (end - t0) * scale if drained_at is not None else None

    def ratio(measured: float | None, floor: float) -> str:
        if measured is None:
            return "n/a"
        return f"{measured / floor:.2f}x" if floor > 0 else "-"

    print(f"\nwebhooks: {dict(sorted(statuses.items()))} (202 = opened); all answered after "
          f"{(posted_at - t0) if posted_at else float('nan'):.2f} s real; latency p50 "
          f"{percentile(sorted(webhook_latency), 50) * 1000:.0f} ms, p99 {percentile(sorted(webhook_latency), 99) * 1000:.0f} ms")
    print(f"CSM assignment (deals per CSM): {dict(sorted(per_csm.items()))}")
    print(f"Baton used {cpu_used:.1f} s of CPU over {end - t0:.1f} s real "
          f"({cpu_used / max(end - t0, 1e-9):.0%} of one core)\n")
    print("Times from the first webhook, in Slack time (m:ss); floor = least Slack's limits allow (the simulator's\n"
          "windows, every call ready at once); Baton pacing = least Baton's own limiter allows (90% of Slack's rate).")
    print(table(["milestone", "Baton", "real s", "Slack floor", "Baton pacing", "vs floor"], [
        [f"every CSM told (DM) [{args.deals}]", fmt_slack(t_dm), f"{t_dm / scale:.1f}" if t_dm else "n/a",
         fmt_slack(floor_dm), fmt_slack(pace_dm), ratio(t_dm, floor_dm)],
        [f"every channel created [{n_ch}]", fmt_slack(t_channels), f"{t_channels / scale:.1f}" if t_channels else "n/a",
         fmt_slack(floor_channels), fmt_slack(pace_channels), ratio(t_channels, floor_channels)],
        [f"every card posted [{args.deals}]", fmt_slack(t_cards), f"{t_cards / scale:.1f}" if t_cards else "n/a",
         fmt_slack(floor_cards), fmt_slack(pace_cards), ratio(t_cards, floor_cards)],
        ["everything delivered (outbox empty)", fmt_slack(t_all), f"{t_all / scale:.1f}" if t_all else "n/a",
         fmt_slack(floor_all), fmt_slack(pace_all), ratio(t_all, floor_all)],
    ]))

    def spread(ids_: set[str]) -> str:
        counts = sorted(messages_to[u] for u in ids_ if u in messages_to)
        if not counts:
            return "none"
        return f"min {counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]} (over {len(counts)} people)"

    told_csms = {users[e] for e in per_csm}
    print(f"\nmessages per person (DMs): CSMs {spread(told_csms)}; AEs {spread(ae_ids)}")
    print(f"last card: {fmt_slack(t_cards)} Slack time against Slack's floor {fmt_slack(floor_cards)} "
          f"= {ratio(t_cards, floor_cards)}")
    first_dm = min((min(o.csm_dms) for o in outcomes.values() if o.csm_dms), default=None)
    lookups = [s.at for s in sim.log if s.method == "users.lookupByEmail"]
    print(f"first CSM DM after {fmt_slack((first_dm - t0) * scale) if first_dm else 'n/a'}; "
          f"{len(lookups)} users.lookupByEmail (Tier 3), the last after "
          f"{fmt_slack((max(lookups) - t0) * scale) if lookups else 'n/a'} (a deal's CSM DM waits for its AE's and CSM's ids)")
    waits = sorted((min(o.csm_dms) - o.accepted_at) * scale for o in outcomes.values()
                   if o.csm_dms and o.accepted_at is not None)
    late = sum(1 for w in waits if w > CSM_SLA_SECONDS)
    where = "#" + playbook.channels.shared_channel if bottleneck[1] == shared_id else bottleneck[1]
    print(f"everything: the floor is for the calls Baton made; the slowest group is {bottleneck[0]}"
          f"{' in ' + where if bottleneck[1] else ''}: {groups[bottleneck]} calls")
    print(f"\nper deal, webhook answered -> CSM DM (Slack time): p50 {fmt_slack(percentile(waits, 50))}, "
          f"p95 {fmt_slack(percentile(waits, 95))}, max {fmt_slack(waits[-1] if waits else None)}; "
          f"over 5 minutes: {late} of {len(waits)}")
    by_segment: dict[str, list[float]] = defaultdict(list)
    for o in outcomes.values():
        if o.cards and o.accepted_at is not None:
            by_segment[o.segment].append((min(o.cards) - o.accepted_at) * scale)
    print("per deal, webhook answered -> card posted (Slack time): " + "; ".join(
        f"{seg} p50 {fmt_slack(percentile(sorted(v), 50))} max {fmt_slack(max(v))}" for seg, v in sorted(by_segment.items())))

    if cpu_used / max(end - t0, 1e-9) > 0.3 and scale > 1:
        print(f"\nWARNING: Baton kept {cpu_used / max(end - t0, 1e-9):.0%} of a core busy. CPU time is not scaled, so at "
              f"--time-scale {scale:g} each real second of Baton's own work counts as {scale:g} Slack seconds:\n"
              "the Slack-time numbers above are pessimistic. `--time-scale 1` measures at Slack's real speed "
              "(about 17 minutes for 500 deals).")
    lost_dm = [o.index for o in outcomes.values() if not o.csm_dms]
    lost_card = [o.index for o in outcomes.values() if not o.cards]
    lost_channel = [o.index for o in channel_deals if not o.channels]
    lost_ae = [o.index for o in outcomes.values() if not o.ae_dms]
    dup = {name: [o.index for o in outcomes.values() if len(getattr(o, name)) > 1]
           for name in ("csm_dms", "channels", "cards", "ae_dms")}
    print(f"\n429s served by the simulator: {sim.stats.total_ratelimited} {dict(sim.stats.ratelimited)}")
    print(f"refusals (ok: false): {dict(sim.refusals) or 'none'}")
    print(f"lost (deals missing it): CSM DM {len(lost_dm)}, card {len(lost_card)}, channel {len(lost_channel)}, "
          f"AE DM {len(lost_ae)}")
    print(f"duplicated (deals with more than one): CSM DM {len(dup['csm_dms'])}, channel {len(dup['channels'])}, "
          f"card {len(dup['cards'])}, AE DM {len(dup['ae_dms'])}; #{playbook.channels.shared_channel} created "
          f"{shared_creates} time(s)")
    print(f"handoffs in the database: {len(handoffs)}; outbox: {outbox_final}; dead letters: {len(dead)}")
    for key, error in dead[:10]:
        print(f"  dead: {key}: {error}")
    print(f"outbox attempts recorded per message: mean {sum(attempts) / max(len(attempts), 1):.1f}, "
          f"max {max(attempts, default=0)}; dispatcher (instrumented): {dispatch_stats.get('claims', 0)} claims, "
          f"{dispatch_stats.get('attempts', 0)} delivery runs, {dispatch_stats.get('paced or retried', 0)} of them "
          f"put back by pacing or a retry ({dispatch_stats.get('attempts', 0) / max(args.deals, 1):.1f} runs per deal, "
          f"{cpu_used / max(dispatch_stats.get('attempts', 1), 1) * 1000:.1f} ms CPU per run)")
    print(f"conversations.invite: {invites['calls'] + invites['calls into shared']} calls, "
          f"{invites['calls into shared']} into #{playbook.channels.shared_channel}, of which "
          f"{invites['everyone already a member (shared)']} invited only people already in it")
    calls = Counter(s.method for s in sim.log)
    print("Slack calls (ok): " + ", ".join(f"{m} {n}" for m, n in calls.most_common()))
    print(f"Slack calls (all, incl. 429s): {sim.stats.total_calls}")
    if lost_dm or lost_card:
        shown = sorted(set(lost_dm + lost_card))[:10]
        print("deals missing something (first 10): " + json.dumps(shown))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=500)
    parser.add_argument("--time-scale", type=float, default=10.0,
                        help="Slack's windows run this much faster (default 10: a Slack minute lasts 6 s)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"segment shares (default {DEFAULT_MIX})")
    parser.add_argument("--aes", type=int, default=25, help="account executives (deals go round robin)")
    parser.add_argument("--csms", type=int, default=None,
                        help="CSMs Baton assigns from (default: the shipped playbook's pools)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the segment order and amounts")
    parser.add_argument("--timeout", type=float, default=None,
                        help="give up after this many real seconds (default: 3x Slack's floor + 60 s)")
    parser.add_argument("--unscaled-poll", dest="scaled_poll", action="store_false",
                        help="leave Baton's 1 s (real) idle outbox poll as it is")
    args = parser.parse_args()
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    if args.timeout is None:
        playbook = bench_playbook(args.csms)
        counts = split(args.deals, parse_mix(args.mix))
        places = {s.id: s.place for s in playbook.segments}
        n_ch = sum(n for s, n in counts.items() if places.get(s) is Place.CHANNEL)
        n_th = args.deals - n_ch
        floor = max(slack_floor(n_ch + 1, METHOD_LIMITS["conversations.create"]),
                    slack_floor(2 * n_th, POST_MESSAGE_PER_CHANNEL))
        args.timeout = 3 * floor / args.time_scale + 60
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
