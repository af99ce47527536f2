"""The one-time Redis key migration of an upgrade (runtime/redis_migrations.py), on the test platform's
real Redis. Each test uses topics, families and a version marker of its own, so the shared platform is
unaffected, and removes its keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import jwt
import pytest
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.auth import family_revoked_key
from playmesh.runtime.bus import dead_letter_key, stream_key
from playmesh.runtime.redis_migrations import MARKER_KEY, PLACEHOLDER_CONSUMER, STEPS, migrate_redis
from redis.asyncio import Redis

from tests.support.clients import GrpcClient, RpcFailure
from tests.support.world import CORE, Tenant


@pytest.fixture
async def redis(platform: PlatformProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(str(platform.endpoints["redis_url"]))
    yield client
    await client.aclose()


@pytest.fixture
def marker() -> str:
    return f"{MARKER_KEY}:test-{uuid.uuid4().hex}"


async def _stream_state(redis: Redis, key: str) -> tuple[object, ...]:
    groups = await redis.xinfo_groups(key)
    pending = {g["name"]: await redis.xpending_range(key, g["name"], min="-", max="+", count=100) for g in groups}
    for entries in pending.values():
        for entry in entries:
            entry.pop("time_since_delivered")
    return (await redis.xrange(key), [(g["name"], g["last-delivered-id"], g["pending"]) for g in groups], pending)


async def test_playmesh_up_migrated_redis(redis: Redis) -> None:
    assert await redis.get(MARKER_KEY) == str(STEPS[-1].version).encode()


async def test_an_old_stream_is_renamed_with_its_group_and_pending_entry(redis: Redis, marker: str) -> None:
    topic = f"test.migrate.{uuid.uuid4().hex}"
    old, old_dead = f"pm:bus:{topic}", f"pm:bus:{topic}:dead"
    try:
        acked = (await redis.xadd(old, {"payload": b"acked"})).decode()
        pending = (await redis.xadd(old, {"payload": b"pending"})).decode()
        waiting = (await redis.xadd(old, {"payload": b"waiting"})).decode()
        await redis.xgroup_create(old, "consumers", id="0")
        await redis.xreadgroup("consumers", "worker-1", {old: ">"}, count=2)
        await redis.xack(old, "consumers", acked)
        await redis.xadd(old_dead, {"payload": b"dead", "error": b"boom"})

        done = await migrate_redis(redis, marker=marker)

        assert [step.version for step, _ in done] == [s.version for s in STEPS]
        assert not await redis.exists(old, old_dead)
        new = stream_key(topic)
        assert [(i.decode(), f[b"payload"]) for i, f in await redis.xrange(new)] == [(acked, b"acked"), (pending, b"pending"), (waiting, b"waiting")]
        [group] = await redis.xinfo_groups(new)
        assert (group["name"], group["last-delivered-id"].decode(), group["pending"]) == (b"consumers", pending, 1)
        [entry] = await redis.xpending_range(new, "consumers", min="-", max="+", count=10)
        assert (entry["message_id"].decode(), entry["consumer"], entry["times_delivered"]) == (pending, b"worker-1", 1)
        # The group goes on where it was: the next new entry it reads is the one it had not read.
        [[_, [(next_id, _)]]] = await redis.xreadgroup("consumers", "worker-2", {new: ">"}, count=10)
        assert next_id.decode() == waiting
        assert [f[b"error"] for _, f in await redis.xrange(dead_letter_key(topic))] == [b"boom"]

        before = await _stream_state(redis, new)
        assert await migrate_redis(redis, marker=marker) == []  # recorded: runs once
        assert await _stream_state(redis, new) == before
    finally:
        await redis.delete(old, old_dead, stream_key(topic), dead_letter_key(topic), marker)


async def test_an_old_stream_is_merged_into_a_new_one_that_exists(redis: Redis, marker: str) -> None:
    """Services of the new version started first: the new stream and its group exist. Whatever the
    group had not acknowledged in either stream ends up pending; what it had acknowledged does not."""
    topic = f"test.migrate.{uuid.uuid4().hex}"
    old, new = f"pm:bus:{topic}", stream_key(topic)
    try:
        acked = await redis.xadd(old, {"payload": b"acked"})
        await redis.xadd(old, {"payload": b"pending"})
        await redis.xadd(old, {"payload": b"waiting"})
        await redis.xgroup_create(old, "consumers", id="0")
        await redis.xreadgroup("consumers", "worker-1", {old: ">"}, count=2)
        await redis.xack(old, "consumers", acked)
        await redis.xgroup_create(new, "consumers", id="0", mkstream=True)
        handled = await redis.xadd(new, {"payload": b"new-handled"})
        await redis.xadd(new, {"payload": b"new-unread"})
        await redis.xreadgroup("consumers", "worker-2", {new: ">"}, count=1)
        await redis.xack(new, "consumers", handled)

        await migrate_redis(redis, marker=marker)

        assert not await redis.exists(old)
        payloads = {i: f[b"payload"] for i, f in await redis.xrange(new)}
        assert list(payloads.values()) == [b"new-handled", b"new-unread", b"pending", b"waiting"]
        owed = await redis.xpending_range(new, "consumers", min="-", max="+", count=10)
        assert sorted((payloads[e["message_id"]], e["consumer"], e["times_delivered"]) for e in owed) == [
            (b"new-unread", PLACEHOLDER_CONSUMER.encode(), 0),
            (b"pending", b"worker-1", 1),
            (b"waiting", PLACEHOLDER_CONSUMER.encode(), 0),
        ]
        assert await redis.xreadgroup("consumers", "worker-3", {new: ">"}) == []  # nothing twice
        before = await _stream_state(redis, new)
        await migrate_redis(redis, marker=f"{marker}:again")  # even without the record, a second run moves nothing
        assert await _stream_state(redis, new) == before
    finally:
        await redis.delete(old, new, marker, f"{marker}:again")


async def test_a_logout_before_the_upgrade_still_holds_after_it(platform: PlatformProcess, grpc_client: GrpcClient, redis: Redis, marker: str) -> None:
    tenant = await Tenant.create(grpc_client, "rm-logout")
    await grpc_client.call(f"{CORE}/Logout", core_pb.LogoutRequest(refresh_token=tenant.refresh_token), api_key=tenant.api_key, token=tenant.player_token)
    family = str(jwt.decode(tenant.player_token, options={"verify_signature": False})["sid"])  # the refresh-token family
    new = family_revoked_key(family)
    old = f"pm:rtf:{family}:revoked"
    try:
        # The marker as the previous version wrote it: under it, the logged-out token works again.
        await redis.rename(new, old)
        await redis.expire(old, 900)
        account = await grpc_client.call(f"{CORE}/GetAccount", core_pb.GetAccountRequest(), api_key=tenant.api_key, token=tenant.player_token)
        assert account.player.id == tenant.player_id

        await migrate_redis(redis, marker=marker)

        assert not await redis.exists(old)
        assert 0 < await redis.ttl(new) <= 900
        with pytest.raises(RpcFailure) as refused:
            await grpc_client.call(f"{CORE}/GetAccount", core_pb.GetAccountRequest(), api_key=tenant.api_key, token=tenant.player_token)
        assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
        ttl = await redis.pttl(new)
        await migrate_redis(redis, marker=f"{marker}:again")
        assert 0 < await redis.pttl(new) <= ttl
    finally:
        await redis.delete(old, marker, f"{marker}:again")
