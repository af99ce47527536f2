"""A quiet live stream is not closed by the gateway as idle: with nothing new, it sends its current state
again every `stream_heartbeat_seconds`. A platform of its own with a 1 s heartbeat and a 3 s idle timeout,
so the test takes seconds; without the heartbeat the gateway resets the stream after 3 s."""

from __future__ import annotations

import asyncio
import pathlib
import time

import pytest
from playmesh.launcher.child import PlatformProcess
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as pb

from tests.support.clients import GrpcClient
from tests.support.world import Tenant
from tests.test_scoreboard import SB, scoreboard_config


@pytest.mark.slow
async def test_a_quiet_leaderboard_stream_outlives_the_idle_timeout(tmp_path: pathlib.Path) -> None:
    platform = PlatformProcess(
        tmp_path / "heartbeat", extra_env={"PLAYMESH_STREAM_HEARTBEAT_SECONDS": "1", "PLAYMESH_GATEWAY_STREAM_IDLE_TIMEOUT_SECONDS": "3"}
    )
    platform.start()
    client = GrpcClient(platform.gateway)
    try:
        tenant = await Tenant.create(client, "heartbeat", scoreboard_config())
        stream = client.stream(f"{SB}/WatchLeaderboard", pb.WatchLeaderboardRequest(leaderboard="kills"), api_key=tenant.api_key)
        first = await asyncio.wait_for(anext(stream), 20)
        started, seen = time.monotonic(), [first]
        while time.monotonic() - started < 7:  # more than twice the idle timeout, on a board nobody scores on
            seen.append(await asyncio.wait_for(anext(stream), 5))
        assert len(seen) >= 5
        assert {m.version for m in seen} == {first.version}  # the same state again, not a change
    finally:
        await client.close()
        assert platform.stop() == 0
