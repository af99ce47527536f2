"""Durable, multi-instance matchmaking, on a platform of its own with two matchmaker processes:
1,000 tickets queued, every matchmaker killed with SIGKILL (the supervisor restarts them), and in the
end every ticket is matched exactly once: none lost, none in two matches."""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
from collections import Counter

import pytest
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.runtime.bus import stream_key
from redis.asyncio import Redis

from tests.support.clients import GrpcClient
from tests.support.world import Tenant

MM = "playmesh.matchmaking.v1.MatchmakingService"
TICKETS = 1000
# 140 ms to the only region: over the 50 ms starting ceiling, so nothing matches until the ceiling
# has widened (after 18 s). Every ticket is still queued when the matchmakers die.
FAR = [mm.RegionLatency(region="eu-west", latency_ms=140)]


def _matchmaker_pids(data_dir: pathlib.Path) -> list[int]:
    pids = []
    for line in subprocess.run(["pgrep", "-f", "playmesh.cli serve matchmaking"], capture_output=True, text=True).stdout.split():
        try:
            environ = pathlib.Path(f"/proc/{line}/environ").read_bytes()
        except OSError:
            continue
        if f"PLAYMESH_DATA_DIR={data_dir}".encode() in environ:
            pids.append(int(line))
    return pids


@pytest.mark.slow
async def test_kill_9_loses_nothing_and_two_matchmakers_never_match_twice(tmp_path: pathlib.Path) -> None:
    platform = PlatformProcess(tmp_path / "durable", extra_env={"PLAYMESH_SERVICE_PROCESSES": "2"})
    platform.start()
    client = GrpcClient(platform.gateway)
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    try:
        tenant = await Tenant.create(client, "durable")
        semaphore = asyncio.Semaphore(40)

        async def queue_one(_: int) -> str:
            async with semaphore:
                token = (await tenant.new_player(client)).tokens.access_token
                created = await client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=FAR), api_key=tenant.api_key, token=token)
                return created.ticket.id

        ids = await asyncio.gather(*(queue_one(i) for i in range(TICKETS)))
        queued = await redis.zcard(next(iter(await redis.keys("pm:mm:{*}:queue"))))
        assert queued == TICKETS, "every ticket is queued before the kill"

        pids = _matchmaker_pids(platform.data_dir)
        assert len(pids) == 2, pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)

        # The supervisor restarts them; the lease holder rebuilds the pool from Redis and matches all.
        for _ in range(180):  # at most 90 s
            if await redis.xlen(stream_key("match.found")) >= TICKETS // 4:
                break
            await asyncio.sleep(0.5)
        assert len(_matchmaker_pids(platform.data_dir)) == 2, "both matchmakers were restarted"

        entries = await redis.xrange(stream_key("match.found"))
        seen = Counter(p.ticket_id for _, fields in entries for team in mm.Match.FromString(fields[b"payload"]).teams for p in team.players)
        assert set(seen) == set(ids), f"{len(set(ids) - set(seen))} tickets never matched"
        assert max(seen.values()) == 1, "a ticket was in two matches"
        assert len(entries) == TICKETS // 4
    finally:
        await redis.aclose()
        await client.close()
        assert platform.stop() == 0
