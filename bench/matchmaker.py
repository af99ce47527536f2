"""Benchmark: the matchmaker core's tick, and the matchmaking service under a steady arrival of tickets.

1. **Tick** (no service): one long-lived pool per implementation, as in the service, refilled for each
   repetition with 10k, 50k or 100k new seeded tickets across 4 modes x 5 regions, ratings
   ~N(1500, 300), per-region latencies around each player's home region, 20% parties, waits up to
   30 s. The tick after each refill is timed (most of the pool matches in it, so this is the heaviest
   tick such a pool sees; the few left over expire in the next one). The first repetition warms the
   process up and is not counted. The Rust core and the pure-Python reference run the same 10k pools.
2. **Simulation** (through Envoy): a platform of its own, a 2v2 mode, players with ratings ~N(1500, 300)
   (set on their accounts as if already rated). Tickets arrive at `--rate` per second for `--seconds`,
   each from a fresh player with latencies to two regions. Time to match, team rating gap and quality
   are read from the `match.found` events.
3. **Enqueue**: CreateTicket as fast as `--concurrency` callers can, through Envoy, for `--burst-seconds`.

Prints progress on stderr and, as the last stdout line, one JSON object.

    make bench-matchmaker
    python bench/matchmaker.py --seconds 60 --rate 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid

import asyncpg
import grpc
from common import create_game, percentile, quiet_gc, running_platform, say
from playmesh.core.v1 import core_pb2, core_service_pb2, core_service_pb2_grpc
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.matchmaking.v1 import matchmaking_service_pb2_grpc
from playmesh.runtime.bus import stream_key
from playmesh.runtime.tables import tenant_schema
from redis.asyncio import Redis

from matchmaker_rs import Matchmaker, ModeRules
from matchmaker_rs.reference import ReferenceMatchmaker

REGIONS = ["eu-west", "eu-east", "us-east", "us-west", "asia"]
MODES = [ModeRules("g", "duel", 1, 2), ModeRules("g", "duo", 2, 2), ModeRules("g", "squad", 4, 2), ModeRules("g", "ffa", 1, 8)]


def fill_pool(pool: object, n: int, seed: int, clock: float) -> None:
    rng = random.Random(seed)
    for i in range(n):
        mode = rng.choice(MODES)
        size = rng.randint(2, mode.team_size) if mode.team_size > 1 and rng.random() < 0.2 else 1
        home = rng.randrange(len(REGIONS))
        latencies = [(r, int(20 + 60 * abs(k - home) + rng.random() * 30)) for k, r in enumerate(REGIONS)]
        players = [(f"p{i}-{k}", max(0.0, rng.gauss(1500, 300))) for k in range(size)]
        pool.enqueue(f"t{seed}-{i:07d}", "g", mode.mode, players, latencies, clock + rng.uniform(0, 30))  # type: ignore[attr-defined]


def time_ticks(impl: type, n: int, reps: int) -> list[float]:
    """Tick times (ms) of one pool refilled `reps` times, after one uncounted warm-up."""
    pool = impl(MODES)
    times = []
    for rep in range(reps + 1):
        clock = 1000.0 * rep  # far enough apart that leftovers expire instead of matching new tickets
        fill_pool(pool, n, seed=rep, clock=clock)
        started = time.perf_counter()
        result = pool.tick(clock + 30.0)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - started) * 1000
        del result  # freeing the matches is the consumer's work, after it has read them
        if rep:
            times.append(elapsed)
    return times


async def make_players(stub: core_service_pb2_grpc.CoreServiceStub, key: str, count: int) -> list[tuple[str, str]]:
    semaphore = asyncio.Semaphore(32)

    async def one(_: int) -> tuple[str, str]:
        async with semaphore:
            reply = await stub.AuthenticateDevice(
                core_service_pb2.AuthenticateDeviceRequest(device_id=f"bench-{uuid.uuid4().hex}", create=True), metadata=(("x-api-key", key),)
            )
            return reply.player.id, reply.tokens.access_token

    return await asyncio.gather(*(one(i) for i in range(count)))


async def simulate(args: argparse.Namespace) -> dict[str, float]:
    with running_platform() as platform:
        return await _simulate(platform, args)


async def _simulate(platform: PlatformProcess, args: argparse.Namespace) -> dict[str, float]:
    async with grpc.aio.insecure_channel(platform.gateway) as channel:
        core = core_service_pb2_grpc.CoreServiceStub(channel)
        mmstub = matchmaking_service_pb2_grpc.MatchmakingServiceStub(channel)
        config = core_pb2.GameConfig(modes=[core_pb2.GameMode(name="duo", team_size=2, team_count=2)], regions=[core_pb2.Region(name=r) for r in REGIONS])
        studio_id, _, key = await asyncio.to_thread(create_game, platform.gateway, config)

        arrivals = int(args.rate * args.seconds)
        burst_players = int(args.burst_players)
        say(f"signing up {arrivals + burst_players} players …")
        players = await make_players(core, key, arrivals + burst_players)
        rng = random.Random(7)
        conn = await asyncpg.connect(str(platform.endpoints["database_url"]))
        try:
            await conn.executemany(
                f'UPDATE "{tenant_schema(studio_id)}".players SET ratings = $1::jsonb WHERE id = $2',
                [(json.dumps([{"mode": "duo", "display_rating": max(0.0, rng.gauss(1500, 300))}]), uuid.UUID(pid)) for pid, _ in players],
            )
        finally:
            await conn.close()

        def latencies() -> list[mm.RegionLatency]:
            home = rng.randrange(len(REGIONS))
            return [mm.RegionLatency(region=REGIONS[k], latency_ms=int(20 + 60 * abs(k - home) + rng.random() * 30)) for k in range(len(REGIONS))]

        say(f"simulation: {args.rate:.0f} tickets/s for {args.seconds:.0f} s through Envoy …")
        created: dict[str, float] = {}
        started = time.monotonic()
        tasks = []
        for i, (_, token) in enumerate(players[:arrivals]):
            due = started + i / args.rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))

            async def create(token: str = token) -> None:
                reply = await mmstub.CreateTicket(
                    pb.CreateTicketRequest(mode="duo", latencies=latencies()), metadata=(("x-api-key", key), ("authorization", f"Bearer {token}"))
                )
                created[reply.ticket.id] = reply.ticket.create_time.ToMilliseconds() / 1000

            tasks.append(asyncio.create_task(create()))
        await asyncio.gather(*tasks)
        await asyncio.sleep(min(30.0, args.seconds / 2))  # let the last arrivals widen and match

        redis = Redis.from_url(str(platform.endpoints["redis_url"]))
        try:
            entries = await redis.xrange(stream_key("match.found"))
        finally:
            await redis.aclose()
        to_match, gaps, qualities = [], [], []
        for _, fields in entries:
            match = mm.Match.FromString(fields[b"payload"])
            matched_at = match.create_time.ToMilliseconds() / 1000
            sums = [team.rating_sum for team in match.teams]
            gaps.append(max(sums) - min(sums))
            qualities.append(match.quality)
            to_match += [matched_at - created[p.ticket_id] for team in match.teams for p in team.players if p.ticket_id in created]
        say(f"  {len(entries)} matches; {len(to_match)} of {arrivals} tickets matched")

        say(f"enqueue burst: {args.burst_seconds:.0f} s, {args.concurrency} in flight …")
        burst = players[arrivals:]
        sent = 0
        deadline = time.monotonic() + args.burst_seconds

        async def caller() -> None:
            nonlocal sent
            while time.monotonic() < deadline and burst:
                _, token = burst.pop()
                await mmstub.CreateTicket(
                    pb.CreateTicketRequest(mode="duo", latencies=latencies()), metadata=(("x-api-key", key), ("authorization", f"Bearer {token}"))
                )
                sent += 1

        burst_started = time.monotonic()
        await asyncio.gather(*(caller() for _ in range(args.concurrency)))
        enqueue_rps = sent / (time.monotonic() - burst_started)
        say(f"  {enqueue_rps:.0f} CreateTicket/s ({sent} sent{', ran out of players' if not burst else ''})")
    return {
        "sim_tickets": arrivals,
        "sim_matched": len(to_match),
        "sim_time_to_match_p50_s": round(percentile(to_match, 0.5), 2),
        "sim_time_to_match_p95_s": round(percentile(to_match, 0.95), 2),
        "sim_team_gap_median": round(statistics.median(gaps), 1) if gaps else None,
        "sim_quality_median": round(statistics.median(qualities), 3) if qualities else None,
        "enqueue_rps_gateway": round(enqueue_rps, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="simulation length (bounded)")
    parser.add_argument("--rate", type=float, default=200, help="tickets per second in the simulation")
    parser.add_argument("--burst-seconds", type=float, default=5, help="length of the enqueue burst")
    parser.add_argument("--burst-players", type=int, default=6000, help="players available to the burst (one ticket each)")
    parser.add_argument("--concurrency", type=int, default=32, help="CreateTicket calls in flight in the burst")
    parser.add_argument("--tick-only", action="store_true", help="skip the simulation")
    args = parser.parse_args()

    # The tick phase runs with Python's default collector: the reference is measured as it ships.
    say("tick: 10k (Rust, reference), 50k, 100k …")
    rust_10k = time_ticks(Matchmaker, 10_000, 9)
    python_10k = time_ticks(ReferenceMatchmaker, 10_000, 3)
    rust_50k = time_ticks(Matchmaker, 50_000, 5)
    rust_100k = time_ticks(Matchmaker, 100_000, 7)
    result: dict[str, object] = {
        "tick_ms_p50_10k": round(statistics.median(rust_10k), 2),
        "tick_ms_p50_50k": round(statistics.median(rust_50k), 2),
        "tick_ms_p50_100k": round(statistics.median(rust_100k), 2),
        "tick_ms_p99_100k": round(percentile(rust_100k, 0.99), 2),
        "python_tick_ms_p50_10k": round(statistics.median(python_10k), 2),
        "speedup_vs_python_10k": round(statistics.median(python_10k) / statistics.median(rust_10k), 1),
    }
    say(f"  {result}")
    if not args.tick_only:
        quiet_gc()
        result.update(asyncio.run(simulate(args)))
    result["cpus"] = os.cpu_count()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
