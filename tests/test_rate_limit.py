"""Rate limits: the 31st write of a player in a minute is RESOURCE_EXHAUSTED with RetryInfo, reads
have their own budget, and another player is not affected. The per-IP budget is drawn before
authentication, keyed by the address the gateway vouches for, never by what a client writes in
X-Forwarded-For."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterator

import grpc
import httpx
import pytest
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.errors import ResourceExhausted
from playmesh.runtime.ratelimit import Budget, RateLimiter
from redis.asyncio import Redis

from tests.support.clients import GrpcClient, RestClient, RpcFailure
from tests.support.world import CORE, World


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
async def test_31st_write_is_refused_with_retry_info(protocol: str, grpc_client: GrpcClient, rest_client: RestClient, world: World) -> None:
    client = grpc_client if protocol == "grpc" else rest_client
    player = await world.a.new_player(client)
    token = player.tokens.access_token
    for i in range(30):
        await client.call(f"{CORE}/UpdateAccount", pb.UpdateAccountRequest(display_name=f"name-{i}"), api_key=world.a.api_key, token=token)
    with pytest.raises(RpcFailure) as limited:
        await client.call(f"{CORE}/UpdateAccount", pb.UpdateAccountRequest(display_name="one-too-many"), api_key=world.a.api_key, token=token)
    assert limited.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    delay = limited.value.retry_delay_seconds()
    assert delay is not None and 0 < delay <= 2.0  # 30/min refills a token every 2 s
    # The refused write changed nothing; reads still have budget; another player is unaffected.
    account = await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=token)
    assert account.player.display_name == "name-29"
    other = await world.a.new_player(client)
    await client.call(f"{CORE}/UpdateAccount", pb.UpdateAccountRequest(display_name="fine"), api_key=world.a.api_key, token=other.tokens.access_token)


# Per-IP budgets ----------------------------------------------------------------------------------
# A platform of its own with 5 calls a minute per IP; each test below calls from an address of its own
# (a loopback source address through the gateway, the gateway's header straight to a service), so
# their buckets do not mix.

IP_BUDGET = 5


@pytest.fixture(scope="module")
def strict_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    limits = {f"PLAYMESH_RATE_LIMIT_IP_{kind}_PER_MINUTE": str(IP_BUDGET) for kind in ("READS", "WRITES", "GAMEPLAY", "UNMETERED")}
    proc = PlatformProcess(tmp_path_factory.mktemp("strict-ip-limits"), extra_env=limits)
    proc.start()
    yield proc
    assert proc.stop() == 0, proc.output.read_text()[-3000:]


def _rest_from(source_ip: str, platform: PlatformProcess) -> RestClient:
    """A REST client whose connections to the gateway leave from ``source_ip`` (any 127.x address is local)."""
    client = RestClient(platform.gateway)
    client.http = httpx.AsyncClient(base_url=client.base, timeout=30, transport=httpx.AsyncHTTPTransport(local_address=source_ip))
    return client


async def _failure(call: Awaitable[object]) -> RpcFailure:
    try:
        await call
    except RpcFailure as failure:
        return failure
    raise AssertionError("the call succeeded")


async def test_bad_credentials_from_one_ip_run_into_its_budget_before_authentication(strict_platform: PlatformProcess) -> None:
    client = _rest_from("127.0.0.21", strict_platform)
    try:
        sign_in = pb.AuthenticateDeviceRequest(device_id="device-of-a-flood", create=True)
        for _ in range(IP_BUDGET):
            failure = await _failure(client.call(f"{CORE}/AuthenticateDevice", sign_in, api_key="pm_not_a_key"))
            assert failure.code == grpc.StatusCode.UNAUTHENTICATED, failure
        for _ in range(3):  # the first refusal from Redis, then from the process's memory of it
            failure = await _failure(client.call(f"{CORE}/AuthenticateDevice", sign_in, api_key="pm_not_a_key"))
            assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED, failure
            delay = failure.retry_delay_seconds()
            assert delay is not None and 0 < delay <= 60 / IP_BUDGET
    finally:
        await client.close()


async def test_spoofed_client_ip_headers_through_the_gateway_do_not_change_the_bucket(strict_platform: PlatformProcess) -> None:
    client = _rest_from("127.0.0.22", strict_platform)
    try:
        for i in range(IP_BUDGET):
            spoofed = {"x-forwarded-for": f"198.51.100.{i}", "x-playmesh-client-ip": f"192.0.2.{i}"}
            failure = await _failure(client.call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(), headers=spoofed))
            assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, failure
        spoofed = {"x-forwarded-for": "198.51.100.99", "x-playmesh-client-ip": "192.0.2.99"}
        failure = await _failure(client.call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(), headers=spoofed))
        assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED, failure
    finally:
        await client.close()


async def test_straight_to_a_service_x_forwarded_for_is_not_read(strict_platform: PlatformProcess) -> None:
    client = GrpcClient(str(strict_platform.endpoints["services"]["core"]))  # type: ignore[index]
    try:
        # What the gateway would have set, and a different forged X-Forwarded-For on every call.
        for i in range(IP_BUDGET):
            headers = {"x-playmesh-client-ip": "203.0.113.7", "x-forwarded-for": f"198.51.100.{i}"}
            failure = await _failure(client.call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(), headers=headers))
            assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, failure
        headers = {"x-playmesh-client-ip": "203.0.113.7", "x-forwarded-for": "198.51.100.99"}
        failure = await _failure(client.call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(), headers=headers))
        assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED, failure
    finally:
        await client.close()


async def test_ipv6_clients_share_their_64_prefix_budget(strict_platform: PlatformProcess) -> None:
    client = GrpcClient(str(strict_platform.endpoints["services"]["core"]))  # type: ignore[index]

    async def code_from(ip: str) -> grpc.StatusCode:
        failure = await _failure(client.call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(), headers={"x-playmesh-client-ip": ip}))
        return failure.code

    try:
        # Addresses within one /64 are one subscriber's to rotate through; they draw from one bucket.
        codes = [await code_from(f"2001:db8:0:1::{i:x}") for i in range(1, IP_BUDGET + 2)]
        assert codes == [grpc.StatusCode.INVALID_ARGUMENT] * IP_BUDGET + [grpc.StatusCode.RESOURCE_EXHAUSTED]
        assert await code_from("2001:db8:0:2::1") == grpc.StatusCode.INVALID_ARGUMENT  # the next /64 is someone else
    finally:
        await client.close()


async def test_an_empty_bucket_is_refused_without_asking_redis_again(strict_platform: PlatformProcess) -> None:
    async with Redis.from_url(str(strict_platform.endpoints["redis_url"])) as redis:
        key = f"ip:test-{uuid.uuid4().hex}:w"
        limiter = RateLimiter(redis)
        await limiter.acquire([(key, Budget(1))])
        with pytest.raises(ResourceExhausted):
            await limiter.acquire([(key, Budget(1))])
        # Refill the bucket behind the limiter's back: it still refuses until the wait it was told is over,
        # so the refusal cost no round trip; another process (a fresh limiter) asks Redis and is allowed.
        await redis.delete(f"pm:rl:{key}")
        with pytest.raises(ResourceExhausted) as remembered:
            await limiter.acquire([(key, Budget(1))])
        assert 0 < remembered.value.retry_after_seconds <= 60
        await RateLimiter(redis).acquire([(key, Budget(1))])


async def test_methods_without_a_caller_budget_still_have_one_per_ip(strict_platform: PlatformProcess) -> None:
    """GetJwks takes no credentials and no per-caller budget: an anonymous flood of it from one address
    runs into that address's budget."""
    client = _rest_from("127.0.0.27", strict_platform)
    try:
        for _ in range(IP_BUDGET):
            await client.call(f"{CORE}/GetJwks", pb.GetJwksRequest())
        refused = await _failure(client.call(f"{CORE}/GetJwks", pb.GetJwksRequest()))
        assert refused.code == grpc.StatusCode.RESOURCE_EXHAUSTED and refused.retry_delay_seconds()
    finally:
        await client.close()
