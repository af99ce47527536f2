"""Runtime pieces against the platform's real Redis: per-IP rate-limit buckets, idempotency races."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.errors import Aborted, ResourceExhausted
from playmesh.runtime.idempotency import Idempotency
from playmesh.runtime.ratelimit import Budget, RateLimiter
from redis.asyncio import Redis


@pytest.fixture
async def redis(platform: PlatformProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(str(platform.endpoints["redis_url"]))
    yield client
    await client.aclose()


async def test_ip_bucket_is_shared_by_every_caller_of_that_ip(redis: Redis) -> None:
    limiter = RateLimiter(redis)
    ip = f"ip:{uuid.uuid4()}:w"
    for caller in range(3):
        await limiter.acquire([(ip, Budget(3)), (f"sub:{caller}:w", Budget(30))])
    with pytest.raises(ResourceExhausted) as limited:
        await limiter.acquire([(ip, Budget(3)), ("sub:fresh:w", Budget(30))])
    assert 0 < limited.value.retry_after_seconds <= 20
    # The refused call drew from no bucket: the fresh caller's own bucket is still full.
    for _ in range(30):
        await limiter.acquire([(f"ip:{uuid.uuid4()}:w", Budget(100)), ("sub:fresh:w", Budget(30))])


async def test_idempotent_action_runs_once_under_concurrent_retries(redis: Redis) -> None:
    idem = Idempotency(redis, ttl_seconds=60, secret="test secret")
    runs = 0
    request = pb.CreateStudioRequest(display_name="once", request_id="r1")

    async def action() -> pb.CreateStudioResponse:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.2)
        return pb.CreateStudioResponse()

    scope = f"test:{uuid.uuid4()}"
    results = await asyncio.gather(
        *(idem.run(scope=scope, request_id="r1", request=request, response_type=pb.CreateStudioResponse, action=action) for _ in range(5)),
        return_exceptions=True,
    )
    assert runs == 1
    assert sum(isinstance(r, pb.CreateStudioResponse) for r in results) == 1
    assert all(isinstance(r, Aborted) for r in results if not isinstance(r, pb.CreateStudioResponse))
    again = await idem.run(scope=scope, request_id="r1", request=request, response_type=pb.CreateStudioResponse, action=action)
    assert isinstance(again, pb.CreateStudioResponse) and runs == 1
