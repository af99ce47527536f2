"""The stream hub (``runtime/streams.py``) against the platform's real Redis, and WatchTicket streams
through Envoy that hold no Redis connection of their own."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.errors import Unavailable
from playmesh.runtime.streams import RESYNC, Event, StreamHub, StreamsClosed
from redis.asyncio import Redis

from tests.support.clients import GrpcClient
from tests.support.watchers import Watchers, hub_connections, open_channels, queue_players, sign_in, waiting_config
from tests.support.world import Tenant


async def eventually(check: Callable[[], Awaitable[bool]], *, attempts: int = 200) -> None:
    """Polls ``check()`` until it holds (Redis has no notification for these), at most ``attempts`` times."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not hold")


@pytest.fixture
async def redis(platform: PlatformProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(str(platform.endpoints["redis_url"]))
    yield client
    await client.aclose()


def _hub(platform: PlatformProcess, **options: float) -> tuple[StreamHub, str]:
    tag = f"test{uuid.uuid4().hex[:8]}"
    return StreamHub(str(platform.endpoints["redis_url"]), client_name=f"playmesh:{tag}:streams", **options), tag  # type: ignore[arg-type]


@pytest.fixture
async def hub(platform: PlatformProcess) -> AsyncIterator[tuple[StreamHub, str]]:
    hub, tag = _hub(platform)
    yield hub, tag
    await hub.close()


async def _subscribers(redis: Redis, channel: str) -> int:
    return int((await redis.pubsub_numsub(channel))[0][1])


async def test_listeners_of_a_channel_share_one_subscription_on_one_connection(hub: tuple[StreamHub, str], redis: Redis) -> None:
    streams, tag = hub
    channel, other = f"test:{uuid.uuid4()}", f"test:{uuid.uuid4()}"
    async with contextlib.AsyncExitStack() as stack:
        inboxes = [await stack.enter_async_context(streams.listen(channel)) for _ in range(50)]
        bystander = await stack.enter_async_context(streams.listen(other))
        # listen() returned: Redis has confirmed both subscriptions, on the hub's one named connection.
        assert await _subscribers(redis, channel) == 1
        assert (await hub_connections(redis))[tag] == {"requests": 0, "streams": 1, "subscriptions": 2}
        await redis.publish(channel, "v1")
        for inbox in inboxes:
            assert await inbox.next(wait_seconds=10) == Event(b"v1")
        assert bystander.pending() == 0  # published after it would have arrived with the rest: one connection, in order


async def test_the_last_listener_to_leave_unsubscribes(hub: tuple[StreamHub, str], redis: Redis) -> None:
    streams, tag = hub
    channel = f"test:{uuid.uuid4()}"
    first = streams.listen(channel)
    await first.__aenter__()
    async with streams.listen(channel), streams.listen(channel):
        assert await _subscribers(redis, channel) == 1
    assert streams.channels() == 1 and await _subscribers(redis, channel) == 1  # one listener is left
    await first.__aexit__(None, None, None)
    assert streams.channels() == 0

    async def unsubscribed() -> bool:
        return await _subscribers(redis, channel) == 0

    await eventually(unsubscribed)
    assert (await hub_connections(redis))[tag]["subscriptions"] == 0
    async with streams.listen(channel) as again:  # and a newcomer subscribes anew
        await redis.publish(channel, "back")
        assert await again.next(wait_seconds=10) == Event(b"back")


async def test_a_killed_connection_is_replaced_and_listeners_resync(hub: tuple[StreamHub, str], redis: Redis) -> None:
    streams, _ = hub
    channel = f"test:{uuid.uuid4()}"
    async with streams.listen(channel) as inbox:
        connects = streams.connects
        (client_id,) = [c["id"] for c in await redis.client_list() if c.get("name") == streams.client_name]
        await redis.execute_command("CLIENT", "KILL", "ID", client_id)
        # Whatever was published while it was gone is lost: the listener is told to re-read.
        assert await inbox.next(wait_seconds=15) == RESYNC
        assert streams.connects == connects + 1
        assert await _subscribers(redis, channel) == 1
        await redis.publish(channel, "after")
        assert await inbox.next(wait_seconds=10) == Event(b"after")


async def test_a_slow_listener_keeps_a_bounded_queue_and_is_told_to_resync(platform: PlatformProcess, redis: Redis) -> None:
    streams, _ = _hub(platform, queue_limit=8)
    channel, marker = f"test:{uuid.uuid4()}", f"test:{uuid.uuid4()}"
    try:
        async with streams.listen(channel) as slow, streams.listen(marker) as done:
            for i in range(100):
                await redis.publish(channel, str(i))
            await redis.publish(marker, "end")
            assert await done.next(wait_seconds=10) == Event(b"end")  # so the 100 before it were dispatched
            assert slow.pending() <= 8
            assert await slow.next() == RESYNC  # what was dropped is covered by re-reading the state
            kept = slow.pending()
            assert [await slow.next() for _ in range(kept)] == [Event(str(i).encode()) for i in range(100 - kept, 100)]  # the newest, in order
    finally:
        await streams.close()


async def test_listen_answers_unavailable_when_redis_cannot_be_reached() -> None:
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    streams = StreamHub(f"redis://127.0.0.1:{port}/0", client_name="playmesh:unreachable:streams", subscribe_timeout_seconds=0.5)
    try:
        with pytest.raises(Unavailable) as failed:
            async with streams.listen("test:nowhere"):
                pass
        assert failed.value.reason == "STREAMS_UNAVAILABLE"
    finally:
        await streams.close()
    with pytest.raises(StreamsClosed):
        async with streams.listen("test:closed"):
            pass


async def test_watch_streams_share_the_process_stream_connection(platform: PlatformProcess, grpc_client: GrpcClient, redis: Redis) -> None:
    """More WatchTicket streams than the request pool has connections (64): each process still has one
    streams connection, its request connections stay within the pool, and calls keep answering."""
    tenant = await Tenant.create(grpc_client, "streams", waiting_config())
    channels = open_channels(platform.gateway, 10)
    watchers: Watchers | None = None
    try:
        players = await queue_players(channels, tenant.api_key, 200)
        watchers = Watchers(channels, tenant.api_key, players)
        async with asyncio.timeout(60):
            await watchers.wait_open()
        assert watchers.failures == [] and watchers.active == 200
        processes = await hub_connections(redis)
        (matchmaking,) = [p for p in processes.values() if p["subscriptions"] >= 200]
        assert matchmaking["streams"] == 1
        assert matchmaking["requests"] <= 64  # PLAYMESH_REDIS_POOL_SIZE's default
        assert all(p["streams"] <= 1 for p in processes.values())
        assert await sign_in(channels[0], tenant.api_key)  # the process's other Redis calls are not starved
    finally:
        if watchers is not None:
            await watchers.close()
        for channel in channels:
            await channel.close()

    async def released() -> bool:
        return all(p["subscriptions"] < 200 for p in (await hub_connections(redis)).values())

    await eventually(released)  # every stream's channel is unsubscribed once its last listener left
