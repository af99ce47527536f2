"""The event bus on a real Redis: a consumer killed mid-message gets the message redelivered to another
consumer under the same message id, and an acknowledged one is never delivered again; a poison message
lands in the dead-letter stream after the configured deliveries.

The bus delivers at least once; exactly-once *effect* is the consumer's part (each Playmesh consumer
keys its effect by message id or by the domain's own id). The test consumer does the same, so the
test shows that the redelivery carries what such a consumer needs, and that it then counts once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.bus import BusPolicy, EventBus, Message, dead_letter_key, stream_key
from redis.asyncio import Redis

from tests.conftest import ROOT


@pytest.fixture
async def redis(platform: PlatformProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(str(platform.endpoints["redis_url"]))
    yield client
    await client.aclose()


async def _wait_for(predicate: object, within: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def _consumer(platform: PlatformProcess, topic: str, name: str, prefix: str, hang: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HANG": "1" if hang else "0"}
    return subprocess.Popen([sys.executable, "-m", "tests.bus_consumer", str(platform.endpoints["redis_url"]), topic, "group", name, prefix], cwd=ROOT, env=env)


async def test_killed_consumer_message_is_redelivered_under_its_id(platform: PlatformProcess, redis: Redis) -> None:
    topic, prefix = f"test.{uuid.uuid4().hex[:8]}", f"t:{uuid.uuid4().hex[:8]}"
    bus = EventBus(redis)
    await bus.ensure_group(topic, "group")
    first = _consumer(platform, topic, "first", prefix, hang=True)
    try:
        acked_id = await bus.publish(topic, b"5")
        hung_id = await bus.publish(topic, b"7", {"hang": "1"})
        await _wait_for(lambda: redis.exists(f"{prefix}:hanging"))
        first.send_signal(signal.SIGKILL)  # dies mid-message: effect applied, no ack
        first.wait(10)
        second = _consumer(platform, topic, "second", prefix, hang=False)
        try:
            await _wait_for(lambda: _delivered_to(redis, prefix, f"second:{hung_id}"))
            await _wait_for(lambda: _no_pending(redis, topic))
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert int(await redis.get(f"{prefix}:total")) == 12  # 5 + 7, the redelivered 7 counted once
    deliveries = [d.decode() for d in await redis.lrange(f"{prefix}:deliveries", 0, -1)]
    assert deliveries.count(f"first:{hung_id}") == 1 and deliveries.count(f"second:{hung_id}") == 1
    assert [d for d in deliveries if d.endswith(f":{acked_id}")] == [f"first:{acked_id}"]  # acknowledged: never again


async def _delivered_to(redis: Redis, prefix: str, entry: str) -> bool:
    return entry.encode() in await redis.lrange(f"{prefix}:deliveries", 0, -1)


async def _no_pending(redis: Redis, topic: str) -> bool:
    summary = await redis.xpending(stream_key(topic), "group")
    return summary["pending"] == 0


async def test_poison_message_is_dead_lettered_after_max_deliveries(redis: Redis) -> None:
    topic = f"test.{uuid.uuid4().hex[:8]}"
    bus = EventBus(redis, policy=BusPolicy(max_deliveries=3, retry_base_ms=50, retry_max_ms=100, block_ms=50))
    attempts: list[int] = []

    async def poison(message: Message) -> None:
        attempts.append(message.deliveries)
        raise ValueError("cannot process this")

    await bus.ensure_group(topic, "g")
    bad_id = await bus.publish(topic, b"poison")
    stop = asyncio.Event()
    task = asyncio.create_task(bus.consume(topic, "g", "c1", poison, stop=stop))
    try:
        await _wait_for(lambda: redis.xlen(dead_letter_key(topic)), within=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert attempts == [1, 2, 3]
    [(dead_id, fields)] = await bus.dead_letters(topic)
    assert fields[b"original_id"].decode() == bad_id and fields[b"payload"] == b"poison"
    assert fields[b"attempts"] == b"3" and b"cannot process this" in fields[b"error"]
    assert (await redis.xpending(stream_key(topic), "g"))["pending"] == 0
    assert dead_id
