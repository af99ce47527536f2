"""Benchmark: WatchTicket streams held by ONE matchmaking process through Envoy, with sign-in latency
and the no-op call measured beside them.

Starts its own platform (one process per service), creates a game whose tickets never match (every
ticket's latency is above the latency ceiling, and they wait up to an hour), then:
  1. signs N devices in and creates a ticket for each (load processes, in parallel);
  2. opens one WatchTicket stream per ticket from several load processes over many HTTP/2 connections
     to Envoy (at most --per-connection streams each; at most 200 opening at once per process), and
     waits for every stream's first message;
  3. while the streams are held: measures sign-in (AuthenticateDevice of existing devices) p50/p99
     through Envoy, then the no-op call (GetJwks) rate, each for a fixed time;
  4. counts the streams still open, and the stream messages received meanwhile (each searching
     ticket's window widens for its first 40 s, one message a second; then its stream is quiet).
Prints progress on stderr and, as the last stdout line, one JSON object.

    make bench-watchers                    # N = 10,000
    python bench/watchers.py --streams 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import random
import time
import uuid
from typing import Any

import grpc
from common import create_game, gateway_connections, in_processes, measure_noop, percentile, platform_settings, quiet_gc, running_platform, say
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as core
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.matchmaking.v1 import matchmaking_service_pb2_grpc

UNREACHABLE_MS = 10000  # above the latency ceiling (150 ms fully widened by default): never matched


def _config() -> core_pb2.GameConfig:
    return core_pb2.GameConfig(
        modes=[core_pb2.GameMode(name="duo", team_size=2, team_count=2, matchmaking=core_pb2.MatchmakingRules(max_wait_seconds=3600))],
        regions=[core_pb2.Region(name="eu-west", display_name="Europe West")],
    )


def _channels(gateway: str, count: int) -> list[grpc.aio.Channel]:
    # Each channel with its own subchannel pool is its own HTTP/2 connection.
    return [grpc.aio.insecure_channel(gateway, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(count)]


async def _queue_worker(gateway: str, key: str, count: int, concurrency: int) -> tuple[list[tuple[str, str, str]], int]:
    """Signs ``count`` new devices in and queues a ticket for each: (device, token, ticket id), errors."""
    channels = _channels(gateway, 4)
    out: list[tuple[str, str, str]] = []
    errors = 0
    todo = iter(range(count))

    async def loop(channel: grpc.aio.Channel) -> None:
        nonlocal errors
        core_stub = core_service_pb2_grpc.CoreServiceStub(channel)
        mm_stub = matchmaking_service_pb2_grpc.MatchmakingServiceStub(channel)
        for _ in todo:
            device = f"device-{uuid.uuid4().hex}"
            for _attempt in range(3):
                try:
                    sign_in = core.AuthenticateDeviceRequest(device_id=device, create=True)
                    auth = await core_stub.AuthenticateDevice(sign_in, metadata=(("x-api-key", key),), timeout=30)
                    token = auth.tokens.access_token
                    request = pb.CreateTicketRequest(mode="duo", latencies=[mm.RegionLatency(region="eu-west", latency_ms=UNREACHABLE_MS)])
                    md = (("x-api-key", key), ("authorization", f"Bearer {token}"))
                    ticket = await mm_stub.CreateTicket(request, metadata=md, timeout=30)
                    out.append((device, token, ticket.ticket.id))
                    break
                except grpc.aio.AioRpcError:
                    errors += 1

    await asyncio.gather(*(loop(channels[i % len(channels)]) for i in range(concurrency)))
    for channel in channels:
        await channel.close()
    return out, errors


async def _hold_worker(gateway: str, key: str, players: list[tuple[str, str]], connections: int, events: Any, stop: Any, open_timeout: float) -> dict[str, Any]:
    """Opens one stream per (token, ticket id) over ``connections`` connections, reports when every
    stream has its first message (or ``open_timeout`` passes), holds them until ``stop``, reports."""
    channels = _channels(gateway, connections)
    stats = {"opened": 0, "active": 0, "messages": 0, "ended": 0, "errors": {}}
    all_open = asyncio.Event()
    # Players arrive over time: at most this many streams opening at once. A burst of thousands waits
    # in gRPC's queue of calls the server has not picked up, which cancels those waiting over 30 s.
    opening = asyncio.Semaphore(200)

    async def watch(channel: grpc.aio.Channel, token: str, ticket_id: str) -> None:
        md = (("x-api-key", key), ("authorization", f"Bearer {token}"))
        await opening.acquire()
        call = matchmaking_service_pb2_grpc.MatchmakingServiceStub(channel).WatchTicket(pb.WatchTicketRequest(ticket_id=ticket_id), metadata=md)
        first = True
        try:
            async for _ in call:
                stats["messages"] += 1
                if first:
                    first = False
                    opening.release()
                    stats["opened"] += 1
                    stats["active"] += 1
                    if stats["opened"] == len(players):
                        all_open.set()
            stats["ended"] += 1
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.CANCELLED:
                name = err.code().name
                stats["errors"][name] = stats["errors"].get(name, 0) + 1
        finally:
            if first:
                opening.release()
            else:
                stats["active"] -= 1
            call.cancel()

    started = time.perf_counter()
    tasks = [asyncio.create_task(watch(channels[i % connections], token, ticket_id)) for i, (token, ticket_id) in enumerate(players)]
    try:
        async with asyncio.timeout(open_timeout):
            await all_open.wait()
    except TimeoutError:
        pass
    events.put(("ready", os.getpid(), stats["opened"], time.perf_counter() - started, dict(stats["errors"])))
    held_from, messages_from = time.perf_counter(), stats["messages"]
    await asyncio.to_thread(stop.wait)
    held = {**stats, "errors": dict(stats["errors"]), "held_seconds": time.perf_counter() - held_from, "held_messages": stats["messages"] - messages_from}
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for channel in channels:
        await channel.close()
    return held


def _hold_process(args: tuple[Any, ...], out: Any) -> None:
    quiet_gc()
    out.put(("done", asyncio.run(_hold_worker(*args))))


async def _signin_worker(gateway: str, key: str, devices: list[str], seconds: float, concurrency: int) -> tuple[int, list[float]]:
    async with grpc.aio.insecure_channel(gateway, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        stub = core_service_pb2_grpc.CoreServiceStub(channel)
        md = (("x-api-key", key),)
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        rng = random.Random(os.getpid())

        async def loop() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await stub.AuthenticateDevice(core.AuthenticateDeviceRequest(device_id=rng.choice(devices)), metadata=md, timeout=10)
                    latencies.append(time.perf_counter() - started)
                except grpc.aio.AioRpcError:
                    errors += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return errors, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=10000, help="WatchTicket streams to hold (goal 10,000, floor 2,000)")
    parser.add_argument("--per-connection", type=int, default=80, help="streams per HTTP/2 connection (Envoy allows 100 by default)")
    parser.add_argument("--min-connections", type=int, default=50)
    parser.add_argument("--holders", type=int, default=0, help="load processes holding the streams (0: one per 2,500)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the sign-in and of the no-op measurement")
    parser.add_argument("--signin-workers", type=int, default=2)
    parser.add_argument("--signin-concurrency", type=int, default=8)
    args = parser.parse_args()
    n = args.streams
    connections = max(args.min_connections, math.ceil(n / args.per_connection))
    holders = args.holders or max(1, math.ceil(n / 2500))

    with running_platform() as platform:
        gateway = platform.gateway
        _, _, key = create_game(gateway, _config())

        say(f"signing in {n:,} devices and queueing a ticket each …")
        queue_procs = 4
        shares = [n // queue_procs + (1 if i < n % queue_procs else 0) for i in range(queue_procs)]
        results, elapsed = in_processes(_queue_worker, [(gateway, key, share, 32) for share in shares], timeout=600)
        queued = [p for r in results for p in r[0]]
        queue_errors = sum(r[1] for r in results)
        queue_rate = len(queued) / elapsed
        say(f"  {len(queued):,} players queued in {elapsed:.1f} s ({queue_rate:.0f}/s), {queue_errors} retried errors")

        say(f"opening {len(queued):,} WatchTicket streams over {connections} connections from {holders} processes …")
        events: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        stop = mp.Event()
        per_holder = [queued[i::holders] for i in range(holders)]
        conns = [connections // holders + (1 if i < connections % holders else 0) for i in range(holders)]
        procs = [
            mp.Process(target=_hold_process, args=((gateway, key, [(t, i) for _, t, i in share], c, events, stop, 300.0), events))
            for share, c in zip(per_holder, conns, strict=True)
        ]
        opened_at = time.perf_counter()
        for p in procs:
            p.start()
        ready = [events.get(timeout=400) for _ in procs]
        opened = sum(r[2] for r in ready)
        open_seconds = time.perf_counter() - opened_at
        open_errors: dict[str, int] = {}
        for r in ready:
            for name, count in r[4].items():
                open_errors[name] = open_errors.get(name, 0) + count
        say(f"  {opened:,} streams open after {open_seconds:.1f} s; errors {open_errors or 'none'}; gateway connections {gateway_connections(platform)}")

        say(f"sign-in through Envoy beside them: {args.seconds:.0f} s, {args.signin_workers}x{args.signin_concurrency} in flight …")
        devices = [d for d, _, _ in queued]
        results, elapsed = in_processes(
            _signin_worker, [(gateway, key, devices, args.seconds, args.signin_concurrency)] * args.signin_workers, timeout=args.seconds + 120
        )
        latencies = [lat for r in results for lat in r[1]]
        signin_errors = sum(r[0] for r in results)
        signin = {
            "signin_per_s": round(len(latencies) / min(elapsed, args.seconds + 0.5), 1),
            "signin_p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
            "signin_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "signin_errors": signin_errors,
            "signin_in_flight": args.signin_workers * args.signin_concurrency,
        }
        say(f"  {signin['signin_per_s']:.0f}/s, p50 {signin['signin_p50_ms']} ms, p99 {signin['signin_p99_ms']} ms, errors {signin_errors}")
        noop = measure_noop(gateway, seconds=args.seconds)

        stop.set()
        held = [events.get(timeout=120)[1] for _ in procs]
        for p in procs:
            p.join(30)
        held_errors: dict[str, int] = {}
        for h in held:
            for name, count in h["errors"].items():
                held_errors[name] = held_errors.get(name, 0) + count
        still_open = sum(h["active"] for h in held)
        held_seconds = max(h["held_seconds"] for h in held)
        stream_messages_per_s = sum(h["held_messages"] for h in held) / held_seconds
        say(f"  {still_open:,} streams still open at the end; stream messages {stream_messages_per_s:.0f}/s while held; errors {held_errors or 'none'}")

        figures = {
            "streams_requested": n,
            "streams_opened": opened,
            "streams_held": still_open,
            "stream_open_seconds": round(open_seconds, 1),
            "stream_errors": {**open_errors, **held_errors},
            "stream_messages_per_s_while_held": round(stream_messages_per_s, 1),
            "matchmaking_processes": 1,
            "client_connections": connections,
            "load_processes_holding_streams": holders,
            "queue_players_per_s": round(queue_rate, 1),
            **signin,
            **noop.as_json(),
            **platform_settings(platform),
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
