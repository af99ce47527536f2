"""The scoreboard through Envoy: server-authoritative points, exact sums under concurrency, idempotent
retries, the points-per-minute ceiling and its audit trail, trusted batches from game servers, tenant
isolation, live watchers over gRPC-Web and REST, and the bad-input table."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest
from playmesh import grpcweb
from playmesh.core.v1 import core_pb2
from playmesh.core.v1 import core_service_pb2 as core
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.bus import stream_key
from playmesh.scoreboard.v1 import scoreboard_pb2 as sb
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as pb
from redis.asyncio import Redis

from tests.support.clients import GrpcClient, RestClient, RpcFailure, grpc_web_frames, json_array_items
from tests.support.world import CORE, Tenant

SB = "playmesh.scoreboard.v1.ScoreboardService"


def scoreboard_config() -> core_pb2.GameConfig:
    return core_pb2.GameConfig(
        modes=[core_pb2.GameMode(name="duo", team_size=2, team_count=2)],
        regions=[core_pb2.Region(name="eu-west", display_name="Europe West")],
        actions=[
            core_pb2.ActionPoints(action="kill", points=10),
            core_pb2.ActionPoints(action="assist", points=3),
            core_pb2.ActionPoints(action="headshot", points=25),
        ],
        leaderboards=[
            core_pb2.LeaderboardSettings(name="kills", display_name="Kills"),
            core_pb2.LeaderboardSettings(
                name="fastest", display_name="Fastest lap", sort_order=core_pb2.SORT_ORDER_ASCENDING, operator=core_pb2.SCORE_OPERATOR_BEST
            ),
            core_pb2.LeaderboardSettings(name="capped", display_name="Capped", max_points_per_minute=30),
        ],
    )


async def _submit(client: Any, tenant: Tenant, token: str, board: str = "kills", action: str = "kill", request_id: str = "") -> pb.SubmitActionResponse:
    return await client.call(
        f"{SB}/SubmitAction", pb.SubmitActionRequest(leaderboard=board, action=action, request_id=request_id), api_key=tenant.api_key, token=token
    )


async def _top(client: Any, tenant: Tenant, board: str = "kills", **fields: Any) -> pb.GetTopResponse:
    return await client.call(f"{SB}/GetTop", pb.GetTopRequest(leaderboard=board, **fields), api_key=tenant.api_key)


async def test_concurrent_actions_sum_exactly_and_retries_count_once(grpc_client: GrpcClient, rest_client: RestClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-sum", scoreboard_config())
    token = tenant.player_token
    results = await asyncio.gather(*(_submit(grpc_client, tenant, token, action="kill" if i % 2 else "assist") for i in range(100)))
    assert {r.points_awarded for r in results} == {10, 3}
    assert max(r.entry.score for r in results) == 50 * 10 + 50 * 3
    rank = await grpc_client.call(f"{SB}/GetPlayerRank", pb.GetPlayerRankRequest(leaderboard="kills"), api_key=tenant.api_key, token=token)
    assert rank.entry.score == 650 and rank.entry.rank == 1 and rank.entry.player_id == tenant.player_id

    # The same request id, retried (also concurrently and over REST), counts once.
    request_id = f"req-{uuid.uuid4().hex}"
    first = await _submit(grpc_client, tenant, token, action="headshot", request_id=request_id)
    retries = await asyncio.gather(*(_submit(c, tenant, token, action="headshot", request_id=request_id) for c in (grpc_client, rest_client, grpc_client)))
    assert first.points_awarded == 25 and all(r.points_awarded == 25 for r in retries)
    assert first.entry.score == 675 and all(r.entry.score == 675 for r in retries)
    # A request id reused for another request is refused, and changes nothing.
    with pytest.raises(RpcFailure) as reused:
        await _submit(grpc_client, tenant, token, action="kill", request_id=request_id)
    assert reused.value.code == grpc.StatusCode.INVALID_ARGUMENT and "request_id" in reused.value.violations()
    assert (await _top(grpc_client, tenant)).entries[0].score == 675


async def test_points_come_from_the_action_table_only(rest_client: RestClient, grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-points", scoreboard_config())
    headers = {"x-api-key": tenant.api_key, "authorization": f"Bearer {tenant.player_token}"}
    # The request has no field for points: a client that adds its own (and a score) is ignored by the
    # transcoder, and the action's points from the table are what counts.
    response = await rest_client.http.post("/v1/leaderboards/kills:submitAction", json={"action": "kill", "points": 1000000, "score": 999}, headers=headers)
    assert response.status_code == 200, response.text
    assert int(response.json()["pointsAwarded"]) == 10
    top = await _top(grpc_client, tenant)
    assert [e.score for e in top.entries] == [10]
    with pytest.raises(RpcFailure) as unknown:
        await _submit(grpc_client, tenant, tenant.player_token, action="win-the-game")
    assert unknown.value.code == grpc.StatusCode.INVALID_ARGUMENT and "action" in unknown.value.violations()


async def test_other_tenants_and_bad_tokens_cannot_touch_a_board(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    a = await Tenant.create(grpc_client, "sb-a", scoreboard_config())
    b = await Tenant.create(grpc_client, "sb-b", scoreboard_config())
    await _submit(grpc_client, a, a.player_token)
    # B's players score on B's board of the same name; A's board does not move.
    await _submit(grpc_client, b, b.player_token, action="headshot")
    assert [(e.player_id, e.score) for e in (await _top(grpc_client, a)).entries] == [(a.player_id, 10)]
    assert [(e.player_id, e.score) for e in (await _top(grpc_client, b)).entries] == [(b.player_id, 25)]
    # A's player token with B's key, a forged token, and a token after logout are refused.
    for api_key, token, reason in (
        (b.api_key, a.player_token, "TOKEN_GAME_MISMATCH"),
        (a.api_key, a.player_token[:-4] + "AAAA", None),
    ):
        with pytest.raises(RpcFailure) as refused:
            await grpc_client.call(f"{SB}/SubmitAction", pb.SubmitActionRequest(leaderboard="kills", action="kill"), api_key=api_key, token=token)
        assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
        assert reason is None or refused.value.reason() == reason
    player = await a.new_player(grpc_client)
    await grpc_client.call(f"{CORE}/Logout", core.LogoutRequest(refresh_token=player.tokens.refresh_token), api_key=a.api_key, token=player.tokens.access_token)
    with pytest.raises(RpcFailure) as revoked:
        await _submit(grpc_client, a, player.tokens.access_token)
    assert revoked.value.code == grpc.StatusCode.UNAUTHENTICATED
    # B's developer cannot read A's audit log; A's game server cannot score B's players.
    with pytest.raises(RpcFailure) as foreign:
        await grpc_client.call(
            f"{SB}/ListScoreLog", pb.ListScoreLogRequest(studio_id=a.studio_id, game_id=a.game_id, leaderboard="kills"), token=b.developer_token
        )
    assert foreign.value.code == grpc.StatusCode.NOT_FOUND
    # ... nor players of another game of A's own studio (same schema: only the game tells them apart).
    second = await grpc_client.call(
        f"{CORE}/CreateGame", core.CreateGameRequest(studio_id=a.studio_id, display_name="second", config=scoreboard_config()), token=a.developer_token
    )
    second_key = await grpc_client.call(
        f"{CORE}/CreateApiKey", core.CreateApiKeyRequest(studio_id=a.studio_id, game_id=second.game.id, display_name="second"), token=a.developer_token
    )
    neighbour = await grpc_client.call(
        f"{CORE}/AuthenticateDevice", core.AuthenticateDeviceRequest(device_id=f"neighbour-{uuid.uuid4().hex}", create=True), api_key=second_key.secret
    )
    server_a = await platform.server_token(a.studio_id, a.game_id)
    raid = pb.SubmitScoresRequest(
        updates=[
            pb.ScoreUpdate(leaderboard="kills", player_id=b.player_id, score=1000, request_id="raid"),
            pb.ScoreUpdate(leaderboard="kills", player_id=neighbour.player.id, score=1000, request_id="raid-2"),
        ]
    )
    refused_batch = await grpc_client.call(f"{SB}/SubmitScores", raid, token=server_a)
    assert [(r.accepted, r.reason) for r in refused_batch.results] == [(False, "UNKNOWN_PLAYER")] * 2
    assert [(e.player_id, e.score) for e in (await _top(grpc_client, a)).entries] == [(a.player_id, 10)]
    assert [(e.player_id, e.score) for e in (await _top(grpc_client, b)).entries] == [(b.player_id, 25)]


async def test_changes_are_announced_on_the_bus(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-bus", scoreboard_config())
    done = await _submit(grpc_client, tenant, tenant.player_token, action="headshot")
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    try:
        raw = await redis.xrevrange(stream_key("score.updated"), count=500)
    finally:
        await redis.aclose()
    events = [sb.ScoresUpdatedEvent.FromString(fields[b"payload"]) for _, fields in raw]
    mine = [e for e in events if e.game_id == tenant.game_id]
    assert len(mine) == 1 and (mine[0].studio_id, mine[0].leaderboard, mine[0].season) == (tenant.studio_id, "kills", 1)
    assert [(c.player_id, c.score) for c in mine[0].changes] == [(tenant.player_id, 25)]
    assert mine[0].changes[0].reach_time.ToDatetime(tzinfo=dt.UTC) == done.entry.update_time.ToDatetime(tzinfo=dt.UTC)


async def test_points_per_minute_ceiling_refuses_and_flags(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-cap", scoreboard_config())
    await _submit(grpc_client, tenant, tenant.player_token, board="capped", action="kill")
    await _submit(grpc_client, tenant, tenant.player_token, board="capped", action="kill")
    with pytest.raises(RpcFailure) as capped:
        await _submit(grpc_client, tenant, tenant.player_token, board="capped", action="headshot")  # 20 + 25 > 30
    assert capped.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and capped.value.reason() == "POINTS_PER_MINUTE_EXCEEDED"
    delay = capped.value.retry_delay_seconds()
    assert delay is not None and 0 < delay <= 60
    await _submit(grpc_client, tenant, tenant.player_token, board="capped", action="assist")  # 23: still under the ceiling
    assert (await _top(grpc_client, tenant, board="capped")).entries[0].score == 23
    log = await grpc_client.call(
        f"{SB}/ListScoreLog",
        pb.ListScoreLogRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, leaderboard="capped", flagged_only=True),
        token=tenant.developer_token,
    )
    assert [(e.action, e.points, e.accepted, e.flag_reason) for e in log.entries] == [("headshot", 25, False, "POINTS_PER_MINUTE_EXCEEDED")]
    assert log.entries[0].player_id == tenant.player_id and log.entries[0].ip
    everything = await grpc_client.call(
        f"{SB}/ListScoreLog",
        pb.ListScoreLogRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, leaderboard="capped", page_size=2),
        token=tenant.developer_token,
    )
    assert len(everything.entries) == 2 and everything.next_page_token
    rest = await grpc_client.call(
        f"{SB}/ListScoreLog",
        pb.ListScoreLogRequest(studio_id=tenant.studio_id, game_id=tenant.game_id, leaderboard="capped", page_size=2, page_token=everything.next_page_token),
        token=tenant.developer_token,
    )
    seen = [e.id for e in everything.entries] + [e.id for e in rest.entries]
    assert len(seen) == len(set(seen)) == 4 and not rest.next_page_token


async def test_game_server_batches_combine_by_operator(platform: PlatformProcess, grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-server", scoreboard_config())
    token = await platform.server_token(tenant.studio_id, tenant.game_id)
    players = [tenant.player_id] + [(await tenant.new_player(grpc_client)).player.id for _ in range(2)]
    updates = [
        pb.ScoreUpdate(leaderboard="fastest", player_id=players[0], score=91_000, request_id="lap-1"),
        pb.ScoreUpdate(leaderboard="fastest", player_id=players[0], score=88_500, request_id="lap-2"),
        pb.ScoreUpdate(leaderboard="fastest", player_id=players[1], score=90_000, request_id="lap-3"),
        pb.ScoreUpdate(leaderboard="fastest", player_id=players[2], score=90_000, request_id="lap-4"),
        pb.ScoreUpdate(leaderboard="kills", player_id=players[1], score=7, request_id="k-1"),
        pb.ScoreUpdate(leaderboard="nope", player_id=players[1], score=7, request_id="k-2"),
        pb.ScoreUpdate(leaderboard="kills", player_id=str(uuid.uuid4()), score=7, request_id="k-3"),
    ]
    out = await grpc_client.call(f"{SB}/SubmitScores", pb.SubmitScoresRequest(updates=updates), token=token)
    assert [(r.accepted, r.reason) for r in out.results] == [(True, "")] * 5 + [(False, "UNKNOWN_LEADERBOARD"), (False, "UNKNOWN_PLAYER")]
    # Within a batch, updates count in their order: players[1] reached 90,000 before players[2].
    in_order = await _top(grpc_client, tenant, board="fastest")
    assert [(e.player_id, e.score) for e in in_order.entries] == [(players[0], 88_500), (players[1], 90_000), (players[2], 90_000)]
    again = await grpc_client.call(f"{SB}/SubmitScores", pb.SubmitScoresRequest(updates=updates[:5]), token=token)  # a retried batch
    assert all(r.accepted for r in again.results)
    late = pb.ScoreUpdate(leaderboard="fastest", player_id=players[2], score=89_000, request_id="lap-5")
    await grpc_client.call(f"{SB}/SubmitScores", pb.SubmitScoresRequest(updates=[late]), token=token)
    tie = pb.ScoreUpdate(leaderboard="fastest", player_id=players[1], score=89_000, request_id="lap-6")
    await grpc_client.call(f"{SB}/SubmitScores", pb.SubmitScoresRequest(updates=[tie]), token=token)
    fastest = await _top(grpc_client, tenant, board="fastest")
    # Ascending board, best score kept; an equal score goes to whoever reached it first (players[2]).
    assert [(e.player_id, e.score, e.rank) for e in fastest.entries] == [(players[0], 88_500, 1), (players[2], 89_000, 2), (players[1], 89_000, 3)]
    assert [(e.player_id, e.score) for e in (await _top(grpc_client, tenant)).entries] == [(players[1], 7)]
    # A player's token is not a server token.
    with pytest.raises(RpcFailure) as player:
        await grpc_client.call(f"{SB}/SubmitScores", pb.SubmitScoresRequest(updates=updates[:1]), api_key=tenant.api_key, token=tenant.player_token)
    assert player.value.code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)


async def test_reads_pages_around_and_seasons(grpc_client: GrpcClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-reads", scoreboard_config())
    tokens = [tenant.player_token] + [(await tenant.new_player(grpc_client)).tokens.access_token for _ in range(11)]
    for i, token in enumerate(tokens):
        for _ in range(i + 1):
            await _submit(grpc_client, tenant, token, action="assist")
    first = await _top(grpc_client, tenant, page_size=5)
    assert [e.score for e in first.entries] == [36, 33, 30, 27, 24] and [e.rank for e in first.entries] == [1, 2, 3, 4, 5]
    assert first.entries[0].display_name and first.season.number == 1 and first.season.state == sb.SEASON_STATE_ACTIVE
    assert first.season.player_count == 12
    second = await _top(grpc_client, tenant, page_size=5, page_token=first.next_page_token)
    last = await _top(grpc_client, tenant, page_size=5, page_token=second.next_page_token)
    assert [e.rank for e in [*second.entries, *last.entries]] == list(range(6, 13)) and not last.next_page_token
    around = await grpc_client.call(f"{SB}/GetAroundPlayer", pb.GetAroundPlayerRequest(leaderboard="kills", radius=2), api_key=tenant.api_key, token=tokens[5])
    assert [e.rank for e in around.entries] == [5, 6, 7, 8, 9] and around.entries[2].score == 18
    boards = await grpc_client.call(f"{SB}/ListLeaderboards", pb.ListLeaderboardsRequest(), api_key=tenant.api_key)
    assert [b.name for b in boards.leaderboards] == ["kills", "fastest", "capped"]
    assert [b.current_season.player_count for b in boards.leaderboards] == [12, 0, 0]
    seasons = await grpc_client.call(f"{SB}/ListSeasons", pb.ListSeasonsRequest(leaderboard="kills"), api_key=tenant.api_key)
    assert [s.number for s in seasons.seasons] == [1] and not seasons.seasons[0].HasField("end_time")
    with pytest.raises(RpcFailure) as none:
        await grpc_client.call(f"{SB}/GetPlayerRank", pb.GetPlayerRankRequest(leaderboard="fastest"), api_key=tenant.api_key, token=tenant.player_token)
    assert none.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("path", "request_", "code", "field"),
    [
        ("GetTop", pb.GetTopRequest(leaderboard="nope"), grpc.StatusCode.INVALID_ARGUMENT, "leaderboard"),
        ("GetTop", pb.GetTopRequest(leaderboard="kills", page_size=101), grpc.StatusCode.INVALID_ARGUMENT, "page_size"),
        ("GetTop", pb.GetTopRequest(leaderboard="kills", page_size=-1), grpc.StatusCode.INVALID_ARGUMENT, "page_size"),
        ("GetTop", pb.GetTopRequest(leaderboard="kills", page_token="not-a-token"), grpc.StatusCode.INVALID_ARGUMENT, "page_token"),
        ("GetTop", pb.GetTopRequest(leaderboard="kills", season=-2), grpc.StatusCode.INVALID_ARGUMENT, "season"),
        ("GetTop", pb.GetTopRequest(leaderboard="kills", season=7), grpc.StatusCode.NOT_FOUND, "SEASON_NOT_FOUND"),
        ("GetTop", pb.GetTopRequest(leaderboard=""), grpc.StatusCode.INVALID_ARGUMENT, "leaderboard"),
        ("SubmitAction", pb.SubmitActionRequest(leaderboard="nope", action="kill"), grpc.StatusCode.INVALID_ARGUMENT, "leaderboard"),
        ("SubmitAction", pb.SubmitActionRequest(leaderboard="kills", action="fly"), grpc.StatusCode.INVALID_ARGUMENT, "action"),
        ("SubmitAction", pb.SubmitActionRequest(leaderboard="kills", action=""), grpc.StatusCode.INVALID_ARGUMENT, "action"),
        ("SubmitAction", pb.SubmitActionRequest(leaderboard="kills", action="kill", request_id="x" * 65), grpc.StatusCode.INVALID_ARGUMENT, "request_id"),
        ("WatchLeaderboard", pb.WatchLeaderboardRequest(leaderboard="kills", top_n=101), grpc.StatusCode.INVALID_ARGUMENT, "top_n"),
        ("GetAroundPlayer", pb.GetAroundPlayerRequest(leaderboard="kills", radius=51), grpc.StatusCode.INVALID_ARGUMENT, "radius"),
        ("ListSeasons", pb.ListSeasonsRequest(leaderboard="kills", page_size=-5), grpc.StatusCode.INVALID_ARGUMENT, "page_size"),
    ],
)
async def test_bad_input(grpc_client: GrpcClient, world_scoreboard: Tenant, path: str, request_: Any, code: grpc.StatusCode, field: str) -> None:
    tenant = world_scoreboard
    before = await _top(grpc_client, tenant)
    with pytest.raises(RpcFailure) as refused:
        if path == "WatchLeaderboard":
            async for _ in grpc_client.stream(f"{SB}/{path}", request_, api_key=tenant.api_key, token=tenant.player_token):
                pass
        else:
            await grpc_client.call(f"{SB}/{path}", request_, api_key=tenant.api_key, token=tenant.player_token)
    assert refused.value.code == code
    assert field in refused.value.violations() or refused.value.reason() == field, refused.value
    assert await _top(grpc_client, tenant) == before


@pytest.fixture(scope="module")
async def world_scoreboard(grpc_client: GrpcClient) -> Tenant:
    tenant = await Tenant.create(grpc_client, "sb-bad", scoreboard_config())
    await _submit(grpc_client, tenant, tenant.player_token)
    return tenant


async def _watch_web(
    platform: PlatformProcess, tenant: Tenant, done: Callable[[pb.WatchLeaderboardResponse], bool], ready: asyncio.Event | None = None
) -> list[pb.WatchLeaderboardResponse]:
    headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", "x-api-key": tenant.api_key}
    body = grpcweb.frame(pb.WatchLeaderboardRequest(leaderboard="kills", top_n=10).SerializeToString())
    seen: list[pb.WatchLeaderboardResponse] = []
    async with (
        httpx.AsyncClient(base_url=f"http://{platform.gateway}", timeout=30) as http,
        http.stream("POST", f"/{SB}/WatchLeaderboard", content=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        async for trailers, payload in grpc_web_frames(response):
            if trailers:  # the stream ended
                return seen
            seen.append(pb.WatchLeaderboardResponse.FromString(payload))
            if ready is not None:
                ready.set()
            if done(seen[-1]):
                return seen
    return seen


async def _watch_rest(
    rest_client: RestClient, tenant: Tenant, done: Callable[[dict[str, Any]], bool], ready: asyncio.Event | None = None
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with rest_client.http.stream("GET", "/v1/leaderboards/kills:watch", params={"topN": 10}, headers={"x-api-key": tenant.api_key}) as response:
        assert response.status_code == 200
        async for item in json_array_items(response):
            seen.append(item)
            if ready is not None:
                ready.set()
            if done(item):
                return seen
    return seen
    return seen


async def test_watchers_over_grpc_web_and_rest_see_the_new_top(platform: PlatformProcess, grpc_client: GrpcClient, rest_client: RestClient) -> None:
    tenant = await Tenant.create(grpc_client, "sb-watch", scoreboard_config())
    others = [(await tenant.new_player(grpc_client)).tokens.access_token for _ in range(10)]
    for token in others:
        await _submit(grpc_client, tenant, token, action="assist")
    web_ready, rest_ready = asyncio.Event(), asyncio.Event()
    web = asyncio.create_task(_watch_web(platform, tenant, lambda m: any(e.player_id == tenant.player_id for e in m.entries), web_ready))
    rest = asyncio.create_task(_watch_rest(rest_client, tenant, lambda m: any(e["playerId"] == tenant.player_id for e in m.get("entries", [])), rest_ready))
    native = grpc_client.stream(f"{SB}/WatchLeaderboard", pb.WatchLeaderboardRequest(leaderboard="kills"), api_key=tenant.api_key)
    first = await anext(native)
    assert len(first.entries) == 10 and {e.score for e in first.entries} == {3}
    await asyncio.wait_for(asyncio.gather(web_ready.wait(), rest_ready.wait()), 20)  # every watcher has its first snapshot
    await _submit(grpc_client, tenant, tenant.player_token, action="headshot")
    update = await asyncio.wait_for(anext(native), 20)
    over_web, over_rest = await asyncio.wait_for(asyncio.gather(web, rest), 30)
    for entries in ([(e.player_id, e.score, e.rank) for e in update.entries], [(e.player_id, e.score, e.rank) for e in over_web[-1].entries]):
        assert entries[0] == (tenant.player_id, 25, 1) and len(entries) == 10
    assert update.version > first.version
    assert over_rest[-1]["entries"][0]["playerId"] == tenant.player_id and over_rest[-1]["entries"][0]["score"] == "25"
    await native.aclose()  # type: ignore[attr-defined]
