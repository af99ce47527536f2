"""Leaderboards of a game: server-authoritative score changes, seasons, reads and repair. Knows nothing
of gRPC: the servicer validates requests and converts what this returns.

A change is committed to PostgreSQL first (score log, current score, outbox entry: one
transaction), then written to Redis from the committed row, then its outbox entry is dropped. If the
writer dies in between, the relay re-applies the entry from PostgreSQL after
``outbox_delay``; Redis updates carry the row's version, so a late or repeated one never moves a
score back. If Redis loses a board (restart without its data, FLUSHALL), the first read that finds
the board's "built" marker missing rebuilds it from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from playmesh.core.v1 import core_pb2
from playmesh.runtime.bus import EventBus
from playmesh.runtime.errors import InvalidArgument, NotFound, ResourceExhausted
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.tables import tenant_schema
from playmesh.scoreboard import schedule
from playmesh.scoreboard.batching import GroupCommit
from playmesh.scoreboard.player_names import PlayerNames
from playmesh.scoreboard.ranks import BoardKey, Change, Ranked, Ranks
from playmesh.scoreboard.store import Attempt, Operator, ScoreStore, Season, Stored
from playmesh.scoreboard.v1 import scoreboard_pb2 as sb

__all__ = ["Board", "Entry", "Page", "ScoreOutcome", "Scoreboard", "utc_now"]

log = structlog.get_logger("playmesh.scoreboard")

FLAG_POINTS_PER_MINUTE = "POINTS_PER_MINUTE_EXCEEDED"
SCORE_UPDATED = "score.updated"  # bus topic; payload: scoreboard.v1.ScoresUpdatedEvent
RELAY_BATCH = 500  # outbox rows re-applied per round

# Reserves a player's points of the current minute against the board's ceiling, atomically.
_RESERVE = """
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 120) end
if total > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return 0
end
return 1
"""


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


@dataclasses.dataclass(frozen=True, slots=True)
class ScoreOutcome:
    accepted: bool
    reason: str = ""


class Scoreboard:
    def __init__(
        self,
        redis: Redis,
        store: ScoreStore,
        configs: GameConfigs,
        *,
        players: PlayerNames,
        bus: EventBus | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        outbox_delay_seconds: float = 5.0,
        name_ttl_seconds: float = 30.0,
    ) -> None:
        self.redis = redis
        self.store = store
        self.configs = configs
        self.players = players
        self.ranks = Ranks(redis)
        self.bus = bus or EventBus(redis)
        self.clock = clock
        self._reserve = redis.register_script(_RESERVE)
        self._outbox_delay = dt.timedelta(seconds=outbox_delay_seconds)
        self._seasons: dict[tuple[str, str], Season] = {}
        self._confirmed: list[int] = []
        self._names: dict[tuple[str, str], tuple[float, str]] = {}
        self._name_ttl = name_ttl_seconds
        self._built_until: dict[BoardKey, float] = {}
        self._actions: GroupCommit[tuple[Board, Attempt], tuple[bool, Change | None, int]] = GroupCommit(self._commit_actions)

    # --- configuration and seasons -------------------------------------------------------------

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

    # --- changes -------------------------------------------------------------------------------

    async def submit_action(self, *, studio_id: str, game_id: str, player_id: str, board_name: str, action: str, request_id: str, ip: str) -> tuple[int, Entry]:
        """Applies a player's action at the price the game's action table sets. Returns (points, entry)."""
        config = await self.configs.get(studio_id, game_id)
        board = await self.board(studio_id, game_id, board_name)
        prices = {a.action: a.points for a in config.actions}
        if action not in prices:
            known = ", ".join(sorted(prices)) or "none configured"
            raise InvalidArgument.single("action", f"is not an action of this game ({known})")
        points = prices[action]
        season = await self.current_season(studio_id, game_id, board)
        attempt = Attempt(board.name, season.number, player_id, points, request_id, sb.SCORE_SOURCE_ACTION, action, ip)
        schema = tenant_schema(studio_id)
        if request_id:
            previous = await self.store.logged(schema, game_id, player_id, request_id)
            if previous is not None:
                return await self._replay(studio_id, game_id, board, previous, attempt)
        try:
            reserved = await self._reserve_points(game_id, board, player_id, points)
        except _CeilingExceeded:
            await self.store.refuse(schema=schema, game_id=game_id, attempt=attempt, reason=FLAG_POINTS_PER_MINUTE, now=self.clock())
            raise
        try:
            new, change, rank = await self._actions.submit((studio_id, game_id), (board, attempt))
        except BaseException:
            await self._release_points(reserved)
            raise
        if not new or change is None:  # a concurrent retry of the same request id won the race
            await self._release_points(reserved)
            previous = await self.store.logged(schema, game_id, player_id, request_id)
            return await self._replay(studio_id, game_id, board, previous, attempt)
        name = (await self.display_names(studio_id, game_id, [player_id])).get(player_id, "")
        return points, Entry(rank, player_id, name, change.score, change.reach_time)

    async def _commit_actions(self, group: tuple[str, str], items: Sequence[tuple[Board, Attempt]]) -> list[tuple[bool, Change | None, int]]:
        """Commits a batch of one game's actions (see ``batching``). Per action: whether it was new,
        the player's row after the batch, and the player's rank."""
        studio_id, game_id = group
        boards = {board.name: board for board, _ in items}
        new, stored, ranks = await self._commit(studio_id, game_id, boards, [attempt for _, attempt in items])
        rows = {(s.board, s.season, s.change.player_id): s.change for s in stored}
        return [
            (fresh, rows.get((a.board, a.season, a.player_id)) if fresh else None, ranks.get((a.board, a.player_id), 0))
            for (_, a), fresh in zip(items, new, strict=True)
        ]

    async def _replay(self, studio_id: str, game_id: str, board: Board, previous: Any, attempt: Attempt) -> tuple[int, Entry]:
        """The answer to a retried request id: the original points and the player's entry now."""
        if previous.leaderboard != attempt.board or previous.action != attempt.action:
            raise InvalidArgument.single("request_id", "was already used for a different request")
        entry = await self.entry(studio_id, game_id, board, attempt.player_id, season=previous.season)
        return int(previous.points), entry

    async def submit_scores(self, *, studio_id: str, game_id: str, updates: Sequence[tuple[str, str, int, str]], ip: str) -> list[ScoreOutcome]:
        """Applies trusted scores (board, player id, score, request id) from a game server, combined by
        each board's operator. Unknown boards and players of other games are refused per update; the
        rest are applied together."""
        boards = {b.name: b for b in await self.boards(studio_id, game_id)}
        seasons = {}
        for name in {u[0] for u in updates} & boards.keys():
            seasons[name] = (await self.current_season(studio_id, game_id, boards[name])).number
        players = await self.display_names(studio_id, game_id, list({u[1] for u in updates}))  # this game's players only
        outcomes: list[ScoreOutcome | None] = []
        attempts: list[Attempt] = []
        for name, player_id, score, request_id in updates:
            if player_id not in players:
                outcomes.append(ScoreOutcome(False, "UNKNOWN_PLAYER"))
            elif name not in boards:
                outcomes.append(ScoreOutcome(False, "UNKNOWN_LEADERBOARD"))
            else:
                outcomes.append(None)
                attempts.append(Attempt(name, seasons[name], player_id, score, request_id, sb.SCORE_SOURCE_SERVER, "", ip))
        await self._commit(studio_id, game_id, boards, attempts)
        # A retried request id is accepted too: it was applied the first time.
        return [o if o is not None else ScoreOutcome(True) for o in outcomes]

    async def _commit(
        self, studio_id: str, game_id: str, boards: dict[str, Board], attempts: Sequence[Attempt]
    ) -> tuple[list[bool], list[Stored], dict[tuple[str, str], int]]:
        """Commits attempts to PostgreSQL, then publishes them: (new per attempt, rows changed, ranks)."""
        new, stored = await self.store.record(
            studio_id=studio_id,
            schema=tenant_schema(studio_id),
            game_id=game_id,
            operators={name: (b.operator, b.descending) for name, b in boards.items()},
            attempts=attempts,
            now=self.clock(),
        )
        return new, stored, await self._publish(studio_id, game_id, boards, stored)

    async def _publish(self, studio_id: str, game_id: str, boards: dict[str, Board], stored: Sequence[Stored]) -> dict[tuple[str, str], int]:
        """Writes committed rows to Redis and announces them on the bus, then confirms their outbox
        entries. Returns ranks by (board, player). If Redis is unreachable the change stays accepted:
        the relay applies and announces it later."""
        groups: dict[tuple[str, int], list[Stored]] = {}
        for s in stored:
            groups.setdefault((s.board, s.season), []).append(s)
        ranks: dict[tuple[str, str], int] = {}
        try:
            for (name, season), items in groups.items():
                applied = await self.ranks.apply(self.key(game_id, boards[name], season), [s.change for s in items])
                for s, rank in zip(items, applied, strict=True):
                    ranks[(name, s.change.player_id)] = rank
                await self._announce(studio_id, game_id, name, season, [s.change for s in items])
        except RedisError as exc:
            log.warning("score_redis_update_deferred", error=str(exc), changes=len(stored))
            return ranks
        self._confirmed += [s.outbox_seq for s in stored]
        return ranks

    async def _reserve_points(self, game_id: str, board: Board, player_id: str, points: int) -> tuple[str, int] | None:
        """Counts positive points against the board's per-minute ceiling; refuses what exceeds it.
        Returns what to give back if the change is not made: the minute's counter and the points."""
        if board.max_points_per_minute <= 0 or points <= 0:
            return None
        now = self.clock()
        key = f"pm:lbppm:{{{game_id}}}:{board.name}:{player_id}:{int(now.timestamp() // 60)}"
        if not await self._reserve(keys=[key], args=[points, board.max_points_per_minute]):
            raise _CeilingExceeded(retry_after=60 - now.timestamp() % 60)
        return key, points

    async def _release_points(self, reserved: tuple[str, int] | None) -> None:
        """Gives back a reservation, to the minute it was taken from (not the minute it is now)."""
        if reserved is not None:
            await self.redis.decrby(*reserved)

    # --- reads ---------------------------------------------------------------------------------

    async def top(self, studio_id: str, game_id: str, board: Board, season: Season, *, offset: int, count: int) -> Page:
        """Entries from ``offset``, best first. Archived seasons read PostgreSQL (their count is final);
        the current one reads Redis, with the players it has now."""
        current = await self.current_season(studio_id, game_id, board)
        if season.number != current.number:
            rows = await self.store.standings(
                tenant_schema(studio_id), game_id, board.name, season.number, descending=board.descending, offset=offset, limit=count
            )
            ranked = [Ranked(offset + i + 1, c.player_id, c.score, c.reach_time) for i, c in enumerate(rows)]
            return Page(await self._named(studio_id, game_id, ranked), 0, season)
        key = self.key(game_id, board, season.number)
        built, ranked, version, players = await self.ranks.page(key, offset, count)
        if not built:
            await self.rebuild(studio_id, game_id, board)
            _, ranked, version, players = await self.ranks.page(key, offset, count)
        return Page(await self._named(studio_id, game_id, ranked), version, dataclasses.replace(season, player_count=players))

    async def entry(self, studio_id: str, game_id: str, board: Board, player_id: str, *, season: int = 0) -> Entry:
        """The player's place on the board; NOT_FOUND without a score."""
        chosen = await self.season(studio_id, game_id, board, season)
        current = await self.current_season(studio_id, game_id, board)
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
        season = await self.current_season(studio_id, game_id, board)
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
        key = self.key(game_id, board, season)
        if self._built_until.get(key, 0) < time.monotonic():
            if not await self.ranks.is_built(key):
                await self.rebuild(studio_id, game_id, board)
            self._built_until[key] = time.monotonic() + 1.0
        return key

    # --- repair --------------------------------------------------------------------------------

    async def rebuild(self, studio_id: str, game_id: str, board: Board) -> int:
        """Writes the current season from PostgreSQL into Redis; returns the players restored. Safe
        while scores change: each row carries its version, and older versions never overwrite."""
        season = await self.current_season(studio_id, game_id, board)
        key = self.key(game_id, board, season.number)
        restored = 0
        async for chunk in self.store.all_scores(tenant_schema(studio_id), game_id, board.name, season.number):
            await self.ranks.apply(key, chunk)
            restored += len(chunk)
        await self.ranks.mark_built(key)
        log.info("leaderboard_rebuilt", game=game_id, leaderboard=board.name, season=season.number, players=restored)
        return restored

    async def flush_confirmed(self) -> int:
        """Drops the outbox entries whose Redis update is done (batched: one statement per flush)."""
        seqs, self._confirmed = self._confirmed, []
        if seqs:
            try:
                await self.store.delete_outbox(seqs)
            except Exception:
                self._confirmed += seqs  # try again next flush
                raise
        return len(seqs)

    async def relay_once(self) -> int:
        """Re-applies outbox entries that were not confirmed in time (their writer died or Redis was
        down), from the rows now in PostgreSQL. Returns how many it applied."""
        due = await self.store.due_outbox(self._outbox_delay, limit=RELAY_BATCH)
        groups: dict[tuple[str, str, str, int], list[str]] = {}
        for row in due:
            groups.setdefault((row["studio_id"], row["game_id"], row["leaderboard"], row["season"]), []).append(row["player_id"])
        for (studio_id, game_id, name, season), player_ids in groups.items():
            try:
                board = await self.board(studio_id, game_id, name)
            except (InvalidArgument, NotFound):  # the board or game is gone: nothing to show
                continue
            changes = [c for pid in dict.fromkeys(player_ids) if (c := await self.store.score(tenant_schema(studio_id), game_id, name, season, pid))]
            await self.ranks.apply(self.key(game_id, board, season), changes)
            await self._announce(studio_id, game_id, name, season, changes)
        await self.store.delete_outbox([row["seq"] for row in due])
        return len(due)

    async def _announce(self, studio_id: str, game_id: str, board: str, season: int, changes: Sequence[Change]) -> None:
        """Publishes ``score.updated`` for other services (at least once: the version tells a repeat)."""
        if not changes:
            return
        event = sb.ScoresUpdatedEvent(studio_id=studio_id, game_id=game_id, leaderboard=board, season=season)
        for c in changes:
            change = event.changes.add(player_id=c.player_id, score=c.score, version=c.version)
            change.reach_time.FromDatetime(c.reach_time)
        await self.bus.publish(SCORE_UPDATED, event.SerializeToString())

    async def run_outbox(self, stop: asyncio.Event, *, flush_seconds: float = 0.2, relay_seconds: float = 1.0) -> None:
        """Background job: confirms applied changes and relays the ones left behind."""
        next_relay = 0.0
        while not stop.is_set():
            try:
                await self.flush_confirmed()
                if time.monotonic() >= next_relay:
                    next_relay = time.monotonic() + relay_seconds
                    relayed = batch = await self.relay_once()
                    while batch >= RELAY_BATCH and not stop.is_set():  # a backlog (Redis was down): catch up now
                        batch = await self.relay_once()
                        relayed += batch
                    if relayed:
                        log.info("score_outbox_relayed", changes=relayed)
            except Exception as exc:  # noqa: BLE001 - PostgreSQL or Redis down: retry on the next round
                log.warning("score_outbox_failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), flush_seconds)
        await self.flush_confirmed()


class _CeilingExceeded(ResourceExhausted):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "this action would exceed the leaderboard's points per minute; it was refused and flagged",
            retry_after_seconds=max(retry_after, 0.1),
            reason=FLAG_POINTS_PER_MINUTE,
        )
