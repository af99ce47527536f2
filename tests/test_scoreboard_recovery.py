"""Redis loses everything (FLUSHALL) and the platform restarts: every leaderboard reads as it did
before, rebuilt from PostgreSQL; `playmesh scoreboard rebuild` does the same on demand. A separate
platform with its own embedded Redis, so the flush touches nothing else, and two processes per
service, so watchers on one scoreboard instance see changes made through the other."""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys
from typing import Any

import pytest
from playmesh.launcher.child import PlatformProcess
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as pb
from redis.asyncio import Redis

from tests.support.clients import GrpcClient
from tests.support.world import Tenant
from tests.test_scoreboard import SB, scoreboard_config


async def _boards(client: GrpcClient, tenant: Tenant) -> dict[str, list[tuple[int, str, int, int]]]:
    out = {}
    for board in ("kills", "capped"):
        top = await client.call(f"{SB}/GetTop", pb.GetTopRequest(leaderboard=board, page_size=100), api_key=tenant.api_key)
        out[board] = [(e.rank, e.player_id, e.score, e.update_time.ToMicroseconds()) for e in top.entries]
    return out


async def _flush(platform: PlatformProcess) -> None:
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    try:
        await redis.flushall()
    finally:
        await redis.aclose()


@pytest.mark.slow
async def test_boards_survive_flushall_and_restart(tmp_path: pathlib.Path) -> None:
    platform = PlatformProcess(tmp_path / "flush", extra_env={"PLAYMESH_REDIS_URL": "", "PLAYMESH_SERVICE_PROCESSES": "2"})
    platform.start()
    client = GrpcClient(platform.gateway)
    try:
        tenant = await Tenant.create(client, "sb-flush", scoreboard_config())
        tokens = [tenant.player_token] + [(await tenant.new_player(client)).tokens.access_token for _ in range(5)]
        for i, token in enumerate(tokens):
            for action in ["kill", "assist", "headshot"][: 1 + i % 3]:
                for board in ("kills", "capped") if action != "headshot" else ("kills",):  # capped: 30 points a minute
                    await client.call(f"{SB}/SubmitAction", pb.SubmitActionRequest(leaderboard=board, action=action), api_key=tenant.api_key, token=token)
        before = await _boards(client, tenant)
        assert len(before["kills"]) == 6 and len(before["capped"]) == 6
        await _flush(platform)
    finally:
        await client.close()
        assert platform.stop() == 0

    platform.start()
    client = GrpcClient(platform.gateway)
    try:
        assert await _boards(client, tenant) == before
        # Flushed again while running: the CLI rebuilds on demand.
        await _flush(platform)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYMESH_")} | {"PLAYMESH_DATA_DIR": str(platform.data_dir)}
        cmd = [sys.executable, "-m", "playmesh.cli", "scoreboard", "rebuild", "--studio", tenant.studio_id, "--game", tenant.game_id]
        proc = await asyncio.create_subprocess_exec(*cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output = (await asyncio.wait_for(proc.communicate(), 120))[0].decode()
        assert proc.returncode == 0, output
        assert "kills: 6 players restored" in output and "capped: 6 players restored" in output
        assert await _boards(client, tenant) == before
        await _watchers_see_changes_made_on_any_instance(client, tenant)
    finally:
        await client.close()
        assert platform.stop() == 0


async def _watchers_see_changes_made_on_any_instance(client: GrpcClient, tenant: Tenant) -> None:
    # Envoy spreads the streams and the submits round-robin over the two scoreboard processes.
    streams = [client.stream(f"{SB}/WatchLeaderboard", pb.WatchLeaderboardRequest(leaderboard="kills", top_n=1), api_key=tenant.api_key) for _ in range(4)]
    firsts = [await anext(s) for s in streams]
    assert {f.version for f in firsts} == {firsts[0].version}
    newcomer = await tenant.new_player(client)
    for _ in range(6):  # 60 points: ahead of everyone
        await client.call(
            f"{SB}/SubmitAction", pb.SubmitActionRequest(leaderboard="kills", action="kill"), api_key=tenant.api_key, token=newcomer.tokens.access_token
        )

    async def until_top(stream: Any) -> None:
        async for message in stream:
            if message.entries and message.entries[0].player_id == newcomer.player.id and message.entries[0].score == 60:
                return

    await asyncio.wait_for(asyncio.gather(*(until_top(s) for s in streams)), 20)
    for s in streams:
        await s.aclose()
