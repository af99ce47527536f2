"""kill -9 of the embedded Redis, then of the embedded PostgreSQL, under `playmesh up` (a platform of its
own, so the shared one is not disturbed): the supervisor restarts each in place, every service reports
NOT_SERVING while it is gone and SERVING again after, calls that answered UNAVAILABLE meanwhile succeed
again, and nothing acknowledged before the kill is lost.

The supervisor restarts a dead server within a second, faster than a health check can see it gone.
To watch the outage, the test freezes the supervisor (SIGSTOP) around the kill and lets it go (SIGCONT)
once the outage has been seen; the later tests kill Redis, Envoy and a service process without freezing
anything. The supervisor's back-off is checked on its own, with a stand-in server, at the end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import grpc
import httpx
import psutil
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as core
from playmesh.launcher.child import PlatformProcess
from playmesh.launcher.keeper import Keeper
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as mmpb
from redis.asyncio import Redis
from structlog.testing import capture_logs

from tests.support.clients import GrpcClient, RpcFailure
from tests.support.world import CORE, Tenant

MM = "playmesh.matchmaking.v1.MatchmakingService"
# Over the 50 ms starting latency ceiling: the ticket stays queued for the whole test.
FAR = [mm.RegionLatency(region="eu-west", latency_ms=140)]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture(scope="module")
def own_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    platform = PlatformProcess(tmp_path_factory.mktemp("recovery"))
    platform.start()
    yield platform
    assert platform.stop() == 0, platform.output.read_text()[-3000:]


@pytest.fixture(scope="module")
async def client(own_platform: PlatformProcess) -> AsyncIterator[GrpcClient]:
    """Native gRPC through this platform's gateway (replaces the shared platform's ``client``)."""
    client = GrpcClient(own_platform.gateway)
    yield client
    await client.close()


@pytest.fixture(scope="module")
async def tenant(client: GrpcClient) -> Tenant:
    return await Tenant.create(client, "recovery")


@pytest.mark.slow
async def test_redis_killed_is_restarted_and_loses_nothing_acknowledged(own_platform: PlatformProcess, client: GrpcClient, tenant: Tenant) -> None:
    as_player = {"api_key": tenant.api_key, "token": tenant.player_token}
    ticket = (await client.call(f"{MM}/CreateTicket", mmpb.CreateTicketRequest(mode="duo", latencies=FAR), **as_player)).ticket
    old_pid = await _redis_pid(own_platform)
    with _frozen(own_platform):
        # The last write Redis acknowledged before it dies: a new sign-in's refresh token.
        last = await tenant.new_player(client)
        os.kill(old_pid, signal.SIGKILL)
        await _wait_for(lambda: _all_health(own_platform, NOT_SERVING), "every service NOT_SERVING while Redis is down")
        await _wait_for(lambda: _envoy_took_out_every_host(own_platform), "Envoy's health checks took every host out")
        # Every host is out; Envoy still routes (panic mode) and the service answers UNAVAILABLE at once.
        failure = await _fails_fast(client.call(f"{MM}/GetTicket", mmpb.GetTicketRequest(ticket_id=ticket.id), **as_player))
        assert failure.code == grpc.StatusCode.UNAVAILABLE, failure
    await _wait_for(lambda: _all_health(own_platform, SERVING), "every service SERVING once Redis is back")

    # SERVING means the pools are usable: these calls succeed at the first attempt.
    got = await client.call(f"{MM}/GetTicket", mmpb.GetTicketRequest(ticket_id=ticket.id), **as_player)
    # Still waiting for a match (the tick may have moved it from queued to searching meanwhile).
    assert got.ticket.player_ids == ticket.player_ids
    assert got.ticket.state in (mm.TICKET_STATE_QUEUED, mm.TICKET_STATE_SEARCHING)
    rotated = await client.call(f"{CORE}/RefreshToken", core.RefreshTokenRequest(refresh_token=last.tokens.refresh_token), api_key=tenant.api_key)
    assert rotated.tokens.access_token
    assert await _redis_pid(own_platform) != old_pid
    died, restarted = _log_events(own_platform, "redis")
    assert died["pid"] == old_pid
    assert restarted["restart_seconds"] > 0 and restarted["down_seconds"] >= restarted["restart_seconds"]


@pytest.mark.slow
async def test_postgres_killed_is_restarted_and_loses_nothing_committed(own_platform: PlatformProcess, client: GrpcClient, tenant: Tenant) -> None:
    postmaster = own_platform.data_dir / "postgres" / "postmaster.pid"
    old_pid = int(postmaster.read_text().split()[0])
    with _frozen(own_platform):
        # The last row PostgreSQL committed before it dies: a new player.
        last = await tenant.new_player(client)
        os.kill(old_pid, signal.SIGKILL)
        await _wait_for(lambda: _all_health(own_platform, NOT_SERVING), "every service NOT_SERVING while PostgreSQL is down")
        await _wait_for(lambda: _envoy_took_out_every_host(own_platform), "Envoy's health checks took every host out")
        request = core.ListPlayersRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, page_size=100)
        failure = await _fails_fast(client.call(f"{CORE}/ListPlayers", request, token=tenant.developer_token))
        assert failure.code == grpc.StatusCode.UNAVAILABLE, failure
    await _wait_for(lambda: _all_health(own_platform, SERVING), "every service SERVING once PostgreSQL is back")

    # SERVING means the pools are usable: first attempts, the SQLAlchemy path and the raw asyncpg one.
    players = await client.call(f"{CORE}/ListPlayers", request, token=tenant.developer_token)
    assert last.player.id in {p.id for p in players.players}
    account = await client.call(f"{CORE}/GetAccount", core.GetAccountRequest(), api_key=tenant.api_key, token=last.tokens.access_token)
    assert account.player.id == last.player.id
    as_last = {"api_key": tenant.api_key, "token": last.tokens.access_token}
    created = await client.call(f"{MM}/CreateTicket", mmpb.CreateTicketRequest(mode="duo", latencies=FAR), **as_last)
    assert created.ticket.id
    assert int(postmaster.read_text().split()[0]) != old_pid
    died, restarted = _log_events(own_platform, "postgresql")
    assert died["pid"] == old_pid
    assert restarted["restart_seconds"] > 0 and restarted["down_seconds"] >= restarted["restart_seconds"]


@pytest.mark.slow
async def test_redis_killed_unobserved_recovers_by_itself(own_platform: PlatformProcess, client: GrpcClient, tenant: Tenant) -> None:
    """Nothing frozen: the supervisor restarts Redis before a health check sees it gone; the services
    notice their broken connections and calls succeed again within a few seconds."""
    old_pid = await _redis_pid(own_platform)
    before = len(_events(own_platform, "dependency_restarted"))
    os.kill(old_pid, signal.SIGKILL)
    await _wait_for(lambda: _restarted_since(own_platform, before), "the supervisor restarted Redis")

    async def works() -> bool:
        with contextlib.suppress(RpcFailure):
            await client.call(f"{CORE}/GetAccount", core.GetAccountRequest(), api_key=tenant.api_key, token=tenant.player_token)
            return True
        return False

    await _wait_for(works, "GetAccount answers again")
    await _wait_for(lambda: _all_health(own_platform, SERVING), "every service SERVING")


@pytest.mark.slow
@pytest.mark.parametrize("child", ["envoy", "core"])
async def test_envoy_or_a_service_process_killed_is_restarted(own_platform: PlatformProcess, client: GrpcClient, tenant: Tenant, child: str) -> None:
    """Envoy and the service processes are the supervisor's own children: restarted the same way (at
    most 5 times a minute each); calls through the gateway work again within a few seconds."""
    old = _child_pid(own_platform, child)
    os.kill(old, signal.SIGKILL)

    async def replaced() -> bool:
        with contextlib.suppress(LookupError):
            return _child_pid(own_platform, child) != old
        return False

    await _wait_for(replaced, f"a new {child} process")

    async def works() -> bool:
        with contextlib.suppress(RpcFailure):
            await client.call(f"{CORE}/GetAccount", core.GetAccountRequest(), api_key=tenant.api_key, token=tenant.player_token)
            return True
        return False

    await _wait_for(works, "GetAccount answers again")


class _StandIn:
    """A server the Keeper watches, whose life the test decides."""

    def __init__(self) -> None:
        self.running = True
        self.restarts = 0
        self.fail_restarts = 0

    @property
    def pid(self) -> int:
        return 4242

    def alive(self) -> bool:
        return self.running

    def restart(self) -> str:
        if self.fail_restarts:
            self.fail_restarts -= 1
            raise RuntimeError("still shutting down")
        self.restarts += 1
        self.running = True
        return "redis://stand-in"


def test_keeper_restarts_at_once_then_backs_off_when_it_keeps_dying() -> None:
    server = _StandIn()
    keeper = Keeper("redis", server)
    with capture_logs() as logs:
        keeper.check()
        assert logs == [] and server.restarts == 0
        server.running = False
        keeper.check()  # first death in a minute: restarted in the same pass
        assert server.restarts == 1
        server.running = False
        keeper.check()  # second death within a minute: 1 s of back-off first
        keeper.check()
        assert server.restarts == 1 and not server.alive()
    assert [(e["event"], e.get("restart_in_seconds")) for e in logs] == [
        ("dependency_died", 0.0),
        ("dependency_restarted", None),
        ("dependency_died", 1.0),
    ]


def test_keeper_retries_a_failed_restart_with_back_off() -> None:
    server = _StandIn()
    server.running = False
    server.fail_restarts = 1
    keeper = Keeper("postgresql", server)
    with capture_logs() as logs:
        keeper.check()
        keeper.check()  # within the 0.25 s before the retry: no new attempt
    assert server.restarts == 0
    assert [(e["event"], e.get("retry_in_seconds")) for e in logs] == [("dependency_died", None), ("dependency_restart_failed", 0.25)]


@contextlib.contextmanager
def _frozen(platform: PlatformProcess) -> Iterator[None]:
    """Stops the supervisor (`playmesh up`) and nothing else: services, Envoy and the embedded servers
    run in their own processes."""
    assert platform.process is not None
    platform.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        platform.process.send_signal(signal.SIGCONT)


async def _wait_for(condition: Callable[[], Awaitable[bool]], what: str, within_seconds: float = 30.0) -> None:
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {within_seconds:.0f} s: {what}")


async def _fails_fast(call: Awaitable[object]) -> RpcFailure:
    """The failure of ``call``, which must come within 5 s (no hang until the client's own deadline)."""
    try:
        await asyncio.wait_for(call, 5)
    except RpcFailure as failure:
        return failure
    raise AssertionError("the call succeeded")


async def _all_health(platform: PlatformProcess, status: int) -> bool:
    """Every service process, asked directly (not through Envoy), reports ``status``."""
    services = dict(platform.endpoints["services"])  # type: ignore[call-overload]
    for address in services.values():
        async with grpc.aio.insecure_channel(address) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
        if reply.status != status:
            return False
    return True


async def _envoy_took_out_every_host(platform: PlatformProcess) -> bool:
    async with httpx.AsyncClient() as http:
        clusters = (await http.get(f"http://127.0.0.1:{platform.env['PLAYMESH_GATEWAY_ADMIN_PORT']}/clusters", timeout=2)).text
    flags = [line for line in clusters.splitlines() if "::health_flags::" in line]
    return bool(flags) and all("/failed_active_hc" in line for line in flags)


def _child_pid(platform: PlatformProcess, child: str) -> int:
    """The pid of the supervisor's child running ``child`` (envoy, or a service's first process)."""
    assert platform.process is not None
    for process in psutil.Process(platform.process.pid).children():
        with contextlib.suppress(psutil.Error):
            cmdline = process.cmdline()
            if (child == "envoy" and "-c" in cmdline and process.name().startswith("envoy")) or cmdline[-4:] == ["serve", child, "--worker", "0"]:
                return process.pid
    raise LookupError(child)


async def _redis_pid(platform: PlatformProcess) -> int:
    async with Redis.from_url(str(platform.endpoints["redis_url"])) as redis:
        return int((await redis.info("server"))["process_id"])


def _events(platform: PlatformProcess, event: str) -> list[dict[str, object]]:
    """The supervisor's structured log lines named ``event`` (JSON lines in its output)."""
    found = []
    for line in platform.output.read_text().splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("event") == event:
                    found.append(record)
    return found


async def _restarted_since(platform: PlatformProcess, count: int) -> bool:
    return len(_events(platform, "dependency_restarted")) > count


def _log_events(platform: PlatformProcess, dependency: str) -> tuple[dict[str, object], dict[str, object]]:
    died = [e for e in _events(platform, "dependency_died") if e["dependency"] == dependency]
    restarted = [e for e in _events(platform, "dependency_restarted") if e["dependency"] == dependency]
    assert died and restarted, f"no dependency_died / dependency_restarted for {dependency}"
    return died[-1], restarted[-1]
