"""Benchmark: the scoreboard through Envoy, on a platform of its own (native gRPC throughout).

0. **No-op**: core's GetJwks at full load, the yardstick every figure is divided by (``*_per_noop``).
1. **Players**: the scoreboard accepts scores only for players of the game. `--action-players` sign
   up through AuthenticateDevice (they need tokens for SubmitAction); the rest of `--players` are
   inserted into core's player tables in one transaction, since signing up 100,000 players one call
   at a time would take minutes. Every score below goes through the scoreboard's API.
2. **SubmitAction**: players' actions as fast as `--workers` x `--concurrency` callers can, for
   `--seconds`, spread over `--action-players` players (each has its own per-player budget).
3. **SubmitScores**: a game server's batches of `--batch` trusted updates, 4 in flight, for
   `--seconds`, in two shapes: every update of a batch for a different player (one row write each),
   and the updates of a batch spread over `--merged-players` players (merged into that many row
   writes). Row writes per second = distinct players per batch x batches per second.
4. **Fan-out**: `--watchers` WatchLeaderboard streams (top 10) over `--connections` client connections
   (from `--workers` processes), watching `--boards` boards in turn, while a game server sets scores
   at `--update-rate` per second (one batch every 50 ms over all boards). Each batch moves each
   board's probe player to its top with a score that names the batch; a batch counts as delivered to
   a watcher when the watcher first receives its score or a later one (coalescing skips states, it
   never delays the newest). Latency runs from the start of the SubmitScores call.
5. **GetTop**: top 10 of a board of all `--players` players (seeded by SubmitScores batches of 1,000
   distinct players, each player once), `--top-concurrency` calls in flight from 2 processes, after
   the board's first read (timed on its own: it rebuilds the board's Redis copy from PostgreSQL).

The JSON says what was measured: the work per call, the board sizes (as GetTop reports them), the
connections Envoy held (from its admin interface), and the rate limits raised from their defaults.

    make bench-scoreboard
    python bench/scoreboard.py --only top --players 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import time
import uuid

import grpc
from common import (
    create_game,
    gateway_connections,
    in_processes,
    measure_noop,
    percentile,
    platform_settings,
    quiet_gc,
    running_platform,
    say,
    versus_noop,
)
from playmesh.core.v1 import core_pb2, core_service_pb2, core_service_pb2_grpc
from playmesh.runtime.db import Database
from playmesh.runtime.tables import tenant_schema
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as pb
from playmesh.scoreboard.v1 import scoreboard_service_pb2_grpc

MAX_BOARDS = 20
CONFIG = core_pb2.GameConfig(
    actions=[core_pb2.ActionPoints(action="kill", points=10), core_pb2.ActionPoints(action="assist", points=3)],
    leaderboards=[
        core_pb2.LeaderboardSettings(name="kills", display_name="Kills"),
        core_pb2.LeaderboardSettings(name="top", display_name="Top", operator=core_pb2.SCORE_OPERATOR_SET),
        *(core_pb2.LeaderboardSettings(name=f"live{b}", display_name=f"Live {b}", operator=core_pb2.SCORE_OPERATOR_SET) for b in range(MAX_BOARDS)),
    ],
)
PROBE_STEP = 1_000_000  # the probe's score is (batch index + 1) x this: above every other player
SEED_BATCH = 1000  # the batch API's largest batch


def _stub(channel: grpc.aio.Channel) -> scoreboard_service_pb2_grpc.ScoreboardServiceStub:
    return scoreboard_service_pb2_grpc.ScoreboardServiceStub(channel)


def _own_connection(gateway: str) -> grpc.aio.Channel:
    # grpc shares one connection among channels with the same target and arguments unless each
    # channel keeps its own subchannel pool.
    return grpc.aio.insecure_channel(gateway, options=[("grpc.use_local_subchannel_pool", 1)])


# --- sign-up ---------------------------------------------------------------------------------------


async def _sign_up(gateway: str, key: str, count: int, concurrency: int, keep_tokens: int) -> list[tuple[str, str]]:
    """``count`` new players as (id, access token); tokens only for the first ``keep_tokens``."""
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = core_service_pb2_grpc.CoreServiceStub(channel)
        out: list[tuple[str, str]] = []
        pending = iter(range(count))

        async def loop() -> None:
            for i in pending:
                request = core_service_pb2.AuthenticateDeviceRequest(device_id=f"bench-{uuid.uuid4().hex}", create=True)
                reply = await stub.AuthenticateDevice(request, metadata=(("x-api-key", key),), timeout=30)
                out.append((reply.player.id, reply.tokens.access_token if i < keep_tokens else ""))

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return out


def sign_up(gateway: str, key: str, count: int, keep_tokens: int, workers: int = 2) -> tuple[list[str], list[str], float]:
    """(player ids, access tokens of the first ``keep_tokens``, sign-ups per second)."""
    shares = [count // workers + (1 if w < count % workers else 0) for w in range(workers)]
    args = [(gateway, key, share, 16, keep_tokens // workers + 1) for share in shares]
    results, elapsed = in_processes(_sign_up, args, timeout=count / 50 + 120)
    players = [p for r in results for p in r]
    return [p[0] for p in players], [p[1] for p in players if p[1]][:keep_tokens], count / elapsed


async def add_players(database_url: str, studio_id: str, game_id: str, count: int) -> list[str]:
    """``count`` players with a device identity each, inserted straight into core's tables in one
    transaction (the rows a sign-up creates, without its tokens); returns their ids."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    schema = tenant_schema(studio_id)
    db = Database(database_url, pool_size=1)
    try:
        async with db.driver() as conn, conn.transaction():
            await conn.execute(
                f'INSERT INTO "{schema}".players (id, game_id, display_name) SELECT id, $2::uuid, $3 || left(id::text, 8) FROM unnest($1::uuid[]) AS id',
                ids,
                game_id,
                "Player-",
            )
            await conn.execute(
                f'INSERT INTO "{schema}".player_identities (game_id, kind, external_id, player_id) '
                "SELECT $2::uuid, 'device', 'bench-' || id::text, id FROM unnest($1::uuid[]) AS id",
                ids,
                game_id,
            )
    finally:
        await db.close()
    return ids


# --- SubmitAction ----------------------------------------------------------------------------------


async def _actions(gateway: str, key: str, tokens: list[str], seconds: float, concurrency: int) -> tuple[int, int, list[float]]:
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def loop(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < deadline:
                md = (("x-api-key", key), ("authorization", f"Bearer {tokens[i % len(tokens)]}"))
                i += concurrency
                started = time.perf_counter()
                try:
                    await stub.SubmitAction(pb.SubmitActionRequest(leaderboard="kills", action="kill"), metadata=md, timeout=10)
                    latencies.append(time.perf_counter() - started)
                except grpc.aio.AioRpcError:
                    errors += 1

        await asyncio.gather(*(loop(k) for k in range(concurrency)))
        return len(latencies), errors, latencies


def drive_actions(gateway: str, key: str, tokens: list[str], seconds: float, workers: int, concurrency: int) -> tuple[float, int, list[float]]:
    share = len(tokens) // workers
    shares = [(gateway, key, tokens[w * share : (w + 1) * share], seconds, concurrency) for w in range(workers)]
    results, elapsed = in_processes(_actions, shares, timeout=seconds + 60)
    return sum(r[0] for r in results) / min(elapsed, seconds + 0.5), sum(r[1] for r in results), [x for r in results for x in r[2]]


# --- SubmitScores ----------------------------------------------------------------------------------


async def drive_batches(gateway: str, token: str, players: list[str], seconds: float, batch: int, distinct: int) -> dict[str, float | int]:
    """Batches of ``batch`` increments on "kills", 4 in flight; the updates of one batch go to
    ``distinct`` different players (each player ``batch / distinct`` times)."""
    assert distinct <= min(batch, len(players))
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        md = (("authorization", f"Bearer {token}"),)
        counts = {"batches": 0, "updates": 0, "row_writes": 0, "rejected": 0, "errors": 0}
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def loop(k: int) -> None:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                first = (k * 7919 + n * distinct) % len(players)
                chosen = [players[(first + i % distinct) % len(players)] for i in range(batch)]
                updates = [pb.ScoreUpdate(leaderboard="kills", player_id=p, score=1, request_id=f"{k}-{n}-{i}") for i, p in enumerate(chosen)]
                sent = time.perf_counter()
                try:
                    reply = await stub.SubmitScores(pb.SubmitScoresRequest(updates=updates), metadata=md, timeout=30)
                except grpc.aio.AioRpcError:
                    counts["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                accepted = {p for p, r in zip(chosen, reply.results, strict=True) if r.accepted}
                counts["batches"] += 1
                counts["updates"] += sum(r.accepted for r in reply.results)
                counts["rejected"] += sum(not r.accepted for r in reply.results)
                counts["row_writes"] += len(accepted)

        await asyncio.gather(*(loop(k) for k in range(4)))
        elapsed = time.perf_counter() - started
    return {
        "updates_per_s": counts["updates"] / elapsed,
        "row_writes_per_s": counts["row_writes"] / elapsed,
        "batches_per_s": counts["batches"] / elapsed,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "rejected": counts["rejected"],
        "errors": counts["errors"],
    }


async def seed_board(gateway: str, token: str, players: list[str], board: str) -> float:
    """Gives every player one score on ``board`` through SubmitScores batches of 1,000 distinct players,
    4 in flight; returns the seconds taken."""
    rng = random.Random(7)
    batches = [players[i : i + SEED_BATCH] for i in range(0, len(players), SEED_BATCH)]
    pending = iter(batches)
    started = time.perf_counter()
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        md = (("authorization", f"Bearer {token}"),)

        async def loop() -> None:
            for chunk in pending:
                updates = [pb.ScoreUpdate(leaderboard=board, player_id=p, score=rng.randrange(1, PROBE_STEP)) for p in chunk]
                reply = await stub.SubmitScores(pb.SubmitScoresRequest(updates=updates), metadata=md, timeout=60)
                refused = [r.reason for r in reply.results if not r.accepted]
                if refused:
                    raise RuntimeError(f"seeding {board}: {len(refused)} updates refused ({refused[0]})")

        await asyncio.gather(*(loop() for _ in range(4)))
    return time.perf_counter() - started


# --- fan-out ---------------------------------------------------------------------------------------


async def _watch(
    gateway: str,
    key: str,
    first: int,
    count: int,
    boards: int,
    connections: int,
    seconds: float,
    ready: mp.Event,  # type: ignore[valid-type]
) -> list[tuple[int, list[tuple[int, float]]]]:
    """Opens watchers ``first`` … ``first + count - 1`` (watcher g watches board g mod ``boards``) over
    ``connections`` connections of their own; returns, per watcher, its board and the (batch index,
    arrival time) of every probe score it saw."""
    channels = [_own_connection(gateway) for _ in range(connections)]
    seen: list[tuple[int, list[tuple[int, float]]]] = []
    opened = 0

    async def one(g: int) -> None:
        nonlocal opened
        board = g % boards
        mine: list[tuple[int, float]] = []
        seen.append((board, mine))
        stub = _stub(channels[g % connections])
        call = stub.WatchLeaderboard(pb.WatchLeaderboardRequest(leaderboard=f"live{board}", top_n=10), metadata=(("x-api-key", key),), timeout=seconds)
        counted = False
        try:
            async for message in call:
                if not counted:
                    counted = True
                    opened += 1
                    if opened == count:
                        ready.set()  # type: ignore[attr-defined]
                if message.entries and message.entries[0].score >= PROBE_STEP:
                    mine.append((message.entries[0].score // PROBE_STEP - 1, time.time()))
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise

    try:
        await asyncio.gather(*(one(g) for g in range(first, first + count)), return_exceptions=True)
    finally:
        for channel in channels:
            await channel.close()
    return seen


def _watch_main(args: tuple[object, ...], ready: mp.Event, out: mp.Queue) -> None:  # type: ignore[type-arg, valid-type]
    quiet_gc()
    out.put(asyncio.run(_watch(*args, ready)))  # type: ignore[arg-type]


async def _probe(gateway: str, token: str, probes: list[str], others: list[str], seconds: float, rate: float) -> list[float]:
    """Sets scores at ``rate`` per second in one batch every 50 ms: each board's probe to the top, the
    rest over other players of every board; returns each batch's start time."""
    sent: list[float] = []
    boards = len(probes)
    per_batch = max(boards, int(rate * 0.05))
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        md = (("authorization", f"Bearer {token}"),)
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            updates = [pb.ScoreUpdate(leaderboard=f"live{b}", player_id=probe, score=(n + 1) * PROBE_STEP) for b, probe in enumerate(probes)]
            updates += [
                pb.ScoreUpdate(leaderboard=f"live{i % boards}", player_id=others[(n * per_batch + i) % len(others)], score=n * 10 + i)
                for i in range(per_batch - boards)
            ]
            sent.append(time.time())
            await stub.SubmitScores(pb.SubmitScoresRequest(updates=updates), metadata=md, timeout=30)
            n += 1
            await asyncio.sleep(max(0.0, start + n * 0.05 - time.perf_counter()))
    return sent


def drive_fanout(
    platform: object, key: str, token: str, ids: list[str], *, watchers: int, boards: int, connections: int, workers: int, seconds: float, rate: float
) -> dict[str, object]:
    gateway: str = platform.gateway  # type: ignore[attr-defined]
    out: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    events = [mp.Event() for _ in range(workers)]
    share, per_process = watchers // workers, connections // workers
    procs = [mp.Process(target=_watch_main, args=((gateway, key, w * share, share, boards, per_process, seconds + 10), events[w], out)) for w in range(workers)]
    for p in procs:
        p.start()
    for e in events:
        if not e.wait(120):
            raise RuntimeError("watchers did not all connect")
    held = gateway_connections(platform)  # type: ignore[arg-type]
    say(f"  {share * workers} watchers on {per_process * workers} connections (Envoy holds {held}); updating {rate:.0f}/s for {seconds:.0f} s …")
    sent = asyncio.run(_probe(gateway, token, ids[:boards], ids[boards:], seconds, rate))
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(30)
    delays: list[float] = []
    for _board, arrivals in (watcher for per_process_result in results for watcher in per_process_result):
        # Batch k reaches a watcher with the first snapshot that shows batch k or a later one.
        reached = -1
        for index, at in arrivals:  # in arrival order
            for k in range(reached + 1, min(index, len(sent) - 1) + 1):
                delays.append(max(0.0, at - sent[k]))
            reached = max(reached, index)
    return {
        "watchers": share * workers,
        "connections": per_process * workers,
        "gateway_connections": held,
        "boards": boards,
        "batches": len(sent),
        "deliveries": len(delays),
        "expected_deliveries": len(sent) * share * workers,
        "p50_ms": percentile(delays, 0.5) * 1000,
        "p99_ms": percentile(delays, 0.99) * 1000,
    }


# --- GetTop ----------------------------------------------------------------------------------------


async def first_top(gateway: str, key: str) -> tuple[float, int]:
    """(seconds, the board's player count as GetTop reports it) of the board's first read: the
    scoreboard marks a board's Redis copy complete only once it has rebuilt it from PostgreSQL, and
    does that on the first read."""
    async with grpc.aio.insecure_channel(gateway) as channel:
        started = time.perf_counter()
        reply = await _stub(channel).GetTop(pb.GetTopRequest(leaderboard="top", page_size=10), metadata=(("x-api-key", key),), timeout=300)
        return time.perf_counter() - started, reply.season.player_count


async def _top(gateway: str, key: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    """(errors, latencies)."""
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        md = (("x-api-key", key),)
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def loop() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await stub.GetTop(pb.GetTopRequest(leaderboard="top", page_size=10), metadata=md, timeout=10)
                    latencies.append(time.perf_counter() - started)
                except grpc.aio.AioRpcError:
                    errors += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return errors, latencies


def drive_top(gateway: str, key: str, seconds: float, concurrency: int) -> dict[str, float | int]:
    workers = 2 if concurrency % 2 == 0 else 1
    results, elapsed = in_processes(_top, [(gateway, key, seconds, concurrency // workers)] * workers, timeout=seconds + 60)
    latencies = [x for r in results for x in r[1]]
    return {
        "rps": len(latencies) / min(elapsed, seconds + 0.5),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": sum(r[0] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per phase (bounded)")
    parser.add_argument("--players", type=int, default=100_000, help="players signed up; every one has a score on GetTop's board")
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="SubmitAction calls in flight per process")
    parser.add_argument("--action-players", type=int, default=1000, help="players whose actions are submitted")
    parser.add_argument("--batch", type=int, default=1000, help="updates per SubmitScores call")
    parser.add_argument("--merged-players", type=int, default=200, help="distinct players per batch in the merged shape (0: skip it)")
    parser.add_argument("--watchers", type=int, default=1000, help="WatchLeaderboard streams")
    parser.add_argument("--connections", type=int, default=50, help="client connections the watchers share")
    parser.add_argument("--boards", type=int, default=10, help=f"boards the watchers watch (at most {MAX_BOARDS})")
    parser.add_argument("--update-rate", type=float, default=2000, help="score updates per second during the fan-out phase")
    parser.add_argument("--top-concurrency", type=int, default=8, help="GetTop calls in flight")
    parser.add_argument("--watch-interval-ms", type=int, default=100, help="PLAYMESH_SCOREBOARD_WATCH_INTERVAL_MS of the platform")
    parser.add_argument("--only", choices=["actions", "batches", "fanout", "top"], help="run one phase (its figures only)")
    parser.add_argument("--service-processes", type=int, default=1, help="processes per service")
    args = parser.parse_args()
    if not 1 <= args.boards <= MAX_BOARDS:
        parser.error(f"--boards must be 1 to {MAX_BOARDS}")
    quiet_gc()
    if args.players < max(args.batch, args.action_players, args.boards + 100):
        parser.error("--players must be at least --batch and --action-players (each batch's updates go to distinct players)")
    started = time.perf_counter()
    result: dict[str, object] = {}

    with running_platform(service_processes=args.service_processes, scoreboard_watch_interval_ms=args.watch_interval_ms) as platform:
        studio_id, game_id, key = create_game(platform.gateway, CONFIG)
        server = asyncio.run(platform.server_token(studio_id, game_id))
        noop = measure_noop(platform.gateway)
        say(f"signing up {args.action_players} players (AuthenticateDevice through Envoy) …")
        ids, tokens, sign_up_rate = sign_up(platform.gateway, key, args.action_players, args.action_players)
        say(f"  {sign_up_rate:.0f}/s")
        if args.players > len(ids):
            say(f"adding {args.players - len(ids)} players to core's tables …")
            inserted_at = time.perf_counter()
            ids += asyncio.run(add_players(str(platform.endpoints["database_url"]), studio_id, game_id, args.players - len(ids)))
            say(f"  {time.perf_counter() - inserted_at:.1f} s")
        rates: dict[str, float] = {}
        latencies: dict[str, float] = {}

        if args.only in (None, "actions"):
            say(f"SubmitAction: {args.seconds:.0f} s, {args.workers}x{args.concurrency} in flight over {len(tokens)} players …")
            rps, errors, lat = drive_actions(platform.gateway, key, tokens, args.seconds, args.workers, args.concurrency)
            p50, p99 = percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000
            say(f"  {rps:.0f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors}")
            result |= {
                "submit_action_rps": round(rps, 1),
                "submit_action_p50_ms": round(p50, 2),
                "submit_action_p99_ms": round(p99, 2),
                "submit_action_errors": errors,
                "submit_action_players": len(tokens),
                "submit_action_in_flight": args.workers * args.concurrency,
            }
            rates["submit_action_rps"] = rps
            latencies["submit_action_p99_ms"] = p99

        if args.only in (None, "batches"):
            shapes = [("batched", args.batch)] + ([("batched_merged", args.merged_players)] if args.merged_players else [])
            for name, distinct in shapes:
                say(f"SubmitScores: {args.seconds:.0f} s, batches of {args.batch} updates over {distinct} distinct players, 4 in flight …")
                shape = asyncio.run(drive_batches(platform.gateway, server, ids, args.seconds, args.batch, distinct))
                rows, p99 = shape["row_writes_per_s"], shape["p99_ms"]
                say(f"  {shape['updates_per_s']:.0f} updates/s, {rows:.0f} row writes/s, batch p99 {p99:.0f} ms, errors {shape['errors']}")
                result |= {
                    f"{name}_updates_per_s": round(shape["updates_per_s"], 1),
                    f"{name}_row_writes_per_second": round(shape["row_writes_per_s"], 1),
                    f"{name}_batches_per_s": round(shape["batches_per_s"], 2),
                    f"{name}_batch_p50_ms": round(shape["p50_ms"], 1),
                    f"{name}_batch_p99_ms": round(shape["p99_ms"], 1),
                    f"{name}_batch_size": args.batch,
                    f"{name}_distinct_players_per_batch": distinct,
                    f"{name}_rejected": shape["rejected"],
                    f"{name}_errors": shape["errors"],
                }
                rates[f"{name}_row_writes_per_second"] = shape["row_writes_per_s"]
            result["batched_in_flight"] = 4

        if args.only in (None, "fanout"):
            say(f"fan-out: {args.watchers} watchers, {args.boards} boards, {args.connections} connections from {args.workers} processes …")
            fan = drive_fanout(
                platform,
                key,
                server,
                ids,
                watchers=args.watchers,
                boards=args.boards,
                connections=args.connections,
                workers=args.workers,
                seconds=args.seconds,
                rate=args.update_rate,
            )
            say(f"  p50 {fan['p50_ms']:.1f} ms, p99 {fan['p99_ms']:.1f} ms over {fan['deliveries']} of {fan['expected_deliveries']} deliveries")
            result |= {f"fanout_{k}": round(v, 2) if isinstance(v, float) else v for k, v in fan.items()}
            result["fanout_update_rate_per_s"] = args.update_rate
            result["fanout_watch_interval_ms"] = args.watch_interval_ms
            latencies["fanout_p99_ms"] = fan["p99_ms"]  # type: ignore[assignment]

        if args.only in (None, "top"):
            say(f"seeding board 'top' with {len(ids)} players by SubmitScores batches of {SEED_BATCH} …")
            seeded = asyncio.run(seed_board(platform.gateway, server, ids, "top"))
            say(f"  {seeded:.1f} s")
            say("GetTop: the board's first read …")
            first_read, board_players = asyncio.run(first_top(platform.gateway, key))
            say(f"  {first_read:.1f} s; the board has {board_players} players")
            say(f"GetTop: {args.seconds:.0f} s, {args.top_concurrency} in flight …")
            top = drive_top(platform.gateway, key, args.seconds, args.top_concurrency)
            say(f"  {top['rps']:.0f}/s, p50 {top['p50_ms']:.2f} ms, p99 {top['p99_ms']:.2f} ms, errors {top['errors']}")
            result |= {
                "get_top_rps": round(top["rps"], 1),
                "get_top_p50_ms": round(top["p50_ms"], 2),
                "get_top_p99_ms": round(top["p99_ms"], 2),
                "get_top_errors": top["errors"],
                "get_top_in_flight": args.top_concurrency,
                "get_top_page_size": 10,
                "get_top_board_players": board_players,
                "get_top_first_read_seconds": round(first_read, 2),
                "get_top_board_seeded_by": f"SubmitScores batches of {SEED_BATCH} distinct players",
                "get_top_board_seed_seconds": round(seeded, 1),
            }
            rates["get_top_rps"] = top["rps"]
            latencies["get_top_p99_ms"] = top["p99_ms"]

        noop = noop.and_then(measure_noop(platform.gateway))
        result = {
            **result,
            **noop.as_json(),
            **versus_noop(noop, rates=rates, latencies_ms=latencies),
            "players": len(ids),
            "players_signed_up": args.action_players,
            "players_inserted_into_core_tables": len(ids) - args.action_players,
            "sign_up_rps": round(sign_up_rate, 1),
            **platform_settings(platform),
            "processes_per_service": args.service_processes,
            "wall_seconds": round(time.perf_counter() - started, 1),
            "cpus": os.cpu_count(),
        }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
