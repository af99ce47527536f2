"""Benchmark: player device auth and token refresh through Envoy (native gRPC) on 127.0.0.1.

Starts its own platform (embedded PostgreSQL and Redis unless URLs are set), creates a game and API
key, signs 2,000 devices up (warm-up), then drives, for a fixed time each:
  - AuthenticateDevice for existing devices (a sign-in: API key check, rate limit, one UPDATE … RETURNING,
    a refresh-token family in Redis, one Ed25519-signed JWT);
  - RefreshToken chains (one Lua script in Redis, one JWT).
Load comes from separate processes (asyncio + grpc.aio), each with a fixed number of calls in flight.
Before them, the no-op call (core's GetJwks through Envoy) at the same load, as the yardstick each
figure is divided by (``*_per_noop``); the JSON also names the rate limits raised from their defaults.
Prints progress on stderr and, as the last stdout line, one JSON object.

    make bench-auth                         # defaults
    python bench/auth.py --seconds 30 --workers 2 --concurrency 32 --core-processes 2
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

import grpc
from common import create_game, in_processes, measure_noop, percentile, platform_settings, quiet_gc, running_platform, say, versus_noop
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.core.v1 import core_service_pb2_grpc

DEVICES = 2000


async def _auth_worker(gateway: str, key: str, devices: list[str], seconds: float, concurrency: int, mode: str) -> tuple[int, int, list[float]]:
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = core_service_pb2_grpc.CoreServiceStub(channel)
        md = (("x-api-key", key),)
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        rng = random.Random(os.getpid())

        async def device_loop() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await stub.AuthenticateDevice(pb.AuthenticateDeviceRequest(device_id=rng.choice(devices)), metadata=md, timeout=10)
                    latencies.append(time.perf_counter() - started)
                except grpc.aio.AioRpcError:
                    errors += 1

        async def refresh_loop() -> None:
            nonlocal errors
            reply = await stub.AuthenticateDevice(pb.AuthenticateDeviceRequest(device_id=rng.choice(devices)), metadata=md, timeout=10)
            token = reply.tokens.refresh_token
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    token = (await stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=token), metadata=md, timeout=10)).tokens.refresh_token
                    latencies.append(time.perf_counter() - started)
                except grpc.aio.AioRpcError:
                    errors += 1
                    token = (
                        await stub.AuthenticateDevice(pb.AuthenticateDeviceRequest(device_id=rng.choice(devices)), metadata=md, timeout=10)
                    ).tokens.refresh_token

        loop = device_loop if mode == "device" else refresh_loop
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return len(latencies), errors, latencies


def drive(gateway: str, key: str, devices: list[str], seconds: float, workers: int, concurrency: int, mode: str) -> tuple[float, int, list[float]]:
    results, elapsed = in_processes(_auth_worker, [(gateway, key, devices, seconds, concurrency, mode)] * workers, timeout=seconds + 60)
    count = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = [lat for r in results for lat in r[2]]
    return count / min(elapsed, seconds + 0.5), errors, latencies


def setup(gateway: str) -> tuple[str, list[str]]:
    _, _, key = create_game(gateway)
    return key, [f"bench-device-{i:06d}-{uuid.uuid4().hex[:6]}" for i in range(DEVICES)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase (bounded)")
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=12, help="calls in flight per load process")
    parser.add_argument("--core-processes", type=int, default=2, help="processes per service (each on its own port)")
    args = parser.parse_args()
    quiet_gc()

    started = time.perf_counter()
    with running_platform(service_processes=args.core_processes) as platform:
        key, devices = setup(platform.gateway)
        noop = measure_noop(platform.gateway, workers=args.workers, concurrency=args.concurrency)
        say(f"warm-up: signing up {len(devices)} devices …")
        with grpc.insecure_channel(platform.gateway) as channel:
            stub = core_service_pb2_grpc.CoreServiceStub(channel)
            for device in devices:
                stub.AuthenticateDevice(pb.AuthenticateDeviceRequest(device_id=device, create=True), metadata=(("x-api-key", key),))
        say(f"device auth: {args.seconds:.0f} s, {args.workers}x{args.concurrency} in flight …")
        auth_rps, auth_errors, auth_lat = drive(platform.gateway, key, devices, args.seconds, args.workers, args.concurrency, "device")
        say(f"  {auth_rps:.0f}/s, p50 {percentile(auth_lat, 0.5) * 1000:.1f} ms, p99 {percentile(auth_lat, 0.99) * 1000:.1f} ms, errors {auth_errors}")
        say(f"refresh: {args.seconds:.0f} s …")
        ref_rps, ref_errors, ref_lat = drive(platform.gateway, key, devices, args.seconds, args.workers, args.concurrency, "refresh")
        say(f"  {ref_rps:.0f}/s, p99 {percentile(ref_lat, 0.99) * 1000:.1f} ms, errors {ref_errors}")
        noop = noop.and_then(measure_noop(platform.gateway, workers=args.workers, concurrency=args.concurrency))
        limits = platform_settings(platform)

    result = {
        "device_auth_rps": round(auth_rps, 1),
        "device_auth_p50_ms": round(percentile(auth_lat, 0.5) * 1000, 2),
        "device_auth_p99_ms": round(percentile(auth_lat, 0.99) * 1000, 2),
        "refresh_rps": round(ref_rps, 1),
        "refresh_p99_ms": round(percentile(ref_lat, 0.99) * 1000, 2),
        "device_auth_errors": auth_errors,
        "refresh_errors": ref_errors,
        "refresh_p50_ms": round(statistics.median(ref_lat) * 1000, 2) if ref_lat else None,
        "seconds_per_phase": args.seconds,
        "load_processes": args.workers,
        "in_flight": args.workers * args.concurrency,
        **noop.as_json(),
        **versus_noop(
            noop,
            rates={"device_auth_rps": auth_rps, "refresh_rps": ref_rps},
            latencies_ms={"device_auth_p99_ms": percentile(auth_lat, 0.99) * 1000, "refresh_p99_ms": percentile(ref_lat, 0.99) * 1000},
        ),
        **limits,
        "processes_per_service": args.core_processes,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
