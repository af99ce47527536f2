"""The core flow end to end through Envoy, once per protocol (native gRPC, REST/JSON, raw gRPC-Web):
developer register → login → studio → game → API key → player device auth → authenticated call →
refresh → reuse of the spent refresh token revokes the family → logout."""

from __future__ import annotations

import uuid

import grpc
import pytest
from playmesh.core.v1 import core_service_pb2 as pb

from tests.support.clients import Client, RpcFailure
from tests.support.world import CORE, PASSWORD, game_config


async def test_core_flow(client: Client) -> None:
    email = f"flow-{client.protocol}-{uuid.uuid4().hex[:8]}@Example.com"
    registered = await client.call(f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(email=email, password=PASSWORD, display_name="Flow Dev"))
    assert registered.developer.email == email.lower()

    login = await client.call(f"{CORE}/LoginDeveloper", pb.LoginDeveloperRequest(email=email, password=PASSWORD))
    dev = login.tokens.access_token
    me = await client.call(f"{CORE}/GetDeveloper", pb.GetDeveloperRequest(), token=dev)
    assert me.developer.id == registered.developer.id

    studio = (await client.call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name="Flow Studio"), token=dev)).studio
    game = (await client.call(f"{CORE}/CreateGame", pb.CreateGameRequest(studio_id=studio.id, display_name="Flow Game", config=game_config()), token=dev)).game
    assert [m.name for m in game.config.modes] == ["duo"]
    created_key = await client.call(f"{CORE}/CreateApiKey", pb.CreateApiKeyRequest(studio_id=studio.id, game_id=game.id, display_name="client"), token=dev)
    key = created_key.secret
    assert key.startswith(created_key.api_key.prefix)
    listed = await client.call(f"{CORE}/ListApiKeys", pb.ListApiKeysRequest(studio_id=studio.id, game_id=game.id), token=dev)
    assert [k.id for k in listed.api_keys] == [created_key.api_key.id]
    assert key not in str(listed)  # the secret is shown once, never listed

    device = f"device-{uuid.uuid4().hex}"
    auth = await client.call(f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id=device, create=True, display_name="Ada"), api_key=key)
    assert auth.created and auth.player.display_name == "Ada"
    again = await client.call(f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id=device), api_key=key)
    assert not again.created and again.player.id == auth.player.id

    account = await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=key, token=auth.tokens.access_token)
    assert account.player.id == auth.player.id

    refreshed = (await client.call(f"{CORE}/RefreshToken", pb.RefreshTokenRequest(refresh_token=auth.tokens.refresh_token), api_key=key)).tokens
    assert refreshed.refresh_token != auth.tokens.refresh_token
    await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=key, token=refreshed.access_token)

    # The spent token comes back: it leaked, so the whole family is revoked, successor included.
    with pytest.raises(RpcFailure) as reused:
        await client.call(f"{CORE}/RefreshToken", pb.RefreshTokenRequest(refresh_token=auth.tokens.refresh_token), api_key=key)
    assert reused.value.code == grpc.StatusCode.UNAUTHENTICATED and reused.value.reason() == "REFRESH_TOKEN_REUSED"
    with pytest.raises(RpcFailure) as successor:
        await client.call(f"{CORE}/RefreshToken", pb.RefreshTokenRequest(refresh_token=refreshed.refresh_token), api_key=key)
    assert successor.value.reason() == "REFRESH_TOKEN_REVOKED"
    with pytest.raises(RpcFailure) as access:
        await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=key, token=refreshed.access_token)
    assert access.value.reason() == "SESSION_REVOKED"

    # A fresh sign-in, then logout ends it: refresh token and access token both stop working.
    fresh = await client.call(f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id=device), api_key=key)
    await client.call(f"{CORE}/Logout", pb.LogoutRequest(refresh_token=fresh.tokens.refresh_token), api_key=key)
    await client.call(f"{CORE}/Logout", pb.LogoutRequest(refresh_token=fresh.tokens.refresh_token), api_key=key)  # idempotent
    with pytest.raises(RpcFailure) as after_logout:
        await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=key, token=fresh.tokens.access_token)
    assert after_logout.value.code == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(RpcFailure):
        await client.call(f"{CORE}/RefreshToken", pb.RefreshTokenRequest(refresh_token=fresh.tokens.refresh_token), api_key=key)


async def test_email_and_custom_sign_in(client: Client) -> None:
    from tests.support.world import Tenant

    tenant = await Tenant.create(client, f"signin-{client.protocol}")
    email = f"player-{uuid.uuid4().hex[:8]}@example.com"
    made = await client.call(f"{CORE}/AuthenticateEmail", pb.AuthenticateEmailRequest(email=email, password=PASSWORD, create=True), api_key=tenant.api_key)
    assert made.created and made.player.email == email
    back = await client.call(f"{CORE}/AuthenticateEmail", pb.AuthenticateEmailRequest(email=email, password=PASSWORD), api_key=tenant.api_key)
    assert back.player.id == made.player.id and not back.created
    with pytest.raises(RpcFailure) as wrong:
        await client.call(f"{CORE}/AuthenticateEmail", pb.AuthenticateEmailRequest(email=email, password="wrong password!!"), api_key=tenant.api_key)
    assert wrong.value.code == grpc.StatusCode.UNAUTHENTICATED and wrong.value.reason() == "INVALID_CREDENTIALS"

    custom = await client.call(
        f"{CORE}/AuthenticateCustom", pb.AuthenticateCustomRequest(custom_id="steam:76561198000000000", create=True), api_key=tenant.api_key
    )
    with pytest.raises(RpcFailure) as missing:
        await client.call(f"{CORE}/AuthenticateCustom", pb.AuthenticateCustomRequest(custom_id="steam:unknown-one"), api_key=tenant.api_key)
    assert missing.value.code == grpc.StatusCode.NOT_FOUND
    assert custom.created


async def test_idempotent_create_returns_first_answer(grpc_client: Client) -> None:
    from tests.support.world import Tenant

    tenant = await Tenant.create(grpc_client, "idem")
    request_id = uuid.uuid4().hex
    first = await grpc_client.call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name="Once", request_id=request_id), token=tenant.developer_token)
    retry = await grpc_client.call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name="Once", request_id=request_id), token=tenant.developer_token)
    assert retry.studio.id == first.studio.id
    studios = await grpc_client.call(f"{CORE}/ListStudios", pb.ListStudiosRequest(), token=tenant.developer_token)
    assert [s.display_name for s in studios.studios].count("Once") == 1
    with pytest.raises(RpcFailure) as clash:
        await grpc_client.call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name="Other", request_id=request_id), token=tenant.developer_token)
    assert "request_id" in clash.value.violations()


async def test_pagination_walks_every_player_once(grpc_client: Client) -> None:
    from tests.support.world import Tenant

    tenant = await Tenant.create(grpc_client, "pages")
    for _ in range(4):
        await tenant.new_player(grpc_client)
    seen: list[str] = []
    token = ""
    while True:
        page = await grpc_client.call(
            f"{CORE}/ListPlayers",
            pb.ListPlayersRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, page_size=2, page_token=token),
            token=tenant.developer_token,
        )
        seen += [p.id for p in page.players]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == 5 == len(set(seen))


async def test_update_game_refuses_stale_etag(grpc_client: Client) -> None:
    from tests.support.world import Tenant

    tenant = await Tenant.create(grpc_client, "etag")
    game = (await grpc_client.call(f"{CORE}/GetGame", pb.GetGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id), token=tenant.developer_token)).game
    updated = await grpc_client.call(
        f"{CORE}/UpdateGame",
        pb.UpdateGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, display_name="Renamed", etag=game.etag),
        token=tenant.developer_token,
    )
    assert updated.game.display_name == "Renamed" and updated.game.etag != game.etag
    with pytest.raises(RpcFailure) as stale:
        await grpc_client.call(
            f"{CORE}/UpdateGame",
            pb.UpdateGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, display_name="Lost", etag=game.etag),
            token=tenant.developer_token,
        )
    assert stale.value.code == grpc.StatusCode.ABORTED
    config = await grpc_client.call(f"{CORE}/GetGameConfig", pb.GetGameConfigRequest(), api_key=tenant.api_key)
    assert config.game_id == tenant.game_id and config.config.actions[0].points == 10
