"""Shared fixtures: one real platform per test session (``playmesh up`` on free ports, embedded
PostgreSQL and Redis unless PLAYMESH_DATABASE_URL / PLAYMESH_REDIS_URL are set), and clients for the
three protocols the gateway serves."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest
from playmesh.launcher.child import PlatformProcess

from tests.support.clients import GrpcClient, GrpcWebClient, RestClient
from tests.support.world import World

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    proc = PlatformProcess(tmp_path_factory.mktemp("platform"))
    proc.start()
    yield proc
    code = proc.stop()
    assert code == 0, f"playmesh up did not stop cleanly ({code}):\n{proc.output.read_text()[-3000:]}"


@pytest.fixture(scope="session")
async def grpc_client(platform: PlatformProcess) -> AsyncIterator[GrpcClient]:
    client = GrpcClient(platform.gateway)
    yield client
    await client.close()


@pytest.fixture(scope="session")
async def rest_client(platform: PlatformProcess) -> AsyncIterator[RestClient]:
    client = RestClient(platform.gateway)
    yield client
    await client.close()


@pytest.fixture(scope="session")
async def grpc_web_client(platform: PlatformProcess) -> AsyncIterator[GrpcWebClient]:
    client = GrpcWebClient(platform.gateway)
    yield client
    await client.close()


@pytest.fixture(params=["grpc", "rest", "grpc-web"])
def client(
    request: pytest.FixtureRequest, grpc_client: GrpcClient, rest_client: RestClient, grpc_web_client: GrpcWebClient
) -> GrpcClient | RestClient | GrpcWebClient:
    return {"grpc": grpc_client, "rest": rest_client, "grpc-web": grpc_web_client}[request.param]


@pytest.fixture(scope="session")
async def world(grpc_client: GrpcClient) -> World:
    """Two studios with a game, an API key and a player each, for isolation and bad-input tests."""
    return await World.build(grpc_client)
