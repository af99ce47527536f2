"""What must not leak: alert recipients to game clients, developer tokens into the idempotency cache,
SQL parameter values into errors and logs; and page tokens a client cannot forge."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import grpc
import pytest
import sqlalchemy as sa
from playmesh.core.v1 import core_pb2
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.db import Database
from redis.asyncio import Redis

from tests.support.clients import Client, GrpcClient, RpcFailure
from tests.support.world import CORE, PASSWORD, Tenant, game_config


async def test_game_clients_do_not_see_alert_recipients(client: Client, grpc_client: GrpcClient) -> None:
    config = game_config()
    config.alert_rules.add(
        name="busy",
        metric="concurrent_players",
        comparison=core_pb2.COMPARISON_GREATER_OR_EQUAL,
        threshold=100,
        notify_emails=["ops-secret@studio.example"],
    )
    tenant = await Tenant.create(grpc_client, "alerts", config=config)
    public = await client.call(f"{CORE}/GetGameConfig", pb.GetGameConfigRequest(), api_key=tenant.api_key)
    assert [m.name for m in public.config.modes] == ["duo"]
    assert "ops-secret" not in str(public)
    assert not public.config.alert_rules
    # The studio's own developers still read and edit them.
    own = await client.call(f"{CORE}/GetGame", pb.GetGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id), token=tenant.developer_token)
    assert list(own.game.config.alert_rules[0].notify_emails) == ["ops-secret@studio.example"]


async def test_register_developer_retry_keeps_no_token_in_redis(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    request_id = str(uuid.uuid4())
    request = pb.RegisterDeveloperRequest(email=f"idem-{uuid.uuid4().hex[:10]}@example.com", password=PASSWORD, display_name="Idem", request_id=request_id)
    first = await grpc_client.call(f"{CORE}/RegisterDeveloper", request)
    retry = await grpc_client.call(f"{CORE}/RegisterDeveloper", request)
    assert retry.developer.id == first.developer.id
    assert retry.tokens.access_token and retry.tokens.access_token != first.tokens.access_token  # issued afresh
    me = await grpc_client.call(f"{CORE}/GetDeveloper", pb.GetDeveloperRequest(), token=retry.tokens.access_token)
    assert me.developer.id == first.developer.id
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    try:
        stored = [await redis.get(key) async for key in redis.scan_iter(match=f"pm:idem:*{request_id}*")]
    finally:
        await redis.aclose()
    assert len(stored) == 1 and stored[0]
    for token in (first.tokens.access_token, retry.tokens.access_token):
        assert token.encode() not in stored[0]
        assert token.split(".")[1].encode() not in stored[0]  # not even the claims
    assert hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()[:32].encode() not in stored[0]  # keyed, not a bare hash


async def test_sql_parameters_stay_out_of_errors(platform: PlatformProcess) -> None:
    db = Database(str(platform.endpoints["database_url"]), pool_size=1)
    secret = f"secret-{uuid.uuid4().hex}"
    try:
        with pytest.raises(sa.exc.DBAPIError) as failed:
            async with db.begin() as conn:
                await conn.execute(sa.text("SELECT length(:value) / 0"), {"value": secret})
    finally:
        await db.close()
    assert "division by zero" in str(failed.value)
    assert secret not in str(failed.value)  # SQLAlchemy appends "[parameters: ...]" unless hidden


def _old_style_token(cursor: object, scope: str) -> str:
    """A page token as the old, unkeyed checksum made them: anyone could compute it."""
    body = json.dumps(cursor, separators=(",", ":")).encode()
    checksum = hashlib.sha256(scope.encode() + b"\0" + body).hexdigest()[:16]
    raw = json.dumps({"c": cursor, "s": checksum}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_forged_page_token_is_invalid_argument(client: Client, grpc_client: GrpcClient) -> None:
    reg = await grpc_client.call(
        f"{CORE}/RegisterDeveloper", pb.RegisterDeveloperRequest(email=f"pages-{uuid.uuid4().hex[:10]}@example.com", password=PASSWORD, display_name="P")
    )
    token = reg.tokens.access_token
    for i in range(3):
        await grpc_client.call(f"{CORE}/CreateStudio", pb.CreateStudioRequest(display_name=f"paged {i}"), token=token)
    page = await client.call(f"{CORE}/ListStudios", pb.ListStudiosRequest(page_size=2), token=token)
    assert page.next_page_token
    rest = await client.call(f"{CORE}/ListStudios", pb.ListStudiosRequest(page_size=2, page_token=page.next_page_token), token=token)
    assert len(rest.studios) == 1
    for forged in (
        _old_style_token(["not a time", "x"], f"studios:{reg.developer.id}"),
        _old_style_token(["2026-01-01T00:00:00+00:00", str(uuid.uuid4())], f"studios:{reg.developer.id}"),
        page.next_page_token[:-2] + ("AA" if not page.next_page_token.endswith("AA") else "BB"),
    ):
        with pytest.raises(RpcFailure) as denied:
            await client.call(f"{CORE}/ListStudios", pb.ListStudiosRequest(page_size=2, page_token=forged), token=token)
        assert denied.value.code == grpc.StatusCode.INVALID_ARGUMENT, denied.value
        assert "page_token" in denied.value.violations()
