"""Rate limits: the 31st write of a player in a minute is RESOURCE_EXHAUSTED with RetryInfo, reads
have their own budget, and another player is not affected."""

from __future__ import annotations

import grpc
import pytest
from playmesh.core.v1 import core_service_pb2 as pb

from tests.support.clients import GrpcClient, RestClient, RpcFailure
from tests.support.world import CORE, World


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
async def test_31st_write_is_refused_with_retry_info(protocol: str, grpc_client: GrpcClient, rest_client: RestClient, world: World) -> None:
    client = grpc_client if protocol == "grpc" else rest_client
    player = await world.a.new_player(client)
    token = player.tokens.access_token
    for i in range(30):
        await client.call(f"{CORE}/UpdateAccount", pb.UpdateAccountRequest(display_name=f"name-{i}"), api_key=world.a.api_key, token=token)
    with pytest.raises(RpcFailure) as limited:
        await client.call(f"{CORE}/UpdateAccount", pb.UpdateAccountRequest(display_name="one-too-many"), api_key=world.a.api_key, token=token)
    assert limited.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    delay = limited.value.retry_delay_seconds()
    assert delay is not None and 0 < delay <= 2.0  # 30/min refills a token every 2 s
    # The refused write changed nothing; reads still have budget; another player is unaffected.
    account = await client.call(f"{CORE}/GetAccount", pb.GetAccountRequest(), api_key=world.a.api_key, token=token)
    assert account.player.display_name == "name-29"
    other = await world.a.new_player(client)
    await client.call(f"{CORE}/UpdateAccount", pb.UpdateAccountRequest(display_name="fine"), api_key=world.a.api_key, token=other.tokens.access_token)
