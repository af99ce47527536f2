"""Tickets, durable in Redis. Every state change is one Lua script, so a ticket is in exactly one state
and a cancel racing a match ends in exactly one of the two.

Keys (``{g}`` is ``<studio>:<game>``, in braces so a Redis Cluster keeps a game on one slot):

- ``pm:mm:{g}:t:<id>``: hash with ``base`` (the Ticket proto as created), ``state``, ``match`` (Match
  proto, once matched), ``update_ms``, ``players`` (space-separated);
- ``pm:mm:{g}:p:<player>``: the player's active ticket (one at a time);
- ``pm:mm:{g}:queue``: sorted set of active ticket ids by creation time;
- ``pm:mm:{g}:inbox``: stream of ``add``/``cancel`` events, read by the instance holding the game's lease;
- ``pm:mm:{g}:lease``: which matchmaker instance ticks this game;
- ``pm:mm:{g}:stats``: queue figures per mode and region, written by the lease holder every second;
- ``pm:mm:games``: set of games with active tickets;
- ``pm:mm:ticket:<id>``: pub/sub channel poked on every change (WatchTicket wakes on it).
"""

from __future__ import annotations

import dataclasses
import time

from redis.asyncio import Redis

from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.runtime.bus import stream_key

__all__ = ["TERMINAL", "StoredTicket", "TicketStore", "game_key"]

QUEUED, SEARCHING, MATCHED, CANCELLED, EXPIRED = (
    mm.TICKET_STATE_QUEUED,
    mm.TICKET_STATE_SEARCHING,
    mm.TICKET_STATE_MATCHED,
    mm.TICKET_STATE_CANCELLED,
    mm.TICKET_STATE_EXPIRED,
)
TERMINAL = frozenset({MATCHED, CANCELLED, EXPIRED})
_KEEP_FINISHED_SECONDS = 3600  # finished tickets stay readable this long
MATCH_FOUND = "match.found"


def game_key(studio_id: str, game_id: str) -> str:
    return f"{studio_id}:{game_id}"


def _prefix(game: str) -> str:
    return f"pm:mm:{{{game}}}"


# KEYS: ticket, queue, inbox, games set, then one active key per player. ARGV: id, base, now_ms, game,
# players (space-separated). Returns {'ok'} or {'exists', <ticket id>}.
_CREATE = """
for i = 5, #KEYS do
  local existing = redis.call('GET', KEYS[i])
  if existing then return {'exists', existing} end
end
for i = 5, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
redis.call('HSET', KEYS[1], 'base', ARGV[2], 'state', '1', 'update_ms', ARGV[3], 'players', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'op', 'add', 'id', ARGV[1])
redis.call('SADD', KEYS[4], ARGV[4])
return {'ok'}
"""

# Ends an active ticket. KEYS: ticket, queue, inbox. ARGV: id, new state, now_ms, player key prefix,
# keep seconds. Returns {'ok'} or {'state', <current state>}.
_FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state ~= '1' and state ~= '2' then return {'state', state} end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'update_ms', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[1])
for player in string.gmatch(redis.call('HGET', KEYS[1], 'players'), '%S+') do
  local key = ARGV[4] .. player
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'op', 'cancel', 'id', ARGV[1])
redis.call('PUBLISH', 'pm:mm:ticket:' .. ARGV[1], ARGV[2])
return {'ok'}
"""

# Commits a match. KEYS: lease, queue, bus stream, then the tickets. ARGV: instance, match bytes, now_ms,
# player key prefix, keep seconds, then the ticket ids. Returns {'ok'}, {'lease'} or {'conflict', id}.
_COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lease'} end
for i = 4, #KEYS do
  local state = redis.call('HGET', KEYS[i], 'state')
  if state ~= '1' and state ~= '2' then return {'conflict', ARGV[i + 2]} end
end
for i = 4, #KEYS do
  local id = ARGV[i + 2]
  redis.call('HSET', KEYS[i], 'state', '3', 'match', ARGV[2], 'update_ms', ARGV[3])
  redis.call('EXPIRE', KEYS[i], ARGV[5])
  redis.call('ZREM', KEYS[2], id)
  for player in string.gmatch(redis.call('HGET', KEYS[i], 'players'), '%S+') do
    local key = ARGV[4] .. player
    if redis.call('GET', key) == id then redis.call('DEL', key) end
  end
  redis.call('PUBLISH', 'pm:mm:ticket:' .. id, '3')
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '1000000', '*', 'payload', ARGV[2])
return {'ok'}
"""

# Marks tickets SEARCHING (those still QUEUED). KEYS: tickets. ARGV: now_ms, then ids.
_SEARCHING = """
for i = 1, #KEYS do
  if redis.call('HGET', KEYS[i], 'state') == '1' then
    redis.call('HSET', KEYS[i], 'state', '2', 'update_ms', ARGV[1])
    redis.call('PUBLISH', 'pm:mm:ticket:' .. ARGV[i + 1], '2')
  end
end
return #KEYS
"""

# Takes or renews a lease. KEYS: lease. ARGV: instance, ttl ms. Returns 1 when held.
_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# Forgets a game with no active tickets. KEYS: queue, games set. ARGV: game.
_RETIRE = """
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0
"""


@dataclasses.dataclass(frozen=True, slots=True)
class StoredTicket:
    ticket: mm.Ticket  # with state and match merged in
    update_ms: int


def _now_ms() -> int:
    return int(time.time() * 1000)


class TicketStore:
    GAMES = "pm:mm:games"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._create = redis.register_script(_CREATE)
        self._finish = redis.register_script(_FINISH)
        self._commit = redis.register_script(_COMMIT)
        self._searching = redis.register_script(_SEARCHING)
        self._lease = redis.register_script(_LEASE)
        self._retire = redis.register_script(_RETIRE)

    @staticmethod
    def ticket_key(game: str, ticket_id: str) -> str:
        return f"{_prefix(game)}:t:{ticket_id}"

    @staticmethod
    def player_prefix(game: str) -> str:
        return f"{_prefix(game)}:p:"

    @staticmethod
    def queue_key(game: str) -> str:
        return f"{_prefix(game)}:queue"

    @staticmethod
    def inbox_key(game: str) -> str:
        return f"{_prefix(game)}:inbox"

    @staticmethod
    def lease_key(game: str) -> str:
        return f"{_prefix(game)}:lease"

    async def create(self, game: str, ticket: mm.Ticket) -> str | None:
        """Stores a new ticket; returns the id of the player's existing active ticket instead, if any."""
        players = list(ticket.player_ids)
        keys = [self.ticket_key(game, ticket.id), self.queue_key(game), self.inbox_key(game), self.GAMES]
        keys += [self.player_prefix(game) + p for p in players]
        result = await self._create(keys=keys, args=[ticket.id, ticket.SerializeToString(), _now_ms(), game, " ".join(players)])
        return result[1].decode() if result[0] == b"exists" else None

    _FIELDS = ("base", "state", "match", "update_ms")

    @staticmethod
    def _parse(values: list[bytes | None]) -> StoredTicket | None:
        """A ticket from its hash fields, with the stored state and match merged into the proto."""
        base, state, match, update_ms = values
        if base is None or state is None or update_ms is None:
            return None
        ticket = mm.Ticket.FromString(base)
        ticket.state = int(state)  # type: ignore[assignment]
        if match:
            ticket.match.CopyFrom(mm.Match.FromString(match))
        ticket.update_time.FromMilliseconds(int(update_ms))
        return StoredTicket(ticket, int(update_ms))

    async def get(self, game: str, ticket_id: str) -> StoredTicket | None:
        return self._parse(await self.redis.hmget(self.ticket_key(game, ticket_id), self._FIELDS))

    async def get_many(self, game: str, ticket_ids: list[str]) -> list[StoredTicket | None]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for ticket_id in ticket_ids:
                pipe.hmget(self.ticket_key(game, ticket_id), self._FIELDS)
            rows = await pipe.execute()
        return [self._parse(values) for values in rows]

    async def finish(self, game: str, ticket_id: str, state: int) -> int | None:
        """Ends an active ticket (CANCELLED or EXPIRED); returns None, or the state it was already in."""
        keys = [self.ticket_key(game, ticket_id), self.queue_key(game), self.inbox_key(game)]
        result = await self._finish(keys=keys, args=[ticket_id, state, _now_ms(), self.player_prefix(game), _KEEP_FINISHED_SECONDS])
        if result[0] == b"ok":
            return None
        return int(result[1]) if result[0] == b"state" else 0

    async def commit(self, game: str, instance: str, match: mm.Match, ticket_ids: list[str]) -> str:
        """Marks the tickets MATCHED and publishes match.found, atomically: 'ok', 'lease' (lost), or the
        id of a ticket that is no longer active."""
        keys = [self.lease_key(game), self.queue_key(game), stream_key(MATCH_FOUND)] + [self.ticket_key(game, t) for t in ticket_ids]
        args = [instance, match.SerializeToString(), _now_ms(), self.player_prefix(game), _KEEP_FINISHED_SECONDS, *ticket_ids]
        result = await self._commit(keys=keys, args=args)
        tag = result[0].decode()
        return result[1].decode() if tag == "conflict" else tag

    async def mark_searching(self, game: str, ticket_ids: list[str]) -> None:
        if ticket_ids:
            await self._searching(keys=[self.ticket_key(game, t) for t in ticket_ids], args=[_now_ms(), *ticket_ids])

    async def hold_lease(self, game: str, instance: str, ttl_ms: int) -> bool:
        return bool(await self._lease(keys=[self.lease_key(game)], args=[instance, ttl_ms]))

    async def retire_if_empty(self, game: str) -> bool:
        return bool(await self._retire(keys=[self.queue_key(game), self.GAMES], args=[game]))

    @staticmethod
    def stats_key(game: str) -> str:
        return f"{_prefix(game)}:stats"

    async def write_stats(self, game: str, stats: list[mm.QueueStats], *, ttl_seconds: int) -> None:
        """Replaces the game's queue figures (they vanish when no instance ticks the game)."""
        key = self.stats_key(game)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if stats:
                pipe.hset(key, mapping={f"{s.mode}|{s.region}": s.SerializeToString() for s in stats})
                pipe.expire(key, ttl_seconds)
            await pipe.execute()

    async def read_stats(self, game: str) -> list[mm.QueueStats]:
        rows = await self.redis.hgetall(self.stats_key(game))
        return sorted((mm.QueueStats.FromString(v) for v in rows.values()), key=lambda s: (s.mode, s.region))

    async def games(self) -> list[str]:
        return sorted(g.decode() for g in await self.redis.smembers(self.GAMES))

    async def active_ids(self, game: str) -> list[str]:
        return [i.decode() for i in await self.redis.zrange(self.queue_key(game), 0, -1)]

    async def inbox_tail(self, game: str) -> str:
        last = await self.redis.xrevrange(self.inbox_key(game), count=1)
        return last[0][0].decode() if last else "0-0"

    async def inbox_since(self, game: str, cursor: str) -> list[tuple[str, str, str]]:
        """(event id, op, ticket id) after ``cursor``."""
        rows = await self.redis.xrange(self.inbox_key(game), min=f"({cursor}", max="+", count=10000)
        return [(i.decode(), f[b"op"].decode(), f[b"id"].decode()) for i, f in rows]
