"""Reads of leaderboards: pages of the top, a player's place and neighbours, with display names; the
current season from Redis (rebuilt from PostgreSQL when Redis has lost it), archived ones from
PostgreSQL. Knows nothing of gRPC."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Sequence

import structlog

from playmesh.runtime.errors import NotFound
from playmesh.runtime.single_flight import SingleFlight
from playmesh.runtime.tables import tenant_schema
from playmesh.scoreboard.player_names import PlayerNames
from playmesh.scoreboard.ranks import BoardKey, Ranked, Ranks
from playmesh.scoreboard.seasons import Board, Seasons
from playmesh.scoreboard.store import ScoreStore, Season

__all__ = ["Entry", "Page", "ScoreReader"]

log = structlog.get_logger("playmesh.scoreboard")


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    rank: int
    player_id: str
    display_name: str
    score: int
    update_time: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """Entries of a board from some rank, the board's version, and the season with its player count."""

    entries: list[Entry]
    version: int
    season: Season


class ScoreReader:
    def __init__(self, store: ScoreStore, ranks: Ranks, seasons: Seasons, players: PlayerNames, *, name_ttl_seconds: float = 30.0) -> None:
        self.store = store
        self.ranks = ranks
        self.seasons = seasons
        self.players = players
        self._names: dict[tuple[str, str], tuple[float, str]] = {}
        self._name_ttl = name_ttl_seconds
        self._built_until: dict[BoardKey, float] = {}
        self._restoring: SingleFlight[tuple[str, str], int] = SingleFlight()

    async def top(self, studio_id: str, game_id: str, board: Board, season: Season, *, offset: int, count: int) -> Page:
        """Entries from ``offset``, best first. Archived seasons read PostgreSQL (their count is final);
        the current one reads Redis, with the players it has now."""
        current = await self.seasons.current_season(studio_id, game_id, board)
        if season.number != current.number:
            rows = await self.store.standings(
                tenant_schema(studio_id), game_id, board.name, season.number, descending=board.descending, offset=offset, limit=count
            )
            ranked = [Ranked(offset + i + 1, c.player_id, c.score, c.reach_time) for i, c in enumerate(rows)]
            return Page(await self._named(studio_id, game_id, ranked), 0, season)
        key = self.seasons.key(game_id, board, season.number)
        built, ranked, version, players = await self.ranks.page(key, offset, count)
        if not built:
            await self._restore(studio_id, game_id, board)
            _, ranked, version, players = await self.ranks.page(key, offset, count)
        return Page(await self._named(studio_id, game_id, ranked), version, dataclasses.replace(season, player_count=players))

    async def entry(self, studio_id: str, game_id: str, board: Board, player_id: str, *, season: int = 0) -> Entry:
        """The player's place on the board; NOT_FOUND without a score."""
        chosen = await self.seasons.season(studio_id, game_id, board, season)
        current = await self.seasons.current_season(studio_id, game_id, board)
        if chosen.number != current.number:
            change = await self.store.score(tenant_schema(studio_id), game_id, board.name, chosen.number, player_id)
            if change is None:
                raise NotFound("the player has no score on this leaderboard", reason="SCORE_NOT_FOUND")
            names = await self.display_names(studio_id, game_id, [player_id])
            return Entry(0, player_id, names.get(player_id, ""), change.score, change.reach_time)
        key = await self._built(studio_id, game_id, board, current.number)
        ranked = await self.ranks.position(key, player_id)
        if ranked is None:
            raise NotFound("the player has no score on this leaderboard", reason="SCORE_NOT_FOUND", metadata={"player_id": player_id})
        return (await self._named(studio_id, game_id, [ranked]))[0]

    async def around(self, studio_id: str, game_id: str, board: Board, player_id: str, radius: int) -> list[Entry]:
        me = await self.entry(studio_id, game_id, board, player_id)
        season = await self.seasons.current_season(studio_id, game_id, board)
        start = max(0, me.rank - 1 - radius)
        page = await self.top(studio_id, game_id, board, season, offset=start, count=me.rank - 1 - start + radius + 1)
        return page.entries

    async def display_names(self, studio_id: str, game_id: str, player_ids: Sequence[str]) -> dict[str, str]:
        """Display names, cached for ``name_ttl_seconds`` (a rename shows within that)."""
        now = time.monotonic()
        out: dict[str, str] = {}
        missing = []
        for pid in player_ids:
            hit = self._names.get((game_id, pid))
            if hit is not None and hit[0] > now:
                out[pid] = hit[1]
            else:
                missing.append(pid)
        if missing:
            found = await self.players.display_names(studio_id, game_id, missing)
            if len(self._names) > 200_000:
                self._names.clear()
            for pid, name in found.items():
                self._names[(game_id, pid)] = (now + self._name_ttl, name)
                out[pid] = name
        return out

    async def _named(self, studio_id: str, game_id: str, ranked: Sequence[Ranked]) -> list[Entry]:
        names = await self.display_names(studio_id, game_id, [r.player_id for r in ranked])
        return [Entry(r.rank, r.player_id, names.get(r.player_id, ""), r.score, r.reach_time) for r in ranked]

    async def _built(self, studio_id: str, game_id: str, board: Board, season: int) -> BoardKey:
        """The season's key, rebuilt first if Redis has lost it (checked at most once a second)."""
        key = self.seasons.key(game_id, board, season)
        if self._built_until.get(key, 0) < time.monotonic():
            if not await self.ranks.is_built(key):
                await self._restore(studio_id, game_id, board)
            self._built_until[key] = time.monotonic() + 1.0
        return key

    async def _restore(self, studio_id: str, game_id: str, board: Board) -> None:
        """Rebuilds a board Redis has lost, once, however many reads find it missing at the same time
        (a 100k-player board takes seconds: each read starting its own would multiply the work)."""
        await self._restoring.run((game_id, board.name), lambda: self.rebuild(studio_id, game_id, board))

    async def rebuild(self, studio_id: str, game_id: str, board: Board) -> int:
        """Writes the current season from PostgreSQL into Redis; returns the players restored. Safe
        while scores change: each row carries its version, and older versions never overwrite."""
        season = await self.seasons.current_season(studio_id, game_id, board)
        key = self.seasons.key(game_id, board, season.number)
        restored = 0
        async for chunk in self.store.all_scores(tenant_schema(studio_id), game_id, board.name, season.number):
            await self.ranks.apply(key, chunk)
            restored += len(chunk)
        await self.ranks.mark_built(key)
        log.info("leaderboard_rebuilt", game=game_id, leaderboard=board.name, season=season.number, players=restored)
        return restored
