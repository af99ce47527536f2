"""Tenant isolation: studio A's developer token or API key cannot read or change studio B's games, keys
or players (NOT_FOUND, never B's data), over gRPC and REST; and the data really sits in separate
PostgreSQL schemas."""

from __future__ import annotations

import asyncpg
import grpc
import pytest
from playmesh.core.v1 import core_pb2
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.tables import tenant_schema

from tests.support.clients import GrpcClient, RestClient, RpcFailure
from tests.support.world import CORE, World


def cross_tenant_calls(w: World) -> list[tuple[str, object]]:
    """Calls by A's developer naming B's resources, each of which must be NOT_FOUND."""
    a, b = w.a, w.b
    return [
        ("GetStudio", pb.GetStudioRequest(studio_id=b.studio_id)),
        ("GetGame", pb.GetGameRequest(studio_id=b.studio_id, game_id=b.game_id)),
        ("GetGame", pb.GetGameRequest(studio_id=a.studio_id, game_id=b.game_id)),  # B's game under A's studio
        ("ListGames", pb.ListGamesRequest(studio_id=b.studio_id)),
        ("UpdateGame", pb.UpdateGameRequest(studio_id=b.studio_id, game_id=b.game_id, display_name="pwned")),
        ("CreateGame", pb.CreateGameRequest(studio_id=b.studio_id, display_name="intruder")),
        ("CreateApiKey", pb.CreateApiKeyRequest(studio_id=b.studio_id, game_id=b.game_id, display_name="stolen")),
        ("ListApiKeys", pb.ListApiKeysRequest(studio_id=b.studio_id, game_id=b.game_id)),
        ("ListApiKeys", pb.ListApiKeysRequest(studio_id=a.studio_id, game_id=b.game_id)),
        ("RevokeApiKey", pb.RevokeApiKeyRequest(studio_id=b.studio_id, game_id=b.game_id, api_key_id=b.api_key_id)),
        ("RevokeApiKey", pb.RevokeApiKeyRequest(studio_id=a.studio_id, game_id=a.game_id, api_key_id=b.api_key_id)),
        ("GetPlayer", pb.GetPlayerRequest(studio_id=b.studio_id, game_id=b.game_id, player_id=b.player_id)),
        ("GetPlayer", pb.GetPlayerRequest(studio_id=a.studio_id, game_id=a.game_id, player_id=b.player_id)),
        ("ListPlayers", pb.ListPlayersRequest(studio_id=b.studio_id, game_id=b.game_id)),
    ]


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
async def test_developer_of_a_cannot_touch_b(protocol: str, grpc_client: GrpcClient, rest_client: RestClient, world: World) -> None:
    client = grpc_client if protocol == "grpc" else rest_client
    for method, request in cross_tenant_calls(world):
        with pytest.raises(RpcFailure) as denied:
            await client.call(f"{CORE}/{method}", request, token=world.a.developer_token)  # type: ignore[arg-type]
        assert denied.value.code == grpc.StatusCode.NOT_FOUND, (method, denied.value)
    # Nothing of B's changed.
    game = await client.call(f"{CORE}/GetGame", pb.GetGameRequest(studio_id=world.b.studio_id, game_id=world.b.game_id), token=world.b.developer_token)
    assert game.game.display_name == "beta game"
    keys = await client.call(f"{CORE}/ListApiKeys", pb.ListApiKeysRequest(studio_id=world.b.studio_id, game_id=world.b.game_id), token=world.b.developer_token)
    assert [(k.display_name, k.HasField("revoke_time")) for k in keys.api_keys] == [("client", False)]


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
async def test_api_key_and_player_of_a_cannot_reach_b(protocol: str, grpc_client: GrpcClient, rest_client: RestClient, world: World) -> None:
    client = grpc_client if protocol == "grpc" else rest_client
    # A's API key with B's player token: the token belongs to another game.
    with pytest.raises(RpcFailure) as mixed:
        await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=world.b.player_token)
    assert mixed.value.code == grpc.StatusCode.UNAUTHENTICATED and mixed.value.reason() == "TOKEN_GAME_MISMATCH"
    # A's key reads A's config only.
    config = await client.call(f"{CORE}/GetGameConfig", pb.GetGameConfigRequest(), api_key=world.a.api_key)
    assert config.game_id == world.a.game_id
    # B's refresh token presented with A's key is unknown there, and stays usable in B.
    with pytest.raises(RpcFailure) as foreign:
        await client.call(f"{CORE}/RefreshToken", pb.RefreshTokenRequest(refresh_token=world.b.refresh_token), api_key=world.a.api_key)
    assert foreign.value.reason() == "REFRESH_TOKEN_INVALID"
    # A developer token is not a player token.
    with pytest.raises(RpcFailure) as wrong_kind:
        await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=world.a.developer_token)
    assert wrong_kind.value.code == grpc.StatusCode.PERMISSION_DENIED


async def test_data_sits_in_separate_schemas(platform: PlatformProcess, world: World) -> None:
    url = str(platform.endpoints["database_url"])
    conn = await asyncpg.connect(url)
    try:
        schema_a, schema_b = tenant_schema(world.a.studio_id), tenant_schema(world.b.studio_id)
        assert schema_a != schema_b
        for schema, mine, theirs in ((schema_a, world.a, world.b), (schema_b, world.b, world.a)):
            games = {r["id"] for r in await conn.fetch(f'SELECT id::text FROM "{schema}".games')}
            players = {r["id"] for r in await conn.fetch(f'SELECT id::text FROM "{schema}".players')}
            assert mine.game_id in games and theirs.game_id not in games
            assert mine.player_id in players and theirs.player_id not in players
        tables = {r["table_name"] for r in await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema_a)}
        assert {"games", "players", "player_identities"} <= tables
    finally:
        await conn.close()


async def test_server_keys_cannot_sign_players_in(grpc_client: GrpcClient, world: World) -> None:
    """The two key kinds are told apart where it matters: a server key, which a studio keeps on its
    dedicated servers, is refused for player sign-in, while the game's client key works."""
    server_key = await grpc_client.call(
        f"{CORE}/CreateApiKey",
        pb.CreateApiKeyRequest(studio_id=world.a.studio_id, game_id=world.a.game_id, display_name="server", kind=core_pb2.API_KEY_KIND_SERVER),
        token=world.a.developer_token,
    )
    assert server_key.api_key.kind == core_pb2.API_KEY_KIND_SERVER
    device = pb.AuthenticateDeviceRequest(device_id="kind-check-device", create=True)
    with pytest.raises(RpcFailure) as refused:
        await grpc_client.call(f"{CORE}/AuthenticateDevice", device, api_key=server_key.secret)
    assert refused.value.code == grpc.StatusCode.PERMISSION_DENIED and refused.value.reason() == "WRONG_KEY_KIND"
    signed_in = await grpc_client.call(f"{CORE}/AuthenticateDevice", device, api_key=world.a.api_key)
    assert signed_in.created


def test_tenant_schema_names_come_only_from_uuids() -> None:
    """Schema names are quoted into SQL on hot paths: only a studio id that is a UUID makes one."""
    from playmesh.runtime.errors import NotFound

    assert tenant_schema("6a48e0f1-37e2-4acf-ba4c-f30073b6004d") == "studio_6a48e0f137e24acfba4cf30073b6004d"
    for bad in ('x"; DROP SCHEMA platform CASCADE; --', "", "studio_1", "6a48e0f1-37e2-4acf-ba4c"):
        with pytest.raises(NotFound):
            tenant_schema(bad)
