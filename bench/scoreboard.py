"""Benchmark: the scoreboard through Envoy, on a platform of its own (native gRPC throughout).

1. **SubmitAction**: players' actions as fast as `--workers` x `--concurrency` callers can, for
   `--seconds`, spread over `--players` players (each has its own per-player budget).
2. **SubmitScores**: a game server's batches of `--batch` trusted updates, 4 in flight, for `--seconds`.
3. **Fan-out**: `--watchers` WatchLeaderboard streams (top 10) over `--workers` processes while a
   game server sets scores at `--update-rate` per second (batches every 50 ms). Each batch moves a
   probe player to the top with a score that names the batch; a batch counts as delivered to a
   watcher when the watcher first receives its score or a later one (coalescing skips states, it
   never delays the newest). Latency runs from the start of the SubmitScores call.
4. **GetTop**: top 10 of a board of `--players` players, `--top-concurrency` in flight, for `--seconds`.

Prints progress on stderr and, as the last stdout line, one JSON object.

    make bench-scoreboard
    python bench/scoreboard.py --seconds 10 --watchers 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import time
import uuid

import grpc
from common import create_game, in_processes, percentile, quiet_gc, running_platform, say
from playmesh.core.v1 import core_pb2, core_service_pb2, core_service_pb2_grpc
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as pb
from playmesh.scoreboard.v1 import scoreboard_service_pb2_grpc

CONFIG = core_pb2.GameConfig(
    actions=[core_pb2.ActionPoints(action="kill", points=10), core_pb2.ActionPoints(action="assist", points=3)],
    leaderboards=[
        core_pb2.LeaderboardSettings(name="kills", display_name="Kills"),
        core_pb2.LeaderboardSettings(name="live", display_name="Live", operator=core_pb2.SCORE_OPERATOR_SET),
    ],
)
PROBE_STEP = 1_000_000  # the probe's score is (batch index + 1) x this: above every other player


def _stub(channel: grpc.aio.Channel) -> scoreboard_service_pb2_grpc.ScoreboardServiceStub:
    return scoreboard_service_pb2_grpc.ScoreboardServiceStub(channel)


# --- phase 1: SubmitAction -------------------------------------------------------------------------


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


# --- phase 2: SubmitScores -------------------------------------------------------------------------


async def drive_batches(gateway: str, token: str, players: list[str], seconds: float, batch: int) -> tuple[float, int]:
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        md = (("authorization", f"Bearer {token}"),)
        applied = 0
        errors = 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def loop(k: int) -> None:
            nonlocal applied, errors
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                updates = [
                    pb.ScoreUpdate(leaderboard="kills", player_id=players[(k * 7919 + n * batch + i) % len(players)], score=1, request_id=f"{k}-{n}-{i}")
                    for i in range(batch)
                ]
                try:
                    reply = await stub.SubmitScores(pb.SubmitScoresRequest(updates=updates), metadata=md, timeout=30)
                    applied += sum(r.accepted for r in reply.results)
                except grpc.aio.AioRpcError:
                    errors += 1

        await asyncio.gather(*(loop(k) for k in range(4)))
        return applied / (time.perf_counter() - started), errors


# --- phase 3: fan-out ------------------------------------------------------------------------------


async def _watch(gateway: str, key: str, count: int, seconds: float, ready: mp.Event) -> list[list[tuple[int, float]]]:  # type: ignore[valid-type]
    """Opens ``count`` watchers; returns, per watcher, (batch index, arrival time) of every probe score it saw."""
    seen: list[list[tuple[int, float]]] = []
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        opened = 0

        async def one() -> None:
            nonlocal opened
            mine: list[tuple[int, float]] = []
            seen.append(mine)
            call = stub.WatchLeaderboard(pb.WatchLeaderboardRequest(leaderboard="live", top_n=10), metadata=(("x-api-key", key),), timeout=seconds + 30)
            first = True
            try:
                async for message in call:
                    if first:
                        first = False
                        opened += 1
                        if opened == count:
                            ready.set()  # type: ignore[attr-defined]
                    if message.entries and message.entries[0].score >= PROBE_STEP:
                        mine.append((message.entries[0].score // PROBE_STEP - 1, time.time()))
            except grpc.aio.AioRpcError as err:
                if err.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise

        await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    return seen


def _watch_main(args: tuple[str, str, int, float], ready: mp.Event, out: mp.Queue) -> None:  # type: ignore[type-arg, valid-type]
    out.put(asyncio.run(_watch(*args, ready)))


async def _probe(gateway: str, token: str, probe: str, others: list[str], seconds: float, rate: float) -> list[float]:
    """Sets scores at ``rate`` per second in batches every 50 ms; returns each batch's start time."""
    sent: list[float] = []
    per_batch = max(1, int(rate * 0.05))
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        md = (("authorization", f"Bearer {token}"),)
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            updates = [pb.ScoreUpdate(leaderboard="live", player_id=probe, score=(n + 1) * PROBE_STEP, request_id=f"probe-{n}")]
            updates += [pb.ScoreUpdate(leaderboard="live", player_id=others[(n * per_batch + i) % len(others)], score=n * 10 + i) for i in range(per_batch - 1)]
            sent.append(time.time())
            await stub.SubmitScores(pb.SubmitScoresRequest(updates=updates), metadata=md, timeout=30)
            n += 1
            await asyncio.sleep(max(0.0, start + n * 0.05 - time.perf_counter()))
    return sent


def drive_fanout(
    gateway: str, key: str, token: str, probe: str, others: list[str], watchers: int, workers: int, seconds: float, rate: float
) -> tuple[list[float], int]:
    out: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    events = [mp.Event() for _ in range(workers)]
    share = watchers // workers
    procs = [mp.Process(target=_watch_main, args=((gateway, key, share, seconds + 5), events[w], out)) for w in range(workers)]
    for p in procs:
        p.start()
    for e in events:
        if not e.wait(120):
            raise RuntimeError("watchers did not all connect")
    say(f"  {share * workers} watchers connected; updating {rate:.0f}/s for {seconds:.0f} s …")
    sent = asyncio.run(_probe(gateway, token, probe, others, seconds, rate))
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(30)
    delays: list[float] = []
    for arrivals in (watcher for per_process in results for watcher in per_process):
        # Batch k reaches a watcher with the first snapshot that shows batch k or a later one.
        reached = -1
        for index, at in arrivals:  # in arrival order
            for k in range(reached + 1, min(index, len(sent) - 1) + 1):
                delays.append(max(0.0, at - sent[k]))
            reached = max(reached, index)
    return delays, share * workers


# --- phase 4: GetTop -------------------------------------------------------------------------------


async def drive_top(gateway: str, key: str, seconds: float, concurrency: int) -> list[float]:
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = _stub(channel)
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def loop() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await stub.GetTop(pb.GetTopRequest(leaderboard="kills", page_size=10), metadata=(("x-api-key", key),), timeout=10)
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return latencies


async def sign_up(gateway: str, key: str, count: int) -> list[tuple[str, str]]:
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = core_service_pb2_grpc.CoreServiceStub(channel)
        semaphore = asyncio.Semaphore(16)

        async def one() -> tuple[str, str]:
            async with semaphore:
                reply = await stub.AuthenticateDevice(
                    core_service_pb2.AuthenticateDeviceRequest(device_id=f"bench-{uuid.uuid4().hex}", create=True), metadata=(("x-api-key", key),)
                )
                return reply.player.id, reply.tokens.access_token

        return await asyncio.gather(*(one() for _ in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per phase (bounded)")
    parser.add_argument("--players", type=int, default=200, help="players signed up for the board")
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="SubmitAction calls in flight per process")
    parser.add_argument("--batch", type=int, default=1000, help="updates per SubmitScores call")
    parser.add_argument("--watchers", type=int, default=1000, help="WatchLeaderboard streams")
    parser.add_argument("--update-rate", type=float, default=2000, help="score updates per second during the fan-out phase")
    parser.add_argument("--top-concurrency", type=int, default=2, help="GetTop calls in flight (4 saturates one scoreboard process)")
    parser.add_argument("--watch-interval-ms", type=int, default=100, help="PLAYMESH_SCOREBOARD_WATCH_INTERVAL_MS of the platform")
    parser.add_argument("--only", choices=["actions", "batches", "fanout", "top"], help="run one phase (its figures only)")
    parser.add_argument("--service-processes", type=int, default=1, help="processes per service")
    args = parser.parse_args()
    quiet_gc()

    with running_platform(service_processes=args.service_processes, scoreboard_watch_interval_ms=args.watch_interval_ms) as platform:
        studio_id, game_id, key = create_game(platform.gateway, CONFIG)
        say(f"signing up {args.players} players …")
        players = asyncio.run(sign_up(platform.gateway, key, args.players))
        ids, tokens = [p[0] for p in players], [p[1] for p in players]
        server = asyncio.run(platform.server_token(studio_id, game_id))

        action_rps, action_errors, action_lat = 0.0, 0, []
        batched, watchers, delays, top_lat = 0.0, 0, [], []
        if args.only in (None, "actions"):
            say(f"SubmitAction: {args.seconds:.0f} s, {args.workers}x{args.concurrency} in flight …")
            action_rps, action_errors, action_lat = drive_actions(platform.gateway, key, tokens, args.seconds, args.workers, args.concurrency)
            p50, p99 = percentile(action_lat, 0.5) * 1000, percentile(action_lat, 0.99) * 1000
            say(f"  {action_rps:.0f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {action_errors}")
        if args.only in (None, "batches"):
            say(f"SubmitScores: {args.seconds:.0f} s, batches of {args.batch}, 4 in flight …")
            batched, batch_errors = asyncio.run(drive_batches(platform.gateway, server, ids, args.seconds, args.batch))
            say(f"  {batched:.0f} updates/s, errors {batch_errors}")
        if args.only in (None, "fanout"):
            say(f"fan-out: {args.watchers} watchers over {args.workers} processes …")
            delays, watchers = drive_fanout(platform.gateway, key, server, ids[0], ids[1:], args.watchers, args.workers, args.seconds, args.update_rate)
            say(f"  p50 {percentile(delays, 0.5) * 1000:.1f} ms, p99 {percentile(delays, 0.99) * 1000:.1f} ms over {len(delays)} deliveries")
        if args.only in (None, "top"):
            say(f"GetTop: {args.seconds:.0f} s, {args.top_concurrency} in flight …")
            top_lat = asyncio.run(drive_top(platform.gateway, key, args.seconds, args.top_concurrency))
            say(f"  {len(top_lat) / args.seconds:.0f}/s, p99 {percentile(top_lat, 0.99) * 1000:.2f} ms")

    result = {
        "submit_action_rps": round(action_rps, 1),
        "submit_action_p50_ms": round(percentile(action_lat, 0.5) * 1000, 2),
        "submit_action_p99_ms": round(percentile(action_lat, 0.99) * 1000, 2),
        "submit_action_errors": action_errors,
        "batched_updates_per_s": round(batched, 1),
        "watchers": watchers,
        "fanout_p50_ms": round(percentile(delays, 0.5) * 1000, 2),
        "fanout_p99_ms": round(percentile(delays, 0.99) * 1000, 2),
        "get_top_p50_ms": round(percentile(top_lat, 0.5) * 1000, 2),
        "get_top_p99_ms": round(percentile(top_lat, 0.99) * 1000, 2),
        "get_top_rps": round(len(top_lat) / args.seconds, 1),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
