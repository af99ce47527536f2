"""The matchmaker's tick cannot be poisoned by one game: core refuses, at write time, every mode setting
the Rust core would refuse (by calling its validator), and a configuration written around core into
storage stops only its own game, counted in a metric, while the other games keep matching."""

from __future__ import annotations

import asyncio
import json
import math
import re
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import grpc
import httpx
import pytest
from playmesh.core.v1 import core_pb2
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb
from playmesh.runtime.bus import EventBus
from playmesh.runtime.tables import tenant_schema
from redis.asyncio import Redis

from tests.support.clients import GrpcClient, RpcFailure
from tests.support.world import CORE, Tenant, game_config

MM = "playmesh.matchmaking.v1.MatchmakingService"
EU = [mm.RegionLatency(region="eu-west", latency_ms=30)]
FAILURES = re.compile(r'^playmesh_matchmaker_game_failures_total\{reason="invalid_rules"\} (\S+)$', re.M)


def _config(**rules: float) -> core_pb2.GameConfig:
    config = game_config()
    config.modes[0].matchmaking.CopyFrom(core_pb2.MatchmakingRules(**rules))  # type: ignore[arg-type]
    return config


# (mode settings core accepted before it called the matchmaker's validator, the field violation now)
BAD_MODES = [
    ({"latency_ceiling_start_ms": 200, "latency_ceiling_end_ms": 100}, "config.modes[0].matchmaking.latency_ceiling_start_ms"),
    ({"rating_window_start": 600}, "config.modes[0].matchmaking.rating_window_start"),  # above the default end (500)
    ({"rating_window_start": math.nan}, "config.modes[0].matchmaking.rating_window_start"),
    ({"rating_window_end": math.inf}, "config.modes[0].matchmaking.rating_window_end"),
    ({"latency_widen_seconds": math.nan}, "config.modes[0].matchmaking.latency_widen_seconds"),
]


@pytest.mark.parametrize(("rules", "field"), BAD_MODES)
async def test_create_and_update_game_refuse_what_the_matchmaker_cannot_run(grpc_client: GrpcClient, rules: dict[str, float], field: str) -> None:
    tenant = await Tenant.create(grpc_client, "mm-rules")
    create = core_pb.CreateGameRequest(studio_id=tenant.studio_id, display_name="bad", config=_config(**rules))
    with pytest.raises(RpcFailure) as created:
        await grpc_client.call(f"{CORE}/CreateGame", create, token=tenant.developer_token)
    assert created.value.code == grpc.StatusCode.INVALID_ARGUMENT and field in created.value.violations(), created.value

    update = core_pb.UpdateGameRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, config=_config(**rules))
    with pytest.raises(RpcFailure) as updated:
        await grpc_client.call(f"{CORE}/UpdateGame", update, token=tenant.developer_token)
    assert updated.value.code == grpc.StatusCode.INVALID_ARGUMENT and field in updated.value.violations(), updated.value


async def test_a_non_finite_number_anywhere_is_refused(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "mm-nan")
    config = game_config()
    config.rating.initial_mu = math.nan
    config.rating.display_offset = -math.inf
    request = core_pb.CreateGameRequest(studio_id=tenant.studio_id, display_name="nan", config=config)
    with pytest.raises(RpcFailure) as refused:
        await grpc_client.call(f"{CORE}/CreateGame", request, token=tenant.developer_token)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {"config.rating.initial_mu", "config.rating.display_offset"} <= set(refused.value.violations()), refused.value


async def _ticket_state(client: GrpcClient, tenant: Tenant, token: str, ticket_id: str) -> int:
    reply = await client.call(f"{MM}/GetTicket", pb.GetTicketRequest(ticket_id=ticket_id), api_key=tenant.api_key, token=token)
    return reply.ticket.state


async def _wait_for(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.1)


async def _failures(platform: PlatformProcess) -> float:
    """The matchmaking process's count of game ticks skipped for invalid rules (0 before the first)."""
    port = int(platform.env["PLAYMESH_METRICS_PORT_BASE"]) + 2  # the matchmaking service is number 2
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    found = FAILURES.search(text)
    return float(found.group(1)) if found else 0.0


async def test_a_poisoned_game_config_stops_only_its_own_game(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    poisoned = await Tenant.create(grpc_client, "mm-poisoned")
    # The poisoned game ticks before the healthy one (games tick in key order), so before per-game
    # isolation its failure stopped the healthy game too.
    for _ in range(12):
        healthy = await Tenant.create(grpc_client, "mm-healthy")
        if f"{poisoned.studio_id}:{poisoned.game_id}" < f"{healthy.studio_id}:{healthy.game_id}":
            break
    else:
        pytest.fail("no studio id sorted after the poisoned one in 12 tries")

    # A ticket in the poisoned game, so the matchmaker ticks that game, then its configuration is
    # changed in storage, around core's validation, and announced as core announces changes.
    lone = await poisoned.new_player(grpc_client)
    waiting = await grpc_client.call(
        f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=poisoned.api_key, token=lone.tokens.access_token
    )

    async def searching() -> bool:
        return await _ticket_state(grpc_client, poisoned, lone.tokens.access_token, waiting.ticket.id) == mm.TICKET_STATE_SEARCHING

    await _wait_for(searching, 20, "the poisoned game's ticket is picked up by the matchmaker")
    before = await _failures(platform)
    conn = await asyncpg.connect(str(platform.endpoints["database_url"]))
    try:
        status = await conn.execute(
            f'UPDATE "{tenant_schema(poisoned.studio_id)}".games SET config = jsonb_set(config, $1::text[], $2::jsonb) WHERE id = $3',
            ["modes", "0", "matchmaking"],
            json.dumps({"rating_window_start": 600.0}),  # above the default end (500): the Rust core refuses it
            uuid.UUID(poisoned.game_id),
        )
        assert status == "UPDATE 1"
    finally:
        await conn.close()
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    try:
        event = core_pb2.GameUpdatedEvent(studio_id=poisoned.studio_id, game_id=poisoned.game_id)
        await EventBus(redis).publish("game.updated", event.SerializeToString())
    finally:
        await redis.aclose()

    async def failing() -> bool:
        return await _failures(platform) > before

    await _wait_for(failing, 90, "the matchmaker counts the poisoned game's failures")

    # The healthy game of the other studio keeps matching: four players make a 2v2.
    players = [await healthy.new_player(grpc_client) for _ in range(4)]
    tickets = []
    for player in players:
        reply = await grpc_client.call(
            f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=healthy.api_key, token=player.tokens.access_token
        )
        tickets.append((player.tokens.access_token, reply.ticket.id))

    async def all_matched() -> bool:
        states = [await _ticket_state(grpc_client, healthy, token, ticket_id) for token, ticket_id in tickets]
        return all(state == mm.TICKET_STATE_MATCHED for state in states)

    await _wait_for(all_matched, 20, "the healthy game's tickets are matched")
    counted = await _failures(platform)

    async def still_failing() -> bool:
        return await _failures(platform) > counted

    await _wait_for(still_failing, 10, "the poisoned game is still skipped, tick after tick")

    # Its players get a clear answer, not INTERNAL: the waiting ticket reads without a search window,
    # and a new one is refused until the studio corrects the mode.
    held = await grpc_client.call(f"{MM}/GetTicket", pb.GetTicketRequest(ticket_id=waiting.ticket.id), api_key=poisoned.api_key, token=lone.tokens.access_token)
    assert held.ticket.id == waiting.ticket.id and not held.ticket.HasField("search_window")
    other = await poisoned.new_player(grpc_client)
    with pytest.raises(RpcFailure) as refused:
        await grpc_client.call(
            f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=poisoned.api_key, token=other.tokens.access_token
        )
    assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION and refused.value.reason() == "MODE_MISCONFIGURED"
