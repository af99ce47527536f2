"""`playmesh up` started, stopped with SIGINT, started again: the earlier studio and players are still
there (embedded PostgreSQL and Redis keep their data under the data dir). A second, separate platform."""

from __future__ import annotations

import pathlib

import pytest
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess

from tests.support.clients import GrpcClient
from tests.support.world import CORE, PASSWORD, Tenant


@pytest.mark.slow
async def test_data_survives_a_restart(tmp_path: pathlib.Path) -> None:
    platform = PlatformProcess(tmp_path / "restart")
    platform.start()
    client = GrpcClient(platform.gateway)
    try:
        tenant = await Tenant.create(client, "restart")
    finally:
        await client.close()
        assert platform.stop() == 0
    stopped = platform.output.read_text()
    assert "stopping embedded PostgreSQL" in stopped and stopped.rstrip().endswith("stopped")

    platform.start()
    client = GrpcClient(platform.gateway)
    try:
        login = await client.call(f"{CORE}/LoginDeveloper", pb.LoginDeveloperRequest(email=(await _email(client, tenant)), password=PASSWORD))
        studios = await client.call(f"{CORE}/ListStudios", pb.ListStudiosRequest(), token=login.tokens.access_token)
        assert [s.id for s in studios.studios] == [tenant.studio_id]
        players = await client.call(
            f"{CORE}/ListPlayers", pb.ListPlayersRequest(studio_id=tenant.studio_id, game_id=tenant.game_id), token=login.tokens.access_token
        )
        assert [p.id for p in players.players] == [tenant.player_id]
        # Redis kept its state too (AOF): the refresh token from before the restart still rotates,
        # and the old developer and player tokens still verify (the signing key is in PostgreSQL).
        refreshed = await client.call(f"{CORE}/RefreshToken", pb.RefreshTokenRequest(refresh_token=tenant.refresh_token), api_key=tenant.api_key)
        assert refreshed.tokens.access_token
        account = await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=tenant.api_key, token=tenant.player_token)
        assert account.player.id == tenant.player_id
    finally:
        await client.close()
        assert platform.stop() == 0


async def _email(client: GrpcClient, tenant: Tenant) -> str:
    me = await client.call(f"{CORE}/GetDeveloper", pb.GetDeveloperRequest(), token=tenant.developer_token)
    return me.developer.email
