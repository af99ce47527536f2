"""Score changes: a player's actions at the prices of the game's action table (never the client's),
and trusted game-server batches, each committed with its outbox entry.

A change is committed to PostgreSQL first (score log, current score, outbox entry: one
transaction), then written to Redis from the committed row, then its outbox entry is dropped. If the
writer dies in between, the relay re-applies the entry from PostgreSQL after
``outbox_delay``; Redis updates carry the row's version, so a late or repeated one never moves a
score back. Knows nothing of gRPC.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from playmesh.runtime.bus import EventBus
from playmesh.runtime.errors import InvalidArgument, NotFound, ResourceExhausted
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.tables import tenant_schema
from playmesh.scoreboard.batching import GroupCommit
from playmesh.scoreboard.ranks import Change, Ranks
from playmesh.scoreboard.reads import Entry, ScoreReader
from playmesh.scoreboard.seasons import Board, Seasons
from playmesh.scoreboard.store import Attempt, ScoreStore, Stored
from playmesh.scoreboard.v1 import scoreboard_pb2 as sb

__all__ = ["FLAG_POINTS_PER_MINUTE", "SCORE_UPDATED", "ScoreOutcome", "ScoreWriter"]

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


@dataclasses.dataclass(frozen=True, slots=True)
class ScoreOutcome:
    accepted: bool
    reason: str = ""


class ScoreWriter:
    def __init__(
        self,
        redis: Redis,
        store: ScoreStore,
        ranks: Ranks,
        configs: GameConfigs,
        seasons: Seasons,
        reads: ScoreReader,
        bus: EventBus,
        *,
        outbox_delay_seconds: float = 5.0,
    ) -> None:
        self.redis = redis
        self.store = store
        self.ranks = ranks
        self.configs = configs
        self.seasons = seasons
        self.reads = reads
        self.bus = bus
        self._reserve = redis.register_script(_RESERVE)
        self._outbox_delay = dt.timedelta(seconds=outbox_delay_seconds)
        self._confirmed: list[int] = []
        self._actions: GroupCommit[tuple[Board, Attempt], tuple[bool, Change | None, int]] = GroupCommit(self._commit_actions)

    async def submit_action(self, *, studio_id: str, game_id: str, player_id: str, board_name: str, action: str, request_id: str, ip: str) -> tuple[int, Entry]:
        """Applies a player's action at the price the game's action table sets. Returns (points, entry)."""
        config = await self.configs.get(studio_id, game_id)
        board = await self.seasons.board(studio_id, game_id, board_name)
        prices = {a.action: a.points for a in config.actions}
        if action not in prices:
            known = ", ".join(sorted(prices)) or "none configured"
            raise InvalidArgument.single("action", f"is not an action of this game ({known})")
        points = prices[action]
        season = await self.seasons.current_season(studio_id, game_id, board)
        attempt = Attempt(board.name, season.number, player_id, points, request_id, sb.SCORE_SOURCE_ACTION, action, ip)
        schema = tenant_schema(studio_id)
        if request_id:
            previous = await self.store.logged(schema, game_id, player_id, request_id)
            if previous is not None:
                return await self._replay(studio_id, game_id, board, previous, attempt)
        try:
            reserved = await self._reserve_points(game_id, board, player_id, points)
        except _CeilingExceeded:
            await self.store.refuse(schema=schema, game_id=game_id, attempt=attempt, reason=FLAG_POINTS_PER_MINUTE, now=self.seasons.clock())
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
        name = (await self.reads.display_names(studio_id, game_id, [player_id])).get(player_id, "")
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
        entry = await self.reads.entry(studio_id, game_id, board, attempt.player_id, season=previous.season)
        return int(previous.points), entry

    async def submit_scores(self, *, studio_id: str, game_id: str, updates: Sequence[tuple[str, str, int, str]], ip: str) -> list[ScoreOutcome]:
        """Applies trusted scores (board, player id, score, request id) from a game server, combined by
        each board's operator. Unknown boards and players of other games are refused per update; the
        rest are applied together."""
        boards = {b.name: b for b in await self.seasons.boards(studio_id, game_id)}
        seasons = {}
        for name in {u[0] for u in updates} & boards.keys():
            seasons[name] = (await self.seasons.current_season(studio_id, game_id, boards[name])).number
        players = await self.reads.display_names(studio_id, game_id, list({u[1] for u in updates}))  # this game's players only
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
            now=self.seasons.clock(),
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
                applied = await self.ranks.apply(self.seasons.key(game_id, boards[name], season), [s.change for s in items])
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
        now = self.seasons.clock()
        key = f"pm:lbppm:{{{game_id}}}:{board.name}:{player_id}:{int(now.timestamp() // 60)}"
        if not await self._reserve(keys=[key], args=[points, board.max_points_per_minute]):
            raise _CeilingExceeded(retry_after=60 - now.timestamp() % 60)
        return key, points

    async def _release_points(self, reserved: tuple[str, int] | None) -> None:
        """Gives back a reservation, to the minute it was taken from (not the minute it is now)."""
        if reserved is not None:
            await self.redis.decrby(*reserved)

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
                board = await self.seasons.board(studio_id, game_id, name)
            except (InvalidArgument, NotFound):  # the board or game is gone: nothing to show
                continue
            changes = [c for pid in dict.fromkeys(player_ids) if (c := await self.store.score(tenant_schema(studio_id), game_id, name, season, pid))]
            await self.ranks.apply(self.seasons.key(game_id, board, season), changes)
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
