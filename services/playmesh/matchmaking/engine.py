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
- **Commit**: a match is written with one script that fails if any of its tickets was cancelled
  meanwhile. The other tickets go back into the pool, so a cancel racing a match ends in exactly one
  of the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable

from matchmaker_rs import Matchmaker, ModeRules
from playmesh.matchmaking import rules as mode_rules_of
from playmesh.matchmaking.store import EXPIRED, QUEUED, SEARCHING, TicketStore
from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.runtime.errors import NotFound
from playmesh.runtime.game_configs import GameConfigs
from playmesh.runtime.logging import get_logger

__all__ = ["Engine"]

log = get_logger(__name__)
_ACTIVE = (QUEUED, SEARCHING)
_STATS_SECONDS = 1.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def queue_stats(tickets: Iterable[mm.Ticket], recent: list[tuple[float, str, str]], now: float) -> list[mm.QueueStats]:
    """Figures per mode and region. A ticket counts in its lowest-latency region (where it will most
    likely play); waits are of the tickets waiting now."""
    waits: dict[tuple[str, str], list[float]] = defaultdict(list)
    players: Counter[tuple[str, str]] = Counter()
    for ticket in tickets:
        region = min(ticket.latencies, key=lambda r: (r.latency_ms, r.region)).region
        waits[ticket.mode, region].append(max(0.0, now - ticket.create_time.ToMilliseconds() / 1000))
        players[ticket.mode, region] += len(ticket.player_ids)
    matches = Counter((mode, region) for _, mode, region in recent)
    return [
        mm.QueueStats(
            mode=mode,
            region=region,
            queued_players=players[mode, region],
            wait_seconds_p50=_percentile(waits[mode, region], 0.5),
            wait_seconds_p95=_percentile(waits[mode, region], 0.95),
            matches_per_minute=matches[mode, region],
        )
        for mode, region in sorted(set(waits) | set(matches))
    ]


@dataclasses.dataclass
class _GamePool:
    rules: dict[str, ModeRules]
    matchmaker: Matchmaker
    cursor: str
    tickets: dict[str, mm.Ticket]
    # (time, mode, region) of the matches formed in the last minute, for queue stats.
    recent: list[tuple[float, str, str]] = dataclasses.field(default_factory=list)
    stats_written: float = 0.0


class Engine:
    def __init__(self, store: TicketStore, configs: GameConfigs, *, tick_seconds: float = 0.1, instance: str | None = None) -> None:
        self.store = store
        self.configs = configs
        self.tick_seconds = tick_seconds
        self.instance = instance or uuid.uuid4().hex
        self.lease_ms = max(1000, int(tick_seconds * 1000 * 10))
        self.pools: dict[str, _GamePool] = {}

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await self.tick_all()
            except Exception as exc:
                log.exception("matchmaker_tick_failed", error=str(exc))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, self.tick_seconds - (time.monotonic() - started)))

    async def tick_all(self) -> None:
        for game in await self.store.games():
            if not await self.store.hold_lease(game, self.instance, self.lease_ms):
                self.pools.pop(game, None)
                continue
            await self.tick_game(game)

    async def _rules(self, game: str) -> dict[str, ModeRules]:
        studio_id, game_id = game.split(":", 1)
        config = await self.configs.get(studio_id, game_id)
        return {m.name: mode_rules_of.mode_rules(game, m) for m in config.modes}

    async def _load(self, game: str, rules: dict[str, ModeRules]) -> _GamePool:
        cursor = await self.store.inbox_tail(game)  # before the snapshot: later events are replayed
        pool = _GamePool(rules, Matchmaker(list(rules.values())), cursor, {})
        ids = await self.store.active_ids(game)
        for stored in await self.store.get_many(game, ids):
            if stored is not None and stored.ticket.state in _ACTIVE:
                self._enqueue(pool, stored.ticket)
        log.info("matchmaker_pool_loaded", game=game, tickets=len(pool.tickets))
        return pool

    @staticmethod
    def _enqueue(pool: _GamePool, ticket: mm.Ticket) -> None:
        if ticket.id in pool.tickets or ticket.mode not in pool.rules:
            return
        players = list(zip(ticket.player_ids, ticket.player_ratings, strict=True))
        pool.matchmaker.enqueue(
            ticket.id,
            pool.rules[ticket.mode].game,
            ticket.mode,
            players,
            [(r.region, r.latency_ms) for r in ticket.latencies],
            ticket.create_time.ToMilliseconds() / 1000,
        )
        pool.tickets[ticket.id] = ticket

    async def tick_game(self, game: str) -> None:
        try:
            rules = await self._rules(game)
        except NotFound:
            return
        pool = self.pools.get(game)
        if pool is None or pool.rules != rules:
            pool = self.pools[game] = await self._load(game, rules)
        fresh: list[str] = []
        events = await self.store.inbox_since(game, pool.cursor)
        if events:
            pool.cursor = events[-1][0]
            adds = [ticket_id for _, op, ticket_id in events if op == "add" and ticket_id not in pool.tickets]
            for stored in await self.store.get_many(game, adds):
                if stored is not None and stored.ticket.state in _ACTIVE:
                    self._enqueue(pool, stored.ticket)
                    fresh.append(stored.ticket.id)
            for _, op, ticket_id in events:
                if op == "cancel" and pool.tickets.pop(ticket_id, None) is not None:
                    pool.matchmaker.cancel(ticket_id)
        await self.store.mark_searching(game, fresh)
        now = time.time()
        result = pool.matchmaker.tick(now)
        for ticket_id in result.expired:
            pool.tickets.pop(ticket_id, None)
            await self.store.finish(game, ticket_id, EXPIRED)
        for found in result.matches:
            await self._commit(game, pool, found, now)
        pool.recent = [r for r in pool.recent if r[0] > now - 60]
        if now - pool.stats_written >= _STATS_SECONDS:
            pool.stats_written = now
            await self.store.write_stats(game, queue_stats(pool.tickets.values(), pool.recent, now), ttl_seconds=int(_STATS_SECONDS * 10))
        if not pool.tickets and await self.store.retire_if_empty(game):
            self.pools.pop(game, None)

    async def _commit(self, game: str, pool: _GamePool, found: object, now: float) -> None:
        ids = [ticket_id for team in found.teams for ticket_id in team]  # type: ignore[attr-defined]
        tickets = {ticket_id: pool.tickets[ticket_id] for ticket_id in ids}
        match = mm.Match(
            id=str(uuid.uuid4()),
            game_id=game.split(":", 1)[1],
            mode=found.mode,  # type: ignore[attr-defined]
            region=found.region,  # type: ignore[attr-defined]
            quality=found.quality,  # type: ignore[attr-defined]
        )
        match.create_time.FromMilliseconds(int(now * 1000))
        for index, team in enumerate(found.teams):  # type: ignore[attr-defined]
            members = [
                mm.MatchPlayer(player_id=player, ticket_id=t, rating=rating)
                for t in team
                for player, rating in zip(tickets[t].player_ids, tickets[t].player_ratings, strict=True)
            ]
            match.teams.add(index=index, players=members, rating_sum=sum(p.rating for p in members))
        outcome = await self.store.commit(game, self.instance, match, ids)
        if outcome == "ok":
            for ticket_id in ids:
                pool.tickets.pop(ticket_id, None)
            pool.recent.append((now, match.mode, match.region))
            return
        if outcome == "lease":
            self.pools.pop(game, None)
            return
        # A ticket of the match was cancelled meanwhile: the cancel wins; the others wait again.
        pool.tickets.pop(outcome, None)
        for ticket_id in ids:
            if ticket_id != outcome:
                ticket = pool.tickets.pop(ticket_id)
                self._enqueue(pool, ticket)
        log.info("match_withdrawn", game=game, cancelled=outcome)
