"""Every service reports SERVING through Envoy, and services whose issue has not come yet answer their
RPCs with UNIMPLEMENTED after checking credentials (no fake data)."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from playmesh.lobby.v1 import lobby_service_pb2 as lobby
from playmesh.runtime.registry import SERVICES

from tests.support.clients import GrpcClient, RpcFailure
from tests.support.world import World


@pytest.mark.parametrize("spec", SERVICES, ids=[s.name for s in SERVICES])
async def test_serving_through_envoy(grpc_client: GrpcClient, spec: object) -> None:
    stub = health_pb2_grpc.HealthStub(grpc_client.channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=spec.full_name), metadata=[("x-playmesh-service", spec.name)], timeout=5)  # type: ignore[attr-defined]
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_unbuilt_service_is_honestly_unimplemented(grpc_client: GrpcClient, world: World) -> None:
    with pytest.raises(RpcFailure) as unauthenticated:
        await grpc_client.call("playmesh.lobby.v1.LobbyService/GetParty", lobby.GetPartyRequest(party_id="x"))
    assert unauthenticated.value.code == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(RpcFailure) as unimplemented:
        await grpc_client.call(
            "playmesh.lobby.v1.LobbyService/GetParty", lobby.GetPartyRequest(party_id="x"), api_key=world.a.api_key, token=world.a.player_token
        )
    assert unimplemented.value.code == grpc.StatusCode.UNIMPLEMENTED
