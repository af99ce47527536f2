"""The tick loop. Every tick interval, for each game with active tickets, the instance that holds the
game's lease in Redis runs the Rust matchmaker on its in-memory pool and commits the results to Redis.

- **Leases** split games across matchmaker instances; a lease lives 10 ticks (at least 1 s) beyond
  its last renewal.
  So when an instance dies, another takes its games over within a second, and no game is ever ticked
  by two instances at once. Every commit re-checks the lease atomically, so even a paused instance
  cannot commit after losing it.
- **Rebuild**: on taking a game, the instance notes the inbox's tail and loads every active ticket
  from Redis. Nothing queued is lost when a matchmaker is killed.
- **Inbox**: creates and cancels from any instance reach the lease holder through the game's stream.
- **Off the event loop**: the pool's work (decoding the new tickets, the tick, encoding the matches
  and the commit payload) runs on a worker thread with the GIL released (``Matchmaker.enqueue_encoded``
  and ``tick_encoded``); the loop thread only talks to Redis. One lock per pool serializes the calls
  on its matchmaker.
- **Commit**: one round trip per tick (``TicketStore.commit_tick``); a match with a ticket cancelled
  meanwhile is not written, and its other tickets go back into the pool, so a cancel racing a match
  ends in exactly one of the two. Matches then reach the bus from the game's outbox (``relay``).
- **Isolation**: a game that fails (rules its configuration cannot run with, Redis refusing its
  commit, anything else) is logged, counted in ``playmesh_matchmaker_game_failures_total{reason}`` and
  skipped until the next tick; the other games keep ticking.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import time
import uuid
from collections import Counter

from prometheus_client import Counter as MetricCounter
from redis.exceptions import RedisError

from matchmaker_rs import EncodedTick, Matchmaker, ModeRules
from playmesh.matchmaking import rules as mode_rules_of
from playmesh.matchmaking.store import TicketStore
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.runtime.errors import NotFound
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.logging import get_logger

__all__ = ["GAME_FAILURES", "Engine", "InvalidRules"]

log = get_logger(__name__)
_STATS_SECONDS = 1.0
_FAILURE_LOG_SECONDS = 60.0  # a game failing every tick is logged again this often
CHUNK_TICKETS = 2000  # tickets per commit script call: Redis serves other clients between calls

GAME_FAILURES = MetricCounter("playmesh_matchmaker_game_failures", "Ticks of one game that failed and were skipped (the other games kept ticking)", ["reason"])


class InvalidRules(Exception):
    """The game's configuration has mode settings the matchmaker cannot run with (it was written
    around core's validation)."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, InvalidRules):
        return "invalid_rules"
    if isinstance(exc, RedisError | OSError):
        return "redis"
    return "error"


@dataclasses.dataclass
class _GamePool:
    rules: dict[str, ModeRules]
    matchmaker: Matchmaker
    cursor: str
    # Serializes the calls on ``matchmaker`` (one may be running on the worker thread).
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    # (time, [(mode, region, matches)]) of the ticks of the last minute, for queue stats.
    recent: collections.deque[tuple[float, list[tuple[str, str, int]]]] = dataclasses.field(default_factory=collections.deque)
    stats_written: float = 0.0
    # Outbox entries relayed to the bus, trimmed by the next commit.
    relayed: int = 0


def _tick(pool: _GamePool, game: str, adds: list[bytes], cancels: list[str], now: float) -> tuple[list[tuple[str, str]], EncodedTick]:
    """The pool's work of one tick; runs on a worker thread."""
    refused = pool.matchmaker.enqueue_encoded(game, adds)
    for ticket_id in cancels:
        pool.matchmaker.cancel(ticket_id)
    return refused, pool.matchmaker.tick_encoded(now, game.split(":", 1)[1], CHUNK_TICKETS)


class Engine:
    def __init__(self, store: TicketStore, configs: GameConfigs, *, tick_seconds: float = 0.1, instance: str | None = None) -> None:
        self.store = store
        self.configs = configs
        self.tick_seconds = tick_seconds
        self.instance = instance or uuid.uuid4().hex
        self.lease_ms = max(1000, int(tick_seconds * 1000 * 10))
        self.pools: dict[str, _GamePool] = {}
        self._failing: dict[str, tuple[str, float]] = {}  # game → (reason, when last logged)
        self._tick_failure_logged = float("-inf")

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await self.tick_all()
            except Exception as exc:  # the list of games itself could not be read (Redis down)
                # Once a minute at most: while Redis is down this fails every tick.
                if time.monotonic() - self._tick_failure_logged >= 60:
                    self._tick_failure_logged = time.monotonic()
                    log.exception("matchmaker_tick_failed", error=str(exc))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, self.tick_seconds - (time.monotonic() - started)))

    async def tick_all(self) -> None:
        for game in await self.store.games():
            try:
                if not await self.store.hold_lease(game, self.instance, self.lease_ms):
                    self.pools.pop(game, None)
                    continue
                await self.tick_game(game)
            except Exception as exc:  # noqa: BLE001 - one game's failure must not stop the others
                self._failed(game, exc)
            else:
                if self._failing.pop(game, None) is not None:
                    log.info("matchmaker_game_recovered", game=game)

    def _failed(self, game: str, exc: Exception) -> None:
        reason = _reason(exc)
        GAME_FAILURES.labels(reason=reason).inc()
        self.pools.pop(game, None)  # rebuilt from Redis once the game ticks again
        before = self._failing.get(game)
        now = time.monotonic()
        if before is None or before[0] != reason or now - before[1] >= _FAILURE_LOG_SECONDS:
            self._failing[game] = (reason, now)
            log.error("matchmaker_game_failed", game=game, reason=reason, error=str(exc), exc_info=reason == "error")

    async def _rules(self, game: str) -> dict[str, ModeRules]:
        studio_id, game_id = game.split(":", 1)
        config = await self.configs.get(studio_id, game_id)
        rules = {m.name: mode_rules_of.mode_rules(game, m) for m in config.modes}
        problems = [f"{name}: {field} {why}" for name, r in rules.items() for field, why in r.validate()]
        if problems:
            raise InvalidRules("; ".join(problems))
        return rules

    async def _load(self, game: str, rules: dict[str, ModeRules]) -> _GamePool:
        cursor = await self.store.inbox_tail(game)  # before the snapshot: later events are replayed
        pool = _GamePool(rules, Matchmaker(list(rules.values())), cursor)
        tickets = await self.store.active_tickets(game)
        refused = await asyncio.to_thread(pool.matchmaker.enqueue_encoded, game, tickets)
        self._refused(game, refused)
        log.info("matchmaker_pool_loaded", game=game, tickets=len(pool.matchmaker))
        return pool

    @staticmethod
    def _refused(game: str, refused: list[tuple[str, str]]) -> None:
        # Unknown modes (a mode removed from the configuration) and tickets the core cannot match.
        if refused:
            log.warning("matchmaker_tickets_refused", game=game, count=len(refused), first=refused[:3])

    async def tick_game(self, game: str) -> None:
        try:
            rules = await self._rules(game)
        except NotFound:
            return
        pool = self.pools.get(game)
        if pool is None or pool.rules != rules:
            pool = self.pools[game] = await self._load(game, rules)
        async with pool.lock:
            pool.cursor, adds, cancels = await self.store.inbox_batch(game, pool.cursor)
            now = time.time()
            refused, tick = await asyncio.to_thread(_tick, pool, game, adds, cancels, now)
            self._refused(game, refused)
            chunks = tick.chunks
            if chunks:
                outcome = await self.store.commit_tick(game, self.instance, chunks, relayed=pool.relayed)
                if outcome.lease_lost:
                    self.pools.pop(game, None)
                    return
                pool.relayed = 0  # trimmed by this commit
                for cancelled, *others in outcome.refused:
                    # A ticket of the match was cancelled meanwhile: the cancel wins; the others wait again.
                    pool.matchmaker.requeue(others)
                    log.info("match_withdrawn", game=game, cancelled=cancelled)
                pool.relayed = await self.store.relay(outcome.outbox)
            if tick.match_counts:
                pool.recent.append((now, tick.match_counts))
            await self._write_stats(game, pool, now)
            empty = len(pool.matchmaker) == 0
        if empty and await self.store.retire_if_empty(game):
            self.pools.pop(game, None)

    async def _write_stats(self, game: str, pool: _GamePool, now: float) -> None:
        """Queue figures per mode and region, every second: the tickets waiting now, and the matches
        formed in the last minute."""
        if now - pool.stats_written < _STATS_SECONDS:
            return
        pool.stats_written = now
        while pool.recent and pool.recent[0][0] <= now - 60:
            pool.recent.popleft()
        matches: Counter[tuple[str, str]] = Counter()
        for _, counts in pool.recent:
            for mode, region, n in counts:
                matches[mode, region] += n
        waiting = {(mode, region): (players, p50, p95) for mode, region, players, p50, p95 in await asyncio.to_thread(pool.matchmaker.queue_stats, now)}
        stats = [
            mm.QueueStats(
                mode=mode,
                region=region,
                queued_players=waiting.get((mode, region), (0, 0.0, 0.0))[0],
                wait_seconds_p50=waiting.get((mode, region), (0, 0.0, 0.0))[1],
                wait_seconds_p95=waiting.get((mode, region), (0, 0.0, 0.0))[2],
                matches_per_minute=matches[mode, region],
            )
            for mode, region in sorted(set(waiting) | set(matches))
        ]
        await self.store.write_stats(game, stats, ttl_seconds=int(_STATS_SECONDS * 10))
