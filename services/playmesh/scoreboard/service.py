"""The scoreboard gRPC servicer: validates requests, calls the parts of ``scoring.Scoreboard`` and
converts their answers. Boards and seasons live in ``seasons``, score changes and their outbox in
``writes``, reads and repair in ``reads``; live updates in ``live``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from playmesh.runtime.access import DeveloperAccess
from playmesh.runtime.auth import current_caller
from playmesh.runtime.context import Runtime
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.server import Service
from playmesh.runtime.tables import tenant_schema
from playmesh.runtime.timestamps import timestamp
from playmesh.runtime.validation import PageRequest, Validator
from playmesh.scoreboard.live import LiveBoards
from playmesh.scoreboard.player_names import PlayerNames
from playmesh.scoreboard.ranks import MAX_EXACT_SCORE
from playmesh.scoreboard.reads import Entry
from playmesh.scoreboard.scoring import Scoreboard
from playmesh.scoreboard.store import ScoreStore, Season
from playmesh.scoreboard.v1 import scoreboard_pb2 as sb
from playmesh.scoreboard.v1 import scoreboard_service_pb2 as pb
from playmesh.scoreboard.v1 import scoreboard_service_pb2_grpc

__all__ = ["ScoreboardServicer", "build"]

MAX_TOP = 100
MAX_BATCH = 1000


def build(runtime: Runtime) -> Service:
    # Core's data (game configuration, players, developer access) comes through core's API and events.
    internal = InternalClient(runtime.settings, runtime.keyring, "scoreboard")
    configs = GameConfigs(internal, runtime.bus)
    scoreboard = Scoreboard(
        runtime.redis,
        ScoreStore(runtime.db),
        configs,
        players=PlayerNames(internal),
        bus=runtime.bus,
        outbox_delay_seconds=runtime.settings.scoreboard_outbox_delay_seconds,
    )
    live = LiveBoards(runtime.streams, scoreboard, interval_seconds=runtime.settings.scoreboard_watch_interval_ms / 1000)
    return Service(ScoreboardServicer(runtime, scoreboard, live, DeveloperAccess(internal)), background=[scoreboard.writes.run_outbox, configs.run])


def _entry(e: Entry) -> sb.LeaderboardEntry:
    return sb.LeaderboardEntry(rank=e.rank, player_id=e.player_id, display_name=e.display_name, score=e.score, update_time=timestamp(e.update_time))


def _season(s: Season) -> sb.Season:
    return sb.Season(number=s.number, start_time=timestamp(s.start_time), end_time=timestamp(s.end_time), state=s.state, player_count=s.player_count)


class ScoreboardServicer(scoreboard_service_pb2_grpc.ScoreboardServiceServicer):
    def __init__(self, runtime: Runtime, scoreboard: Scoreboard, live: LiveBoards, access: DeveloperAccess) -> None:
        self.runtime = runtime
        self.access = access
        self.scoreboard = scoreboard
        self.live = live

    async def ListLeaderboards(self, request: pb.ListLeaderboardsRequest, context: grpc.aio.ServicerContext) -> pb.ListLeaderboardsResponse:
        caller = current_caller()
        out = []
        for board in await self.scoreboard.seasons.boards(caller.studio_id, caller.game_id):
            season = await self.scoreboard.seasons.current_season(caller.studio_id, caller.game_id, board)
            current = (await self.scoreboard.reads.top(caller.studio_id, caller.game_id, board, season, offset=0, count=0)).season
            out.append(sb.Leaderboard(name=board.name, display_name=board.display_name, current_season=_season(current)))
        return pb.ListLeaderboardsResponse(leaderboards=out)

    async def SubmitAction(self, request: pb.SubmitActionRequest, context: grpc.aio.ServicerContext) -> pb.SubmitActionResponse:
        caller = current_caller()
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        v.text("action", request.action, max_len=64)
        v.request_id(request.request_id)
        v.check()
        points, entry = await self.scoreboard.writes.submit_action(
            studio_id=caller.studio_id,
            game_id=caller.game_id,
            player_id=caller.player_id,
            board_name=request.leaderboard,
            action=request.action,
            request_id=request.request_id,
            ip=caller.ip,
        )
        return pb.SubmitActionResponse(points_awarded=points, entry=_entry(entry))

    async def SubmitScores(self, request: pb.SubmitScoresRequest, context: grpc.aio.ServicerContext) -> pb.SubmitScoresResponse:
        caller = current_caller()
        v = Validator()
        if not 1 <= len(request.updates) <= MAX_BATCH:
            v.add("updates", f"must hold 1 to {MAX_BATCH} updates")
        for i, u in enumerate(request.updates):
            with v.nested(f"updates[{i}]"):
                v.text("leaderboard", u.leaderboard, max_len=64)
                v.uuid("player_id", u.player_id, what="a player id")
                if abs(u.score) > MAX_EXACT_SCORE:
                    v.add("score", f"must be between -{MAX_EXACT_SCORE} and {MAX_EXACT_SCORE}")
                v.request_id(u.request_id)
        v.check()
        updates = [(u.leaderboard, u.player_id, u.score, u.request_id) for u in request.updates]
        outcomes = await self.scoreboard.writes.submit_scores(studio_id=caller.studio_id, game_id=caller.game_id, updates=updates, ip=caller.ip)
        return pb.SubmitScoresResponse(
            results=[
                pb.ScoreUpdateResult(request_id=u.request_id, accepted=o.accepted, reason=o.reason) for u, o in zip(request.updates, outcomes, strict=True)
            ]
        )

    async def GetTop(self, request: pb.GetTopRequest, context: grpc.aio.ServicerContext) -> pb.GetTopResponse:
        caller = current_caller()
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        if request.page_size > MAX_TOP:
            v.add("page_size", f"must be at most {MAX_TOP}")
        if request.season < 0:
            v.add("season", "must not be negative (0 is the current season)")
        v.check()
        board = await self.scoreboard.seasons.board(caller.studio_id, caller.game_id, request.leaderboard)
        season = await self.scoreboard.seasons.season(caller.studio_id, caller.game_id, board, request.season)
        page = PageRequest(request.page_size, request.page_token, scope=f"top:{caller.game_id}:{board.name}:{season.number}", default=10, maximum=MAX_TOP)
        offset = int(page.cursor or 0)
        found = await self.scoreboard.reads.top(caller.studio_id, caller.game_id, board, season, offset=offset, count=page.size + 1)
        more = len(found.entries) > page.size
        return pb.GetTopResponse(
            entries=[_entry(e) for e in found.entries[: page.size]],
            next_page_token=page.next_token(offset + page.size) if more else "",
            season=_season(found.season),
        )

    async def GetAroundPlayer(self, request: pb.GetAroundPlayerRequest, context: grpc.aio.ServicerContext) -> pb.GetAroundPlayerResponse:
        caller = current_caller()
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        v.int_range("radius", request.radius, 0, 50)
        v.uuid("player_id", request.player_id, what="a player id", optional=True)
        v.check()
        board = await self.scoreboard.seasons.board(caller.studio_id, caller.game_id, request.leaderboard)
        entries = await self.scoreboard.reads.around(caller.studio_id, caller.game_id, board, request.player_id or caller.player_id, request.radius or 5)
        return pb.GetAroundPlayerResponse(entries=[_entry(e) for e in entries])

    async def GetPlayerRank(self, request: pb.GetPlayerRankRequest, context: grpc.aio.ServicerContext) -> pb.GetPlayerRankResponse:
        caller = current_caller()
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        v.uuid("player_id", request.player_id, what="a player id", optional=True)
        v.check()
        board = await self.scoreboard.seasons.board(caller.studio_id, caller.game_id, request.leaderboard)
        entry = await self.scoreboard.reads.entry(caller.studio_id, caller.game_id, board, request.player_id or caller.player_id)
        return pb.GetPlayerRankResponse(entry=_entry(entry))

    async def ListSeasons(self, request: pb.ListSeasonsRequest, context: grpc.aio.ServicerContext) -> pb.ListSeasonsResponse:
        caller = current_caller()
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        v.check()
        board = await self.scoreboard.seasons.board(caller.studio_id, caller.game_id, request.leaderboard)
        page = PageRequest(request.page_size, request.page_token, scope=f"seasons:{caller.game_id}:{board.name}", default=20, maximum=100)
        seasons = await self.scoreboard.seasons.seasons(caller.studio_id, caller.game_id, board, before=page.cursor, limit=page.size + 1)
        more = len(seasons) > page.size
        seasons = seasons[: page.size]
        return pb.ListSeasonsResponse(seasons=[_season(s) for s in seasons], next_page_token=page.next_token(seasons[-1].number) if more else "")

    async def WatchLeaderboard(self, request: pb.WatchLeaderboardRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.WatchLeaderboardResponse]:
        caller = current_caller()
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        v.int_range("top_n", request.top_n, 0, MAX_TOP)
        v.check()
        board = await self.scoreboard.seasons.board(caller.studio_id, caller.game_id, request.leaderboard)
        top_n = request.top_n or 10
        async with self.live.watch(caller.studio_id, caller.game_id, board, top_n) as watcher:
            while True:
                snapshot = await watcher.next(heartbeat_seconds=self.runtime.settings.stream_heartbeat_seconds)
                message = snapshot.renderings.get(top_n)
                if message is None:
                    message = snapshot.renderings[top_n] = pb.WatchLeaderboardResponse(
                        entries=[_entry(e) for e in snapshot.entries[:top_n]], season=_season(snapshot.season), version=snapshot.version
                    )
                yield message

    async def ListScoreLog(self, request: pb.ListScoreLogRequest, context: grpc.aio.ServicerContext) -> pb.ListScoreLogResponse:
        await self.access.require_game(current_caller().developer_id, request.studio_id, request.game_id)
        v = Validator()
        v.text("leaderboard", request.leaderboard, max_len=64)
        v.uuid("player_id", request.player_id, what="a player id", optional=True)
        v.check()
        board = await self.scoreboard.seasons.board(request.studio_id, request.game_id, request.leaderboard)
        scope = f"log:{request.game_id}:{board.name}:{request.player_id}:{request.flagged_only}"
        page = PageRequest(request.page_size, request.page_token, scope=scope, default=50, maximum=200)
        rows = await self.scoreboard.store.log_page(
            tenant_schema(request.studio_id),
            request.game_id,
            board.name,
            player_id=request.player_id,
            flagged_only=request.flagged_only,
            before=tuple(page.cursor) if page.cursor else None,
            limit=page.size + 1,
        )
        more = len(rows) > page.size
        rows = rows[: page.size]
        entries = [
            sb.ScoreLogEntry(
                id=r.id,
                leaderboard=r.leaderboard,
                season=r.season,
                player_id=r.player_id,
                source=r.source,
                action=r.action,
                points=r.points,
                accepted=r.accepted,
                flag_reason=r.flag_reason,
                ip=r.ip,
                request_id=r.request_id,
                create_time=timestamp(r.create_time),
            )
            for r in rows
        ]
        token = page.next_token([rows[-1].create_time.isoformat(), rows[-1].id]) if more else ""
        return pb.ListScoreLogResponse(entries=entries, next_page_token=token)

    async def RebuildLeaderboard(self, request: pb.RebuildLeaderboardRequest, context: grpc.aio.ServicerContext) -> pb.RebuildLeaderboardResponse:
        await self.access.require_game(current_caller().developer_id, request.studio_id, request.game_id)
        board = await self.scoreboard.seasons.board(request.studio_id, request.game_id, request.leaderboard)
        return pb.RebuildLeaderboardResponse(players_restored=await self.scoreboard.reads.rebuild(request.studio_id, request.game_id, board))
