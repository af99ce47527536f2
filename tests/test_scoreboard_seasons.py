"""Seasons and the outbox, with the scoreboard's domain object on the platform's real PostgreSQL and
Redis and a clock the test controls: the reset happens at the boundary, the new season starts empty,
the old one is archived with its final standings; a change whose writer died after committing still
reaches Redis through the outbox relay."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from playmesh.core.v1 import core_pb2
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.bus import EventBus, stream_key
from playmesh.runtime.db import Database
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.settings import load_settings
from playmesh.runtime.tables import tenant_schema
from playmesh.runtime.tokens import KeyRing
from playmesh.scoreboard.player_names import PlayerNames
from playmesh.scoreboard.ranks import BoardKey
from playmesh.scoreboard.scoring import Scoreboard
from playmesh.scoreboard.store import Attempt, ScoreStore
from playmesh.scoreboard.v1 import scoreboard_pb2 as sb
from redis.asyncio import Redis

from tests.support.clients import GrpcClient
from tests.support.world import Tenant


def daily_config() -> core_pb2.GameConfig:
    return core_pb2.GameConfig(
        actions=[core_pb2.ActionPoints(action="win", points=100), core_pb2.ActionPoints(action="draw", points=40)],
        leaderboards=[
            core_pb2.LeaderboardSettings(
                name="daily",
                reset_schedule=core_pb2.ResetSchedule(period=core_pb2.ResetSchedule.PERIOD_DAILY, time_of_day_minutes=6 * 60),
            )
        ],
    )


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def parts(platform: PlatformProcess) -> AsyncIterator[tuple[Database, Redis, InternalClient]]:
    db = Database(str(platform.endpoints["database_url"]), pool_size=2)
    redis = Redis.from_url(str(platform.endpoints["redis_url"]))
    # Games and players come from the platform's core, as the scoreboard service reads them.
    keyring = KeyRing(db, (platform.data_dir / "secret.key").read_text().strip(), retire_seconds=3600)
    await keyring.start()
    internal = InternalClient(load_settings(platform.env), keyring, "scoreboard")
    yield db, redis, internal
    await internal.close()
    await redis.aclose()
    await db.close()


async def test_season_resets_at_the_boundary_and_archives_the_standings(grpc_client: GrpcClient, parts: tuple[Database, Redis, InternalClient]) -> None:
    db, redis, internal = parts
    tenant = await Tenant.create(grpc_client, "sb-season", daily_config())
    players = [tenant.player_id] + [(await tenant.new_player(grpc_client)).player.id for _ in range(2)]
    # A year the live services' clocks will not reach while the test runs.
    clock = Clock(dt.datetime(2031, 3, 14, 5, 59, tzinfo=dt.UTC))
    board_of = Scoreboard(redis, ScoreStore(db), GameConfigs(internal, EventBus(redis)), players=PlayerNames(internal), clock=clock)

    async def act(player: str, action: str) -> None:
        clock.now += dt.timedelta(seconds=1)  # ties go to whoever reached the score first
        await board_of.writes.submit_action(
            studio_id=tenant.studio_id, game_id=tenant.game_id, player_id=player, board_name="daily", action=action, request_id="", ip="127.0.0.1"
        )

    await act(players[0], "draw")
    await act(players[1], "win")
    await act(players[2], "win")
    await act(players[0], "win")
    board = await board_of.seasons.board(tenant.studio_id, tenant.game_id, "daily")
    first = await board_of.seasons.current_season(tenant.studio_id, tenant.game_id, board)
    assert first.number == 1 and first.end_time == dt.datetime(2031, 3, 14, 6, 0, tzinfo=dt.UTC)
    final = (await board_of.reads.top(tenant.studio_id, tenant.game_id, board, first, offset=0, count=10)).entries
    assert [(e.player_id, e.score) for e in final] == [(players[0], 140), (players[1], 100), (players[2], 100)]

    clock.now = dt.datetime(2031, 3, 14, 6, 0, 1, tzinfo=dt.UTC)  # one second past the 06:00 reset
    second = await board_of.seasons.current_season(tenant.studio_id, tenant.game_id, board)
    assert second.number == 2 and second.start_time == first.end_time and second.end_time == dt.datetime(2031, 3, 15, 6, 0, tzinfo=dt.UTC)
    assert (await board_of.reads.top(tenant.studio_id, tenant.game_id, board, second, offset=0, count=10)).entries == []
    archived = await board_of.seasons.season(tenant.studio_id, tenant.game_id, board, 1)
    assert archived.state == sb.SEASON_STATE_ARCHIVED and archived.player_count == 3
    standings = (await board_of.reads.top(tenant.studio_id, tenant.game_id, board, archived, offset=0, count=10)).entries
    assert [(e.rank, e.player_id, e.score) for e in standings] == [(e.rank, e.player_id, e.score) for e in final]

    await act(players[2], "draw")
    now = (await board_of.reads.top(tenant.studio_id, tenant.game_id, board, second, offset=0, count=10)).entries
    assert [(e.player_id, e.score) for e in now] == [(players[2], 40)]
    assert (await board_of.reads.top(tenant.studio_id, tenant.game_id, board, archived, offset=0, count=10)).entries == standings
    listed = await board_of.seasons.seasons(tenant.studio_id, tenant.game_id, board, before=None, limit=10)
    assert [(s.number, s.state) for s in listed] == [(2, sb.SEASON_STATE_ACTIVE), (1, sb.SEASON_STATE_ARCHIVED)]

    # Idle across several boundaries: the next season starts at the latest one, with no empty seasons between.
    clock.now = dt.datetime(2031, 3, 20, 12, 0, tzinfo=dt.UTC)
    third = await board_of.seasons.current_season(tenant.studio_id, tenant.game_id, board)
    assert third.number == 3 and third.start_time == dt.datetime(2031, 3, 20, 6, 0, tzinfo=dt.UTC)


async def test_a_change_whose_writer_died_reaches_redis_through_the_outbox(grpc_client: GrpcClient, parts: tuple[Database, Redis, InternalClient]) -> None:
    db, redis, internal = parts
    tenant = await Tenant.create(grpc_client, "sb-outbox", daily_config())
    store = ScoreStore(db)
    scoreboard = Scoreboard(redis, store, GameConfigs(internal, EventBus(redis)), players=PlayerNames(internal), outbox_delay_seconds=0)
    board = await scoreboard.seasons.board(tenant.studio_id, tenant.game_id, "daily")
    season = await scoreboard.seasons.current_season(tenant.studio_id, tenant.game_id, board)
    # The writer commits to PostgreSQL and dies before touching Redis.
    _, stored = await store.record(
        studio_id=tenant.studio_id,
        schema=tenant_schema(tenant.studio_id),
        game_id=tenant.game_id,
        operators={"daily": (board.operator, board.descending)},
        attempts=[Attempt("daily", season.number, tenant.player_id, 100, "", sb.SCORE_SOURCE_ACTION, "win", "127.0.0.1")],
        now=dt.datetime.now(dt.UTC),
    )
    key = BoardKey(tenant.game_id, "daily", season.number)
    assert await scoreboard.ranks.position(key, tenant.player_id) is None
    assert await scoreboard.writes.relay_once() >= 1
    ranked = await scoreboard.ranks.position(key, tenant.player_id)
    assert ranked is not None and (ranked.rank, ranked.score) == (1, 100)
    # The relayed entry is gone, and relaying the same row again changes nothing.
    async with db.driver() as conn:
        assert await conn.fetchval("SELECT count(*) FROM platform.score_outbox WHERE seq = $1", stored[0].outbox_seq) == 0
    await scoreboard.ranks.apply(key, [stored[0].change])
    assert await scoreboard.ranks.count(key) == 1
    # Other services hear of it on the bus, from the relay.
    events = [sb.ScoresUpdatedEvent.FromString(fields[b"payload"]) for _, fields in await redis.xrevrange(stream_key("score.updated"), count=200)]
    mine = [e for e in events if e.game_id == tenant.game_id]
    assert [(e.leaderboard, e.season, [(c.player_id, c.score, c.version) for c in e.changes]) for e in mine] == [
        ("daily", season.number, [(tenant.player_id, 100, stored[0].change.version)])
    ]


async def test_reads_that_find_a_board_missing_rebuild_it_once(grpc_client: GrpcClient, parts: tuple[Database, Redis, InternalClient]) -> None:
    db, redis, internal = parts
    tenant = await Tenant.create(grpc_client, "sb-restore", daily_config())
    scoreboard = Scoreboard(redis, ScoreStore(db), GameConfigs(internal, EventBus(redis)), players=PlayerNames(internal))
    await scoreboard.writes.submit_action(
        studio_id=tenant.studio_id, game_id=tenant.game_id, player_id=tenant.player_id, board_name="daily", action="win", request_id="", ip="127.0.0.1"
    )
    board = await scoreboard.seasons.board(tenant.studio_id, tenant.game_id, "daily")
    season = await scoreboard.seasons.current_season(tenant.studio_id, tenant.game_id, board)
    key = scoreboard.seasons.key(tenant.game_id, board, season.number)
    await redis.delete(key.scores, key.entries, key.built)  # Redis lost the board
    rebuilds = 0
    real_rebuild = scoreboard.reads.rebuild

    async def counting_rebuild(studio_id: str, game_id: str, board_: object) -> int:
        nonlocal rebuilds
        rebuilds += 1
        return await real_rebuild(studio_id, game_id, board_)  # type: ignore[arg-type]

    scoreboard.reads.rebuild = counting_rebuild  # type: ignore[method-assign]
    pages = await asyncio.gather(*(scoreboard.reads.top(tenant.studio_id, tenant.game_id, board, season, offset=0, count=10) for _ in range(8)))
    assert rebuilds == 1
    assert all([(e.player_id, e.score) for e in page.entries] == [(tenant.player_id, 100)] for page in pages)
