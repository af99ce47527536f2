"""The matchmaking service through Envoy: players queue, are matched in exact balanced teams, and watch
their tickets over native gRPC, gRPC-Web and REST streaming; bad tickets are refused, each with its code."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import httpx
import pytest
from playmesh import grpcweb
from playmesh.launcher.child import PlatformProcess
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.matchmaking.v1 import matchmaking_service_pb2 as pb

from tests.support.clients import GrpcClient, RestClient, RpcFailure, grpc_web_frames, json_array_items
from tests.support.world import Tenant

MM = "playmesh.matchmaking.v1.MatchmakingService"
EU = [mm.RegionLatency(region="eu-west", latency_ms=30), mm.RegionLatency(region="us-east", latency_ms=110)]


async def _players(client: GrpcClient, tenant: Tenant, n: int) -> list[str]:
    return [(await tenant.new_player(client)).tokens.access_token for _ in range(n)]


async def _until_matched(client: GrpcClient, tenant: Tenant, token: str, ticket_id: str, within: float = 20.0) -> mm.Ticket:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        ticket = (await client.call(f"{MM}/GetTicket", pb.GetTicketRequest(ticket_id=ticket_id), api_key=tenant.api_key, token=token)).ticket
        if ticket.state == mm.TICKET_STATE_MATCHED or asyncio.get_running_loop().time() > deadline:
            return ticket
        await asyncio.sleep(0.1)


async def test_players_are_matched_into_exact_teams(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "mm-match")
    tokens = await _players(grpc_client, tenant, 8)
    tickets = []
    for token in tokens:
        created = await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=token)
        assert created.ticket.state == mm.TICKET_STATE_QUEUED
        assert created.ticket.search_window.rating_max - created.ticket.search_window.rating_min == pytest.approx(200, abs=5)
        tickets.append(created.ticket.id)
    matched = [await _until_matched(grpc_client, tenant, token, ticket_id) for token, ticket_id in zip(tokens, tickets, strict=True)]
    assert all(t.state == mm.TICKET_STATE_MATCHED for t in matched)
    matches = {t.match.id: t.match for t in matched}
    assert len(matches) == 2
    players = [p.player_id for m in matches.values() for team in m.teams for p in team.players]
    assert len(players) == len(set(players)) == 8
    for match in matches.values():
        assert [len(team.players) for team in match.teams] == [2, 2]
        assert match.region == "eu-west" and 0 <= match.quality <= 1


async def test_watch_ticket_over_grpc_grpc_web_and_rest(platform: PlatformProcess, grpc_client: GrpcClient, rest_client: RestClient) -> None:
    tenant = await Tenant.create(grpc_client, "mm-watch")
    tokens = await _players(grpc_client, tenant, 4)
    ids = []
    # Three watchers, one per protocol, then a fourth ticket completes the 2v2.
    for token in tokens[:3]:
        ids.append(
            (await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=token)).ticket.id
        )

    ready = [asyncio.Event() for _ in range(3)]  # each watcher has its first message

    async def watch_grpc() -> list[int]:
        stream = grpc_client.stream(f"{MM}/WatchTicket", pb.WatchTicketRequest(ticket_id=ids[0]), api_key=tenant.api_key, token=tokens[0])
        states = []
        async for item in stream:
            states.append(item.ticket.state)
            ready[0].set()
        return states

    async def watch_web() -> list[int]:
        headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", "x-api-key": tenant.api_key, "authorization": f"Bearer {tokens[1]}"}
        body = grpcweb.frame(pb.WatchTicketRequest(ticket_id=ids[1]).SerializeToString())
        states = []
        async with (
            httpx.AsyncClient(base_url=f"http://{platform.gateway}", timeout=30) as http,
            http.stream("POST", f"/{MM}/WatchTicket", content=body, headers=headers) as response,
        ):
            async for trailers, payload in grpc_web_frames(response):
                if trailers:
                    fields = dict(line.split(":", 1) for line in payload.decode().strip().splitlines())
                    assert fields.get("grpc-status", "").strip() == "0", fields
                    return states
                states.append(pb.WatchTicketResponse.FromString(payload).ticket.state)
                ready[1].set()
        return states

    async def watch_rest() -> list[str]:
        headers = {"x-api-key": tenant.api_key, "authorization": f"Bearer {tokens[2]}"}
        states = []
        async with rest_client.http.stream("GET", f"/v1/matchmaking/tickets/{ids[2]}:watch", headers=headers) as response:
            assert response.status_code == 200
            async for item in json_array_items(response):
                states.append(item["ticket"]["state"])
                ready[2].set()
        return states

    watchers = asyncio.gather(watch_grpc(), watch_web(), watch_rest())
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 20)
    await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=EU), api_key=tenant.api_key, token=tokens[3])
    over_grpc, over_web, over_rest = await asyncio.wait_for(watchers, 30)
    for states in (over_grpc, over_web):
        assert states[0] in (mm.TICKET_STATE_QUEUED, mm.TICKET_STATE_SEARCHING) and states[-1] == mm.TICKET_STATE_MATCHED, states
    assert over_rest[0] in ("TICKET_STATE_QUEUED", "TICKET_STATE_SEARCHING") and over_rest[-1] == "TICKET_STATE_MATCHED", over_rest


async def test_cancel_and_bad_tickets(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "mm-bad")
    me, other = await _players(grpc_client, tenant, 2)

    async def create(token: str, **fields: object) -> pb.CreateTicketResponse:
        return await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(**fields), api_key=tenant.api_key, token=token)  # type: ignore[arg-type]

    cases = [
        ({"mode": "squad", "latencies": EU}, grpc.StatusCode.INVALID_ARGUMENT, "mode"),
        ({"mode": "duo", "latencies": [mm.RegionLatency(region="mars", latency_ms=5)]}, grpc.StatusCode.INVALID_ARGUMENT, "latencies[0].region"),
        ({"mode": "duo"}, grpc.StatusCode.INVALID_ARGUMENT, "latencies"),
        ({"mode": "duo", "latencies": [mm.RegionLatency(region="eu-west", latency_ms=99999)]}, grpc.StatusCode.INVALID_ARGUMENT, "latencies[0].latency_ms"),
        ({"mode": "duo", "latencies": EU, "party_id": str(uuid.uuid4())}, grpc.StatusCode.FAILED_PRECONDITION, "PARTY_TICKETS_VIA_LOBBY"),
    ]
    for fields, code, detail in cases:
        with pytest.raises(RpcFailure) as refused:
            await create(me, **fields)
        assert refused.value.code == code and (detail in refused.value.violations() or refused.value.reason() == detail), (fields, refused.value)

    mine = (await create(me, mode="duo", latencies=EU)).ticket
    with pytest.raises(RpcFailure) as second:
        await create(me, mode="duo", latencies=EU)
    assert second.value.code == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(RpcFailure) as foreign:
        await grpc_client.call(f"{MM}/GetTicket", pb.GetTicketRequest(ticket_id=mine.id), api_key=tenant.api_key, token=other)
    assert foreign.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(RpcFailure):
        await grpc_client.call(f"{MM}/CancelTicket", pb.CancelTicketRequest(ticket_id=mine.id), api_key=tenant.api_key, token=other)

    cancelled = (await grpc_client.call(f"{MM}/CancelTicket", pb.CancelTicketRequest(ticket_id=mine.id), api_key=tenant.api_key, token=me)).ticket
    assert cancelled.state == mm.TICKET_STATE_CANCELLED
    with pytest.raises(RpcFailure) as finished:
        await grpc_client.call(f"{MM}/CancelTicket", pb.CancelTicketRequest(ticket_id=mine.id), api_key=tenant.api_key, token=me)
    assert finished.value.code == grpc.StatusCode.FAILED_PRECONDITION and finished.value.reason() == "TICKET_FINISHED"
    # After the cancel the player may queue again.
    again = (await create(me, mode="duo", latencies=EU)).ticket
    assert again.id != mine.id


async def test_queue_stats_for_the_studio_only(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "mm-stats")
    other = await Tenant.create(grpc_client, "mm-stats-other")
    token = (await _players(grpc_client, tenant, 1))[0]
    far = [mm.RegionLatency(region="us-east", latency_ms=140)]  # stays queued for a while
    await grpc_client.call(f"{MM}/CreateTicket", pb.CreateTicketRequest(mode="duo", latencies=far), api_key=tenant.api_key, token=token)
    request = pb.GetQueueStatsRequest(studio_id=tenant.studio_id, game_id=tenant.game_id)
    stats: list[mm.QueueStats] = []
    for _ in range(50):
        stats = list((await grpc_client.call(f"{MM}/GetQueueStats", request, token=tenant.developer_token)).stats)
        if stats:
            break
        await asyncio.sleep(0.1)
    assert [(s.mode, s.region, s.queued_players) for s in stats] == [("duo", "us-east", 1)]
    with pytest.raises(RpcFailure) as foreign:
        await grpc_client.call(f"{MM}/GetQueueStats", request, token=other.developer_token)
    assert foreign.value.code == grpc.StatusCode.NOT_FOUND
