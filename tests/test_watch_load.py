"""2,000 concurrent WatchTicket streams on one matchmaking process through Envoy, while sign-in and
CreateTicket keep answering OK (issue 8: streams used to take a pooled Redis connection each, and
~64 of them stalled every Redis call of the process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from playmesh.launcher.child import PlatformProcess
from redis.asyncio import Redis

from tests.support.clients import GrpcClient
from tests.support.watchers import Watchers, hub_connections, open_channels, queue_players, waiting_config
from tests.support.world import Tenant

STREAMS = 2000
CONNECTIONS = 25  # HTTP/2 connections to Envoy the streams are spread over (80 streams each)


@pytest.fixture
async def redis(platform: PlatformProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(str(platform.endpoints["redis_url"]))
    yield client
    await client.aclose()


@pytest.mark.timeout(240)
async def test_2000_watch_streams_on_one_process_while_sign_in_and_create_ticket_answer(
    platform: PlatformProcess, grpc_client: GrpcClient, redis: Redis
) -> None:
    assert platform.env.get("PLAYMESH_SERVICE_PROCESSES", "1") == "1"  # one matchmaking process holds them all
    tenant = await Tenant.create(grpc_client, "watch-load", waiting_config())
    channels = open_channels(platform.gateway, CONNECTIONS)
    watchers: Watchers | None = None
    try:
        players = await queue_players(channels, tenant.api_key, STREAMS)
        watchers = Watchers(channels, tenant.api_key, players)
        async with asyncio.timeout(120):
            await watchers.wait_open()
        assert watchers.failures == []
        assert watchers.active == STREAMS

        (matchmaking,) = [p for p in (await hub_connections(redis)).values() if p["subscriptions"] >= STREAMS]
        assert matchmaking["streams"] == 1 and matchmaking["requests"] <= 64

        # With every stream open: new players sign in and queue (each a sign-in and a CreateTicket).
        late = await queue_players(channels, tenant.api_key, 100, concurrency=10)
        assert len(late) == 100 and all(p.ticket_id for p in late)
        assert watchers.failures == []
        assert watchers.active == STREAMS
    finally:
        if watchers is not None:
            await watchers.close()
        for channel in channels:
            await channel.close()
