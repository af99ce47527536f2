"""Matchmaking's ratings read model in Redis (matchmaking/ratings.py): one key per player in the game's
hash slot, living ``PLAYMESH_MATCHMAKING_RATING_TTL_SECONDS`` from its last write or fill, so no key
grows with a game's players and players gone for good leave nothing behind."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from playmesh.core.v1 import core_pb2
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.ratings import rating_key
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.runtime.bus import stream_key
from playmesh.runtime.settings import Settings
from redis.asyncio import Redis

from tests.support.clients import GrpcClient
from tests.support.world import Tenant

MM = "playmesh.matchmaking.v1.MatchmakingService"
EU = [mm.RegionLatency(region="eu-west", latency_ms=30)]
TTL = Settings().matchmaking_rating_ttl_seconds


@pytest.fixture
async def redis(platform: PlatformProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(str(platform.endpoints["redis_url"]))
    yield client
    await client.aclose()


async def _ticket_rating(client: GrpcClient, tenant: Tenant) -> float:
    created = await client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=tenant.player_token)
    await client.call(f"{MM}/CancelTicket", pb.CancelTicketRequest(ticket_id=created.ticket.id), api_key=tenant.api_key, token=tenant.player_token)
    return created.ticket.rating


async def _announce(redis: Redis, tenant: Tenant, rating: float, version_ms: int) -> str:
    player = core_pb2.Player(id=tenant.player_id, game_id=tenant.game_id, display_name="p", ratings=[core_pb2.Rating(mode="duo", display_rating=rating)])
    player.update_time.FromMilliseconds(version_ms)
    payload = core_pb2.PlayerUpdatedEvent(studio_id=tenant.studio_id, player=player).SerializeToString()
    return (await redis.xadd(stream_key("player.rating_updated"), {"payload": payload})).decode()


def _id(raw: bytes | str) -> tuple[int, int]:
    ms, _, seq = (raw.decode() if isinstance(raw, bytes) else raw).partition("-")
    return int(ms), int(seq or 0)


async def _until_applied(redis: Redis, message_id: str, within: float = 10.0) -> None:
    """Waits until matchmaking's consumer group has handled (delivered and acknowledged) the message."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(stream_key("player.rating_updated"))}
        group = groups.get("matchmaking.ratings")
        if group is not None and _id(group["last-delivered-id"]) >= _id(message_id) and group["pending"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"matchmaking did not apply rating event {message_id}")


async def test_a_players_rating_is_a_key_of_its_own_that_expires(grpc_client: GrpcClient, redis: Redis) -> None:
    tenant = await Tenant.create(grpc_client, "mm-rating-key")
    key = rating_key(tenant.studio_id, tenant.game_id, tenant.player_id)
    initial = await _ticket_rating(grpc_client, tenant)  # a miss: filled from core

    assert key.startswith(f"pm:mm:{{{tenant.studio_id}:{tenant.game_id}}}:")  # the game's hash slot
    assert await redis.get(key) is not None
    assert 0 < await redis.ttl(key) <= TTL
    assert not await redis.exists(f"pm:mm:{{{tenant.studio_id}:{tenant.game_id}}}:ratings")  # no per-game hash

    # An event renews the key's life and replaces the rating; a late older one changes neither back.
    await redis.expire(key, 60)
    await _until_applied(redis, await _announce(redis, tenant, 1700.0, int(time.time() * 1000) + 60_000))
    assert TTL - 60 < await redis.ttl(key) <= TTL
    await _until_applied(redis, await _announce(redis, tenant, 900.0, int(time.time() * 1000)))
    assert await _ticket_rating(grpc_client, tenant) == 1700.0 != initial

    # Expired (deleted here): the next ticket reads core again and writes a fresh key.
    await redis.delete(key)
    assert await _ticket_rating(grpc_client, tenant) == initial
    assert 0 < await redis.ttl(key) <= TTL
