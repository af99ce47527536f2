"""Every create path is safe when callers race it, within one process and across two: studios (each
with its schema migrated), games, API keys, the same e-mail registered twice, and the first sign-in of
one device from two clients at once. A second core process beside the platform's own serves half of
the calls, both straight to their ports (no gateway in between to serialize anything)."""

from __future__ import annotations

import asyncio
import pathlib
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.tables import tenant_schema

from tests.support.clients import GrpcClient, RpcFailure
from tests.support.world import CORE, PASSWORD, Tenant, game_config

_RACERS = 20


@pytest.fixture(scope="module")
def second_core(platform: PlatformProcess) -> Iterator[str]:
    """A second core process (worker 1) on the platform's database and Redis; returns its address."""
    env = {**platform.env, "PLAYMESH_DATABASE_URL": str(platform.endpoints["database_url"]), "PLAYMESH_REDIS_URL": str(platform.endpoints["redis_url"])}
    log = pathlib.Path(platform.data_dir, "logs", "core-test-worker.log")
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "playmesh.cli", "serve", "core", "--worker", "1"], env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    # Worker k of service n listens on port_base + n + 10k; core is service 1.
    address = f"127.0.0.1:{int(env['PLAYMESH_PORT_BASE']) + 1 + 10}"
    try:
        with grpc.insecure_channel(address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for _ in range(300):
                if process.poll() is not None:
                    raise RuntimeError(f"second core exited:\n{log.read_text()[-3000:]}")
                try:
                    if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError:
                    pass
                subprocess.run(["sleep", "0.2"], check=True)
            else:
                raise RuntimeError("second core never became healthy")
        yield address
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module")
async def cores(platform: PlatformProcess, second_core: str) -> AsyncIterator[list[GrpcClient]]:
    clients = [GrpcClient(str(platform.endpoints["services"]["core"])), GrpcClient(second_core)]  # type: ignore[index]
    yield clients
    for client in clients:
        await client.close()


async def _developer(client: GrpcClient) -> str:
    reply = await client.call(
        f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(email=f"race-{uuid.uuid4().hex[:12]}@example.com", password=PASSWORD, display_name="racer")
    )
    return reply.tokens.access_token


async def test_one_developer_creates_studios_concurrently_on_two_processes(platform: PlatformProcess, cores: list[GrpcClient]) -> None:
    token = await _developer(cores[0])
    replies = await asyncio.gather(
        *(cores[i % 2].call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name=f"racing studio {i}"), token=token) for i in range(_RACERS)),
        return_exceptions=True,
    )
    failures = [r for r in replies if isinstance(r, BaseException)]
    assert not failures, failures[:3]
    ids = [r.studio.id for r in replies]  # type: ignore[union-attr]
    assert len(set(ids)) == _RACERS
    await _assert_all_migrated(platform, cores, ids)


async def test_many_developers_create_studios_concurrently_on_two_processes(platform: PlatformProcess, cores: list[GrpcClient]) -> None:
    tokens = await asyncio.gather(*(_developer(cores[i % 2]) for i in range(_RACERS)))
    replies = await asyncio.gather(
        *(cores[i % 2].call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name=f"studio of {i}"), token=t) for i, t in enumerate(tokens)),
        return_exceptions=True,
    )
    failures = [r for r in replies if isinstance(r, BaseException)]
    assert not failures, failures[:3]
    await _assert_all_migrated(platform, cores, [r.studio.id for r in replies])  # type: ignore[union-attr]


async def _assert_all_migrated(platform: PlatformProcess, cores: list[GrpcClient], studio_ids: list[str]) -> None:
    """Every raced studio's schema is at the same revision, with the same tables, as one created alone."""
    token = await _developer(cores[0])
    alone = (await cores[0].call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name="created alone"), token=token)).studio.id
    conn = await asyncpg.connect(str(platform.endpoints["database_url"]))
    try:

        async def shape(studio_id: str) -> tuple[str, list[str]]:
            schema = tenant_schema(studio_id)
            revision = await conn.fetchval(f'SELECT version_num FROM "{schema}".alembic_version')
            tables = [r["table_name"] for r in await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", schema)]
            return revision, tables

        expected = await shape(alone)
        assert expected[0] and len(expected[1]) > 1, expected
        for studio_id in studio_ids:
            assert await shape(studio_id) == expected, studio_id
    finally:
        await conn.close()


async def test_same_email_registered_concurrently_once(cores: list[GrpcClient]) -> None:
    email = f"twice-{uuid.uuid4().hex[:12]}@example.com"
    replies = await asyncio.gather(
        *(cores[i % 2].call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(email=email, password=PASSWORD, display_name="twin")) for i in range(6)),
        return_exceptions=True,
    )
    ok = [r for r in replies if not isinstance(r, BaseException)]
    failed = [r for r in replies if isinstance(r, BaseException)]
    assert len(ok) == 1, replies
    assert all(isinstance(f, RpcFailure) and f.code == grpc.StatusCode.ALREADY_EXISTS and f.reason() == "EMAIL_TAKEN" for f in failed), failed


async def test_games_and_keys_created_concurrently(cores: list[GrpcClient]) -> None:
    tenant = await Tenant.create(cores[0], "racer")
    games = await asyncio.gather(
        *(
            cores[i % 2].call(
                f"{CORE}/CreateGame",
                pb.CreateGameRequest(studio_id=tenant.studio_id, display_name=f"game {i}", config=game_config()),
                token=tenant.developer_token,
            )
            for i in range(10)
        )
    )
    assert len({g.game.id for g in games}) == 10
    keys = await asyncio.gather(
        *(
            cores[i % 2].call(
                f"{CORE}/CreateApiKey",
                pb.CreateApiKeyRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, display_name=f"key {i}"),
                token=tenant.developer_token,
            )
            for i in range(10)
        )
    )
    assert len({k.api_key.id for k in keys}) == 10
    listed = await cores[1].call(f"{CORE}/ListGames", pb.ListGamesRequest(studio_id=tenant.studio_id, page_size=50), token=tenant.developer_token)
    assert len(listed.games) == 11


async def test_first_sign_in_of_one_device_from_two_clients(cores: list[GrpcClient]) -> None:
    tenant = await Tenant.create(cores[0], "device")
    for _ in range(3):
        device = f"device-{uuid.uuid4().hex}"
        replies = await asyncio.gather(
            *(
                cores[i % 2].call(f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id=device, create=True), api_key=tenant.api_key)
                for i in range(4)
            ),
            return_exceptions=True,
        )
        failures = [r for r in replies if isinstance(r, BaseException)]
        assert not failures, failures
        assert len({r.player.id for r in replies}) == 1  # type: ignore[union-attr]
        assert sum(r.created for r in replies) == 1  # type: ignore[union-attr]
