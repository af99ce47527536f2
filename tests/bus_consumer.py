"""A consumer process for tests/test_bus.py: applies each message's effect once (keyed by message id,
atomically with nothing else), records every delivery, and can hang mid-message to be killed."""

from __future__ import annotations

import asyncio
import os
import sys

from playmesh.runtime.bus import BusPolicy, EventBus, Message
from redis.asyncio import Redis


async def main(redis_url: str, topic: str, group: str, consumer: str, prefix: str) -> None:
    redis = Redis.from_url(redis_url)
    bus = EventBus(redis, policy=BusPolicy(claim_idle_ms=500, retry_base_ms=100, block_ms=100))
    stop = asyncio.Event()

    async def handle(message: Message) -> None:
        await redis.rpush(f"{prefix}:deliveries", f"{consumer}:{message.id}")
        # The effect, idempotent by message id: a redelivery after a crash cannot apply it twice.
        if await redis.set(f"{prefix}:done:{message.id}", 1, nx=True):
            await redis.incrby(f"{prefix}:total", int(message.payload))
        if message.headers.get("hang") == "1" and os.environ.get("HANG") == "1":
            await redis.set(f"{prefix}:hanging", consumer)
            await asyncio.sleep(3600)  # killed here, before the ack

    await bus.consume(topic, group, consumer, handle, stop=stop)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
