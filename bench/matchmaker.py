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
4. **Service tick** (a platform of its own): the matchmaking service's whole tick (`Engine.tick_game`:
   inbox, Rust tick, commit, relay of match.found) on a 100k-ticket pool in Redis, ≥ 50 ticks. The
   pool holds 75k tickets that cannot match (their only latencies are above the ceiling) and, before
   each tick, 25k new tickets that mostly match at once (ratings ~N(1500, 300), one home region of 5)
   plus 500 that expire in it (the mode's longest wait is an hour, so the standing ones stay); they
   are written to Redis as CreateTicket writes them, and that write is not timed. The engine runs in this process against a game created through core; the same
   tickets go into a bare `Matchmaker` whose `tick` is timed just before, for the overhead ratio.
   Then the engine stops and the platform's own matchmaking process takes the game over (its lease
   expires) while the refills go on; CreateTicket through Envoy (other players, another game, at a
   steady rate) measures that process's RPC latency while it ticks the 100k pool.

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
from playmesh.matchmaking.engine import Engine
from playmesh.matchmaking.store import TicketStore, game_key
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


# --- the service's tick --------------------------------------------------------------------------------


_MAX_WAIT_SECONDS = 3600  # the standing tickets must not expire during the run


class _Configs:
    """The one game's configuration, as core stored it (the engine's config source in this process)."""

    def __init__(self, config: core_pb2.GameConfig) -> None:
        self.config = config

    async def get(self, studio_id: str, game_id: str) -> core_pb2.GameConfig:
        return self.config


def _ticket(rng: random.Random, game_id: str, created: float, *, matchable: bool) -> mm.Ticket:
    home = rng.randrange(len(REGIONS))
    rating = max(0.0, rng.gauss(1500, 300))
    ticket = mm.Ticket(id=str(uuid.uuid4()), game_id=game_id, mode="duo", player_ids=[str(uuid.uuid4())], player_ratings=[rating], rating=rating, state=1)
    for k, region in enumerate(REGIONS):
        ms = int(20 + 60 * abs(k - home) + rng.random() * 30) if matchable else 400 + k
        ticket.latencies.add(region=region, latency_ms=ms)
    ticket.create_time.FromMilliseconds(int(created * 1000))
    return ticket


async def _write(store: TicketStore, game: str, tickets: list[mm.Ticket]) -> None:
    """Stores tickets as CreateTicket does (its script), pipelined."""
    for start in range(0, len(tickets), 2000):
        async with store.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(store.GAMES, game)  # as TicketStore.create: the games set before and after the tickets
            for t in tickets[start : start + 2000]:
                keys = [store.ticket_key(game, t.id), store.queue_key(game), store.inbox_key(game), store.player_prefix(game) + t.player_ids[0]]
                await store._create(keys=keys, args=[t.id, t.SerializeToString(), int(t.create_time.ToMilliseconds()), game, t.player_ids[0]], client=pipe)
            pipe.sadd(store.GAMES, game)
            await pipe.execute()


def _refill(rng: random.Random, game_id: str, now: float, fresh: int) -> list[mm.Ticket]:
    tickets = [_ticket(rng, game_id, now, matchable=True) for _ in range(fresh)]
    return tickets + [_ticket(rng, game_id, now - _MAX_WAIT_SECONDS, matchable=False) for _ in range(500)]  # expire in the next tick


async def service_tick(args: argparse.Namespace) -> dict[str, float]:
    with running_platform() as platform:
        return await _service_tick(platform, args)


async def _service_tick(platform: PlatformProcess, args: argparse.Namespace) -> dict[str, float]:
    duo = core_pb2.GameMode(name="duo", team_size=2, team_count=2, matchmaking=core_pb2.MatchmakingRules(max_wait_seconds=_MAX_WAIT_SECONDS))
    config = core_pb2.GameConfig(modes=[duo], regions=[core_pb2.Region(name=r) for r in REGIONS])
    studio_id, game_id, _ = await asyncio.to_thread(create_game, platform.gateway, config)
    game = game_key(studio_id, game_id)
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    store = TicketStore(redis)
    engine = Engine(store, _Configs(config), instance=f"bench-{uuid.uuid4().hex[:6]}")  # type: ignore[arg-type]
    bare = Matchmaker([ModeRules(game, "duo", 2, 2, max_wait_seconds=_MAX_WAIT_SECONDS)])
    rng = random.Random(11)
    standing = 100_000 - args.fresh
    say(f"service tick: {standing} standing tickets + {args.fresh} new per tick, {args.ticks} ticks …")
    try:
        # Held before the game has tickets, so the platform's own matchmaker leaves it to this one.
        assert await store.hold_lease(game, engine.instance, 10_000)
        for start in range(0, standing, 25_000):
            batch = [_ticket(rng, game_id, time.time(), matchable=False) for _ in range(min(25_000, standing - start))]
            await _write(store, game, batch)
            bare.enqueue_encoded(game, [t.SerializeToString() for t in batch])
        assert await store.hold_lease(game, engine.instance, 10_000)
        await engine.tick_game(game)  # loads the pool from Redis, as a matchmaker taking the game over
        rust_ms, service_ms, matched = [], [], []
        for i in range(args.ticks + 2):
            batch = _refill(rng, game_id, time.time(), args.fresh)
            await _write(store, game, batch)
            bare.enqueue_encoded(game, [t.SerializeToString() for t in batch])
            assert await store.hold_lease(game, engine.instance, 10_000)
            now = time.time()
            started = time.perf_counter()
            result = bare.tick(now)
            elapsed = (time.perf_counter() - started) * 1000
            del result
            before = len(engine.pools[game].matchmaker) + len(batch)
            started = time.perf_counter()
            await engine.tick_game(game)
            service = (time.perf_counter() - started) * 1000
            if i >= 2:  # two warm-up ticks
                rust_ms.append(elapsed)
                service_ms.append(service)
                matched.append(before - len(engine.pools[game].matchmaker))
        pool_size = len(engine.pools[game].matchmaker)
        result: dict[str, float] = {
            "service_tick_ms_p50_100k": round(statistics.median(service_ms), 2),
            "service_tick_ms_p99_100k": round(percentile(service_ms, 0.99), 2),
            "service_tick_rust_ms_p50_100k": round(statistics.median(rust_ms), 2),
            "service_tick_overhead_ratio": round(statistics.median(service_ms) / statistics.median(rust_ms), 2),
            "service_tick_left_per_tick_median": int(statistics.median(matched)),
            "service_tick_pool_after": pool_size,
            "service_ticks": len(service_ms),
        }
        say(f"  {result}")
        await redis.delete(store.lease_key(game))  # hand the game to the platform's own matchmaker
        result["rpc_p99_ms_during_tick"], result["rpc_p50_ms_during_tick"], result["rpc_calls_during_tick"] = await _rpc_during_ticks(
            platform, store, game, game_id, rng, args
        )
        return result
    finally:
        await redis.aclose()


async def _rpc_during_ticks(
    platform: PlatformProcess, store: TicketStore, game: str, game_id: str, rng: random.Random, args: argparse.Namespace
) -> tuple[float, float, int]:
    """CreateTicket p99/p50 (ms) through Envoy, on another game, while the platform's matchmaking
    process ticks the 100k pool (refilled as above)."""
    config = core_pb2.GameConfig(modes=[core_pb2.GameMode(name="duo", team_size=2, team_count=2)], regions=[core_pb2.Region(name=r) for r in REGIONS])
    _, _, key = await asyncio.to_thread(create_game, platform.gateway, config)
    async with grpc.aio.insecure_channel(platform.gateway) as channel:
        core = core_service_pb2_grpc.CoreServiceStub(channel)
        mmstub = matchmaking_service_pb2_grpc.MatchmakingServiceStub(channel)
        players = await make_players(core, key, int(args.rpc_rate * args.rpc_seconds) + 10)
        say(f"CreateTicket at {args.rpc_rate:.0f}/s for {args.rpc_seconds:.0f} s while the matchmaking process ticks the pool …")
        stop = asyncio.Event()

        async def refill() -> None:
            while not stop.is_set():
                await _write(store, game, _refill(rng, game_id, time.time(), args.fresh))
                await asyncio.sleep(0.2)

        refiller = asyncio.create_task(refill())
        latencies: list[float] = []

        async def create(token: str) -> None:
            started = time.perf_counter()
            await mmstub.CreateTicket(
                pb.CreateTicketRequest(mode="duo", latencies=[mm.RegionLatency(region="asia", latency_ms=300)]),
                metadata=(("x-api-key", key), ("authorization", f"Bearer {token}")),
            )
            latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.sleep(2.0)  # the platform's matchmaker takes the game over and loads the pool
        tasks = []
        began = time.monotonic()
        for i, (_, token) in enumerate(players[: int(args.rpc_rate * args.rpc_seconds)]):
            await asyncio.sleep(max(0.0, began + i / args.rpc_rate - time.monotonic()))
            tasks.append(asyncio.create_task(create(token)))
        await asyncio.gather(*tasks)
        stop.set()
        await refiller
    return round(percentile(latencies, 0.99), 2), round(percentile(latencies, 0.5), 2), len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="simulation length (bounded)")
    parser.add_argument("--rate", type=float, default=200, help="tickets per second in the simulation")
    parser.add_argument("--burst-seconds", type=float, default=5, help="length of the enqueue burst")
    parser.add_argument("--burst-players", type=int, default=6000, help="players available to the burst (one ticket each)")
    parser.add_argument("--concurrency", type=int, default=32, help="CreateTicket calls in flight in the burst")
    parser.add_argument("--tick-only", action="store_true", help="skip the simulation and the service tick")
    parser.add_argument("--ticks", type=int, default=50, help="service ticks timed")
    parser.add_argument("--fresh", type=int, default=25_000, help="new tickets before each service tick")
    parser.add_argument("--rpc-rate", type=float, default=50, help="CreateTicket per second while the service ticks")
    parser.add_argument("--rpc-seconds", type=float, default=20, help="how long CreateTicket is measured while the service ticks")
    parser.add_argument("--service-tick-only", action="store_true", help="only the service tick")
    args = parser.parse_args()
    if args.service_tick_only:
        quiet_gc()
        print(json.dumps({**asyncio.run(service_tick(args)), "cpus": os.cpu_count()}))
        return

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
        result.update(asyncio.run(service_tick(args)))
    result["cpus"] = os.cpu_count()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
