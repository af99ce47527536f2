"""Signing-key rotation by kid: after a rotation, tokens signed by the old key still verify, every
instance signs new tokens with the new key, and the JWKS lists both. On a platform of its own, so the
rest of the suite keeps one key."""

from __future__ import annotations

import asyncio
import pathlib
import time

import jwt
import pytest
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.context import resolve_secret
from playmesh.runtime.db import Database
from playmesh.runtime.settings import Settings
from playmesh.runtime.tokens import KeyRing

from tests.support.clients import GrpcClient
from tests.support.world import CORE, Tenant


@pytest.mark.slow
async def test_rotation_reaches_every_signer_and_old_tokens_keep_working(tmp_path: pathlib.Path) -> None:
    platform = PlatformProcess(tmp_path / "rotation", extra_env={"PLAYMESH_SIGNING_KEY_RELOAD_SECONDS": "0.5"})
    platform.start()
    client = GrpcClient(platform.gateway)
    try:
        tenant = await Tenant.create(client, "rotate")
        old_kid = jwt.get_unverified_header(tenant.player_token)["kid"]

        db = Database(str(platform.endpoints["database_url"]), pool_size=1)
        try:
            new_kid = await KeyRing(db, resolve_secret(Settings(data_dir=str(platform.data_dir))), retire_seconds=3600).rotate()
        finally:
            await db.close()
        # Every process reloads its keys every 0.5 s; allow for a loaded machine, but not forever.
        deadline = asyncio.get_running_loop().time() + 15
        while True:
            fresh = await tenant.new_player(client)
            kid = jwt.get_unverified_header(fresh.tokens.access_token)["kid"]
            if kid == new_kid or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert kid == new_kid != old_kid
        # The token signed before the rotation still verifies.
        account = await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=tenant.api_key, token=tenant.player_token)
        assert account.player.id == tenant.player_id
        jwks = await client.call(f"{CORE}/GetJwks", pb.GetJwksRequest())
        assert [k.kid for k in jwks.keys] == [new_kid, old_kid]
    finally:
        await client.close()
        assert platform.stop() == 0


async def test_a_fresh_platform_has_exactly_one_signing_key(grpc_client: GrpcClient) -> None:
    """Six services start at once on a fresh platform; only one may create the first key."""
    jwks = await grpc_client.call(f"{CORE}/GetJwks", pb.GetJwksRequest())
    assert len(jwks.keys) == 1


async def test_a_flood_of_unknown_kids_reloads_the_keys_once(platform: PlatformProcess) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from playmesh.runtime.errors import Unauthenticated

    db = Database(str(platform.endpoints["database_url"]), pool_size=2)
    try:
        ring = KeyRing(db, resolve_secret(Settings(data_dir=str(platform.data_dir))), retire_seconds=3600)
        await ring.start()
        loads = 0
        real_load = ring.load

        async def counting_load() -> None:
            nonlocal loads
            loads += 1
            await real_load()

        ring.load = counting_load  # type: ignore[method-assign]
        stranger = Ed25519PrivateKey.generate()
        tokens = [
            jwt.encode({"iss": "playmesh", "sub": "x", "aud": "playmesh:player", "iat": 0, "exp": 2**31}, stranger, algorithm="EdDSA", headers={"kid": f"k{i}"})
            for i in range(200)
        ]
        ring._last_load = time.monotonic() - 2  # as if the start-up load were older than the reload interval
        results = await asyncio.gather(*(ring.verify(t, "playmesh:player") for t in tokens), return_exceptions=True)
        assert all(isinstance(r, Unauthenticated) for r in results), results[:3]
        assert loads == 1
    finally:
        await db.close()
