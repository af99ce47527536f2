"""A game's leaderboards and their seasons: the boards come from the game's configuration (core's, cached
by ``GameConfigs``); the current season is opened, and the previous one archived, when a reset
boundary passes. Knows nothing of gRPC."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from playmesh.core.v1 import core_pb2
from playmesh.runtime.errors import InvalidArgument, NotFound
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.tables import tenant_schema
from playmesh.scoreboard import schedule
from playmesh.scoreboard.ranks import BoardKey
from playmesh.scoreboard.store import Operator, ScoreStore, Season

__all__ = ["Board", "Seasons", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class Board:
    """A leaderboard's settings, from the game's configuration."""

    name: str
    display_name: str
    operator: Operator
    descending: bool
    schedule: core_pb2.ResetSchedule
    max_points_per_minute: int

    @staticmethod
    def of(settings: core_pb2.LeaderboardSettings) -> Board:
        return Board(
            name=settings.name,
            display_name=settings.display_name or settings.name,
            operator=Operator(settings.operator or core_pb2.SCORE_OPERATOR_INCREMENT),
            descending=settings.sort_order != core_pb2.SORT_ORDER_ASCENDING,
            schedule=settings.reset_schedule,
            max_points_per_minute=settings.max_points_per_minute,
        )


class Seasons:
    def __init__(self, store: ScoreStore, configs: GameConfigs, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.store = store
        self.configs = configs
        self.clock = clock
        self._seasons: dict[tuple[str, str], Season] = {}

    async def boards(self, studio_id: str, game_id: str) -> list[Board]:
        config = await self.configs.get(studio_id, game_id)
        return [Board.of(b) for b in config.leaderboards]

    async def board(self, studio_id: str, game_id: str, name: str) -> Board:
        boards = await self.boards(studio_id, game_id)
        for board in boards:
            if board.name == name:
                return board
        known = ", ".join(b.name for b in boards) or "none configured"
        raise InvalidArgument.single("leaderboard", f"is not a leaderboard of this game ({known})")

    async def current_season(self, studio_id: str, game_id: str, board: Board) -> Season:
        """The board's season now; archives the previous one when a reset boundary has passed."""
        now = self.clock()
        cached = self._seasons.get((game_id, board.name))
        if cached is not None and (cached.end_time is None or now < cached.end_time):
            return cached
        season = await self.store.open_season(
            tenant_schema(studio_id),
            game_id,
            board.name,
            now=now,
            start=schedule.latest_reset(board.schedule, now) or now,
            end=schedule.next_reset(board.schedule, now),
        )
        self._seasons[(game_id, board.name)] = season
        return season

    async def season(self, studio_id: str, game_id: str, board: Board, number: int) -> Season:
        """Season ``number`` (0: the current one); NOT_FOUND for a season that does not exist."""
        current = await self.current_season(studio_id, game_id, board)
        if number in (0, current.number):
            return current
        found = await self.store.season(tenant_schema(studio_id), game_id, board.name, number) if number > 0 else None
        if found is None:
            raise NotFound(f"season {number} of {board.name!r} does not exist", reason="SEASON_NOT_FOUND", metadata={"season": str(number)})
        return found

    async def seasons(self, studio_id: str, game_id: str, board: Board, *, before: int | None, limit: int) -> list[Season]:
        await self.current_season(studio_id, game_id, board)  # rolls over first, so the list is up to date
        return await self.store.seasons(tenant_schema(studio_id), game_id, board.name, before=before, limit=limit)

    def key(self, game_id: str, board: Board, season: int) -> BoardKey:
        return BoardKey(game_id, board.name, season, board.descending)
