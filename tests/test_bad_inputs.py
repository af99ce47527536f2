"""A table of bad inputs, each with its expected code and field violation or reason. None crashes a
process or changes data (checked after the table: the services still answer and the data is intact)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as mm
from playmesh.runtime.context import resolve_secret
from playmesh.runtime.db import Database
from playmesh.runtime.settings import Settings
from playmesh.runtime.tokens import AUD_PLAYER, KeyRing

from tests.support.clients import GrpcClient, RestClient, RpcFailure
from tests.support.world import CORE, PASSWORD, World

INVALID = grpc.StatusCode.INVALID_ARGUMENT
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(w: World, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": "playmesh", "aud": AUD_PLAYER, "sub": w.a.player_id, "tid": w.a.studio_id, "gid": w.a.game_id, "iat": now, "exp": now + 600, **extra}


async def _genuine_key_token(platform: PlatformProcess, claims: dict[str, Any]) -> str:
    """Signs with the platform's real current key (read as an operator could), e.g. an expired token."""
    settings = Settings(data_dir=str(platform.data_dir))
    db = Database(str(platform.endpoints["database_url"]), pool_size=1)
    try:
        ring = KeyRing(db, resolve_secret(settings), retire_seconds=3600)
        await ring.load()
        return ring.sign(claims)
    finally:
        await db.close()


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


# (name, method, request builder, credentials builder, expected code, expected field or reason)
Case = tuple[str, str, Callable[[World], Any], Callable[[World], dict[str, str]], grpc.StatusCode, str]
NO_CREDS: Callable[[World], dict[str, str]] = lambda w: {}  # noqa: E731

CASES: list[Case] = [
    ("empty email", "RegisterDeveloper", lambda w: pb.RegisterDeveloperRequest(password=PASSWORD, display_name="x"), NO_CREDS, INVALID, "email"),
    (
        "bad email",
        "RegisterDeveloper",
        lambda w: pb.RegisterDeveloperRequest(email="no-at-sign", password=PASSWORD, display_name="x"),
        NO_CREDS,
        INVALID,
        "email",
    ),
    (
        "short password",
        "RegisterDeveloper",
        lambda w: pb.RegisterDeveloperRequest(email="a@b.co", password="short", display_name="x"),
        NO_CREDS,
        INVALID,
        "password",
    ),
    ("empty display name", "RegisterDeveloper", lambda w: pb.RegisterDeveloperRequest(email="a@b.co", password=PASSWORD), NO_CREDS, INVALID, "display_name"),
    (
        "oversized display name",
        "CreateStudio",
        lambda w: pb.CreateStudioRequest(display_name="x" * 101),
        lambda w: {"token": w.a.developer_token},
        INVALID,
        "display_name",
    ),
    (
        "oversized request id",
        "CreateStudio",
        lambda w: pb.CreateStudioRequest(display_name="ok", request_id="r" * 65),
        lambda w: {"token": w.a.developer_token},
        INVALID,
        "request_id",
    ),
    (
        "control characters",
        "CreateStudio",
        lambda w: pb.CreateStudioRequest(display_name="bad\x00name"),
        lambda w: {"token": w.a.developer_token},
        INVALID,
        "display_name",
    ),
    (
        "wrong password",
        "LoginDeveloper",
        lambda w: pb.LoginDeveloperRequest(email="nobody@example.com", password="wrong-password"),
        NO_CREDS,
        UNAUTH,
        "INVALID_CREDENTIALS",
    ),
    (
        "short device id",
        "AuthenticateDevice",
        lambda w: pb.AuthenticateDeviceRequest(device_id="abc"),
        lambda w: {"api_key": w.a.api_key},
        INVALID,
        "device_id",
    ),
    (
        "oversized device id",
        "AuthenticateDevice",
        lambda w: pb.AuthenticateDeviceRequest(device_id="d" * 129),
        lambda w: {"api_key": w.a.api_key},
        INVALID,
        "device_id",
    ),
    ("missing API key", "AuthenticateDevice", lambda w: pb.AuthenticateDeviceRequest(device_id="device-123456"), NO_CREDS, UNAUTH, "API_KEY_REQUIRED"),
    (
        "unknown API key",
        "AuthenticateDevice",
        lambda w: pb.AuthenticateDeviceRequest(device_id="device-123456"),
        lambda w: {"api_key": "pm_not-a-key"},
        UNAUTH,
        "API_KEY_INVALID",
    ),
    ("missing player token", "GetAccount", lambda w: pb.GetAccountRequest(), lambda w: {"api_key": w.a.api_key}, UNAUTH, "PLAYER_TOKEN_REQUIRED"),
    ("garbage token", "GetAccount", lambda w: pb.GetAccountRequest(), lambda w: {"api_key": w.a.api_key, "token": "not.a.jwt"}, UNAUTH, "TOKEN_MALFORMED"),
    (
        "alg none token",
        "GetAccount",
        lambda w: pb.GetAccountRequest(),
        lambda w: {"api_key": w.a.api_key, "token": _b64({"alg": "none", "typ": "JWT", "kid": _kid(w.a.player_token)}) + "." + _b64(_claims(w)) + "."},
        UNAUTH,
        "TOKEN_INVALID",
    ),
    (
        "forged token (right kid, wrong key)",
        "GetAccount",
        lambda w: pb.GetAccountRequest(),
        lambda w: {
            "api_key": w.a.api_key,
            "token": jwt.encode(_claims(w), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": _kid(w.a.player_token)}),
        },
        UNAUTH,
        "TOKEN_INVALID",
    ),
    (
        "HS256 token with a made-up secret",
        "GetAccount",
        lambda w: pb.GetAccountRequest(),
        lambda w: {"api_key": w.a.api_key, "token": jwt.encode(_claims(w), "x" * 32, algorithm="HS256", headers={"kid": _kid(w.a.player_token)})},
        UNAUTH,
        "TOKEN_INVALID",
    ),
    (
        "other tenant's player token",
        "GetAccount",
        lambda w: pb.GetAccountRequest(),
        lambda w: {"api_key": w.a.api_key, "token": w.b.player_token},
        UNAUTH,
        "TOKEN_GAME_MISMATCH",
    ),
    (
        "developer token where a player's is needed",
        "GetAccount",
        lambda w: pb.GetAccountRequest(),
        lambda w: {"api_key": w.a.api_key, "token": w.a.developer_token},
        grpc.StatusCode.PERMISSION_DENIED,
        "WRONG_PRINCIPAL",
    ),
    ("negative page size", "ListStudios", lambda w: pb.ListStudiosRequest(page_size=-1), lambda w: {"token": w.a.developer_token}, INVALID, "page_size"),
    (
        "tampered page token",
        "ListStudios",
        lambda w: pb.ListStudiosRequest(page_token="eyJjIjpbXX0"),
        lambda w: {"token": w.a.developer_token},
        INVALID,
        "page_token",
    ),
    (
        "invalid game config",
        "CreateGame",
        lambda w: pb.CreateGameRequest(studio_id=w.a.studio_id, display_name="g", config={"modes": [{"name": "Bad Name", "team_size": 0, "team_count": 99}]}),
        lambda w: {"token": w.a.developer_token},
        INVALID,
        "config.modes[0].team_size",
    ),
    (
        "malformed game id",
        "GetGame",
        lambda w: pb.GetGameRequest(studio_id=w.a.studio_id, game_id="not-a-uuid"),
        lambda w: {"token": w.a.developer_token},
        grpc.StatusCode.NOT_FOUND,
        "GAME_NOT_FOUND",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("protocol", ["grpc", "rest"])
async def test_bad_input(protocol: str, case: Case, grpc_client: GrpcClient, rest_client: RestClient, world: World) -> None:
    client = grpc_client if protocol == "grpc" else rest_client
    _, method, build, creds, code, detail = case
    with pytest.raises(RpcFailure) as failure:
        await client.call(f"{CORE}/{method}", build(world), **creds(world))
    assert failure.value.code == code, str(failure.value)
    assert detail in failure.value.violations() or failure.value.reason() == detail, str(failure.value)


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """A JWT signed by hand with HMAC-SHA256 (PyJWT refuses asymmetric-looking HMAC secrets)."""
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")


async def test_hs256_token_signed_with_the_public_key(grpc_client: GrpcClient, world: World) -> None:
    """Algorithm confusion: a verifier that let the token pick HS256 would check the HMAC with the
    public key it holds for the kid, which anyone can read from the JWKS."""
    kid = _kid(world.a.player_token)
    jwks = await grpc_client.call(f"{CORE}/GetJwks", pb.GetJwksRequest())
    public = next(k for k in jwks.keys if k.kid == kid)
    raw = base64.urlsafe_b64decode(public.x + "=" * (-len(public.x) % 4))
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for secret in (raw, public.x.encode(), pem):
        token = _hs256({"alg": "HS256", "typ": "JWT", "kid": kid}, _claims(world), secret)
        with pytest.raises(RpcFailure) as refused:
            await grpc_client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=token)
        assert refused.value.code == UNAUTH and refused.value.reason() == "TOKEN_INVALID"


async def test_expired_genuine_token(platform: PlatformProcess, grpc_client: GrpcClient, world: World) -> None:
    past = int(time.time()) - 3600
    token = await _genuine_key_token(platform, _claims(world, iat=past - 900, exp=past))
    with pytest.raises(RpcFailure) as expired:
        await grpc_client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=token)
    assert expired.value.code == UNAUTH and expired.value.reason() == "TOKEN_EXPIRED"
    # The same key with a live expiry works: the refusal was the expiry, not the signature.
    live = await _genuine_key_token(platform, _claims(world))
    await grpc_client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=live)


async def test_revoked_api_key_fails_everywhere_within_a_second(grpc_client: GrpcClient, world: World) -> None:
    from tests.support.world import Tenant

    t = await Tenant.create(grpc_client, "revoke")
    await grpc_client.call(f"{CORE}/GetGameConfig", pb.GetGameConfigRequest(), api_key=t.api_key)  # warm the cache
    await grpc_client.call(
        f"{CORE}/RevokeApiKey", pb.RevokeApiKeyRequest(studio_id=t.studio_id, game_id=t.game_id, api_key_id=t.api_key_id), token=t.developer_token
    )
    await asyncio.sleep(1.0)
    # Core and another service (matchmaking, its own process and cache) both refuse the key now.
    for path, request, token in (
        (f"{CORE}/GetGameConfig", pb.GetGameConfigRequest(), None),
        (f"{CORE}/AuthenticateDevice", pb.AuthenticateDeviceRequest(device_id="device-after-revoke"), None),
        ("playmesh.matchmaking.v1.MatchmakingService/GetTicket", mm.GetTicketRequest(ticket_id="x"), t.player_token),
    ):
        with pytest.raises(RpcFailure) as refused:
            await grpc_client.call(path, request, api_key=t.api_key, token=token)
        assert refused.value.code == UNAUTH and refused.value.reason() == "API_KEY_REVOKED", path


async def test_malformed_json_oversized_body_unknown_path_wrong_types(platform: PlatformProcess, world: World) -> None:
    base = f"http://{platform.gateway}"
    headers = {"content-type": "application/json", "authorization": f"Bearer {world.a.developer_token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        malformed = await http.post("/v1/studios", content=b'{"displayName": "x"', headers=headers)
        assert malformed.status_code == 400
        wrong_type = await http.post("/v1/studios", content=b'{"displayName": {"nested": true}}', headers=headers)
        assert wrong_type.status_code == 400
        wrong_number = await http.get("/v1/studios", params={"pageSize": "many"}, headers=headers)
        assert wrong_number.status_code == 400
        oversized = await http.post("/v1/studios", content=json.dumps({"displayName": "x" * (2 * 1024 * 1024)}).encode(), headers=headers)
        assert oversized.status_code == 413
        unknown = await http.get("/v1/no-such-thing", headers=headers)
        assert unknown.status_code == 404
        unknown_grpc_path = await http.post("/playmesh.core.v1.CoreService/NoSuchMethod", content=b"", headers={"content-type": "application/json"})
        assert unknown_grpc_path.status_code == 404
        # None of it created anything, and the services still answer.
        studios = await http.get("/v1/studios", headers=headers)
        assert studios.status_code == 200
        assert [s["displayName"] for s in studios.json()["studios"]] == ["alpha studio"]


async def test_nothing_crashed(platform: PlatformProcess, grpc_client: GrpcClient, world: World) -> None:
    platform_process = platform.process
    assert platform_process is not None and platform_process.poll() is None
    logs = platform.data_dir / "logs"
    for log in logs.glob("*-0.log"):
        assert "Traceback" not in log.read_text(), f"{log.name} logged a crash"
    account = await grpc_client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=world.a.player_token)
    assert account.player.id == world.a.player_id
    assert dt.datetime.now(dt.UTC) > account.player.create_time.ToDatetime(dt.UTC)
    assert uuid.UUID(account.player.id)


async def test_game_server_token_is_accepted_where_servers_may_call(platform: PlatformProcess, grpc_client: GrpcClient, world: World) -> None:
    now = int(time.time())
    server = {"aud": "playmesh:server", "sub": str(uuid.uuid4()), "tid": world.a.studio_id, "gid": world.a.game_id, "iat": now, "exp": now + 600}
    token = await _genuine_key_token(platform, server)
    config = await grpc_client.call(f"{CORE}/GetGameConfig", pb.GetGameConfigRequest(), token=token)
    assert config.game_id == world.a.game_id
    # A server token is not a player's or a developer's.
    with pytest.raises(RpcFailure) as not_player:
        await grpc_client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=token)
    assert not_player.value.code == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(RpcFailure) as not_developer:
        await grpc_client.call(f"{CORE}/ListStudios", pb.ListStudiosRequest(), token=token)
    assert not_developer.value.code == grpc.StatusCode.PERMISSION_DENIED
