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
- ``pm:mm:{g}:outbox``: list of committed Match protos not yet published as ``match.found``;
- ``pm:mm:games``: set of games with active tickets;
- ``pm:mm:ticket:<id>``: pub/sub channel poked on every change (WatchTicket wakes on it).

Every script's keys are in its game's slot (``{g}``), so a Redis Cluster can run it. A script may also
build keys of its own game from a prefix it is given (ticket and player keys): same slot. The one
exception is the bus stream of ``match.found``, which is not a game's: a tick commits its matches into
the game's outbox (same slot, same script as the tickets), then ``relay`` appends them to the bus
stream in a second call (the stream's slot) and the next commit trims what was relayed. A crash
between the two publishes the same matches again: at least once, and consumers are idempotent by
match id.

A tick commits in one round trip (``commit_tick``): a pipeline of one script call per part of the
payload ``Matchmaker.tick_encoded`` wrote (matches, expiries, and fresh tickets to mark SEARCHING),
so Redis serves other clients between parts. Each match is checked and applied on its own, as before:
if one of its tickets is no longer active (a cancel won the race), the match is not written and its
other tickets go back to the pool.
"""

from __future__ import annotations

import dataclasses
import time

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from playmesh.matchmaking.v1 import matchmaking_pb2 as mm
from playmesh.runtime.bus import stream_key

__all__ = ["TERMINAL", "StoredTicket", "TickCommit", "TicketStore", "game_key"]

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


# KEYS: ticket, queue, inbox, then one active key per player. ARGV: id, base, now_ms, game,
# players (space-separated). Returns {'ok'} or {'exists', <ticket id>}.
_CREATE = """
for i = 4, #KEYS do
  local existing = redis.call('GET', KEYS[i])
  if existing then return {'exists', existing} end
end
for i = 4, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
redis.call('HSET', KEYS[1], 'base', ARGV[2], 'state', '1', 'update_ms', ARGV[3], 'players', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'op', 'add', 'id', ARGV[1])
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

# Commits one part of a tick (see the module docstring). KEYS: lease, queue, outbox. ARGV: instance,
# now_ms, keep seconds, ticket key prefix, player key prefix, part (MessagePack, written by
# matchmaker_rs), outbox entries to trim first (relayed by the last tick), expired state, '1' to return
# the outbox. Returns {'lease'} or {'ok', outbox (MessagePack list of Match bytes, or ''), then one
# {cancelled id, other ids...} per match not written}.
_COMMIT_PART = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lease'} end
if tonumber(ARGV[7]) > 0 then redis.call('LTRIM', KEYS[3], ARGV[7], -1) end
local now, keep, tp, pp = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local part = cmsgpack.unpack(ARGV[6])
local refused, committed = {}, {}
local function active(id)
  local state = redis.call('HGET', tp .. id, 'state')
  return state == '1' or state == '2'
end
local function release(players)
  if #players == 0 then return end
  local keys = {}
  for i, player in ipairs(players) do keys[i] = pp .. player end
  redis.call('DEL', unpack(keys))
end
for _, m in ipairs(part[1]) do
  local ids, cancelled = m[2], nil
  for _, id in ipairs(ids) do
    if not active(id) then cancelled = id break end
  end
  if cancelled then
    local others = {cancelled}
    for _, id in ipairs(ids) do if id ~= cancelled then others[#others + 1] = id end end
    refused[#refused + 1] = others
  else
    for _, id in ipairs(ids) do
      redis.call('HSET', tp .. id, 'state', '3', 'match', m[1], 'update_ms', now)
      redis.call('EXPIRE', tp .. id, keep)
      redis.call('PUBLISH', 'pm:mm:ticket:' .. id, '3')
    end
    redis.call('ZREM', KEYS[2], unpack(ids))
    release(m[3])  -- an active ticket's players' keys point at it
    committed[#committed + 1] = m[1]
  end
end
for _, e in ipairs(part[2]) do
  if active(e[1]) then
    redis.call('HSET', tp .. e[1], 'state', ARGV[8], 'update_ms', now)
    redis.call('EXPIRE', tp .. e[1], keep)
    redis.call('ZREM', KEYS[2], e[1])
    release(e[2])
    redis.call('PUBLISH', 'pm:mm:ticket:' .. e[1], ARGV[8])
  end
end
for _, id in ipairs(part[3]) do
  if redis.call('HGET', tp .. id, 'state') == '1' then
    redis.call('HSET', tp .. id, 'state', '2', 'update_ms', now)
    redis.call('PUBLISH', 'pm:mm:ticket:' .. id, '2')
  end
end
if #committed > 0 then redis.call('RPUSH', KEYS[3], unpack(committed)) end
local outbox = ''
if ARGV[9] == '1' then
  local pending = redis.call('LRANGE', KEYS[3], 0, -1)
  if #pending > 0 then outbox = cmsgpack.pack(pending) end
end
local reply = {'ok', outbox}
for _, r in ipairs(refused) do reply[#reply + 1] = r end
return reply
"""

# Publishes committed matches on the bus. KEYS: the match.found stream. ARGV: max length, MessagePack
# list of Match bytes. Returns how many.
_RELAY = """
local payloads = cmsgpack.unpack(ARGV[2])
for _, payload in ipairs(payloads) do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'payload', payload)
end
return #payloads
"""

# New inbox events. KEYS: inbox. ARGV: cursor (exclusive), count, ticket key prefix. Returns {last
# event id or '', {Ticket bytes of added tickets still active}, {cancelled ticket ids}, events read}.
_INBOX = """
local rows = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
local adds, cancels = {}, {}
for _, row in ipairs(rows) do
  local f = row[2]
  local op, id
  for i = 1, #f, 2 do
    if f[i] == 'op' then op = f[i + 1] elseif f[i] == 'id' then id = f[i + 1] end
  end
  if op == 'add' then
    local t = redis.call('HMGET', ARGV[3] .. id, 'state', 'base')
    if t[1] == '1' or t[1] == '2' then adds[#adds + 1] = t[2] end
  elseif op == 'cancel' then
    cancels[#cancels + 1] = id
  end
end
local last = ''
if #rows > 0 then last = rows[#rows][1] end
return {last, adds, cancels, #rows}
"""

# Every active ticket of a game. KEYS: queue. ARGV: ticket key prefix. Returns Ticket bytes.
_SNAPSHOT = """
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local t = redis.call('HMGET', ARGV[1] .. id, 'state', 'base')
  if t[1] == '1' or t[1] == '2' then out[#out + 1] = t[2] end
end
return out
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
@dataclasses.dataclass(frozen=True, slots=True)
class TickCommit:
    """What committing a tick did: ``lease_lost`` (nothing after the loss was written), the matches
    not written (each: the ticket no longer active, then the others), and the outbox to relay."""

    lease_lost: bool
    refused: list[list[str]]
    outbox: bytes


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
        self._commit_part = redis.register_script(_COMMIT_PART)
        self._relay = redis.register_script(_RELAY)
        self._inbox = redis.register_script(_INBOX)
        self._snapshot = redis.register_script(_SNAPSHOT)

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

    @staticmethod
    def outbox_key(game: str) -> str:
        return f"{_prefix(game)}:outbox"

    @staticmethod
    def ticket_prefix(game: str) -> str:
        return f"{_prefix(game)}:t:"

    async def create(self, game: str, ticket: mm.Ticket) -> str | None:
        """Stores a new ticket; returns the id of the player's existing active ticket instead, if any."""
        players = list(ticket.player_ids)
        keys = [self.ticket_key(game, ticket.id), self.queue_key(game), self.inbox_key(game)]
        keys += [self.player_prefix(game) + p for p in players]
        # The games set is global (another hash slot), so it is not in the script. It is added to before
        # and after the ticket, in one round trip: whatever a concurrent retire_if_empty does, a game
        # with a queued ticket ends up in the set (see there).
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self.GAMES, game)
            await self._create(keys=keys, args=[ticket.id, ticket.SerializeToString(), _now_ms(), game, " ".join(players)], client=pipe)
            pipe.sadd(self.GAMES, game)
            _, result, _ = await pipe.execute()
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

    async def commit_tick(self, game: str, instance: str, parts: list[bytes], *, relayed: int) -> TickCommit:
        """Commits a tick's parts in one round trip (a pipeline of script calls), trimming the
        ``relayed`` outbox entries first; the last part returns the outbox to relay."""
        if not parts:
            return TickCommit(False, [], b"")
        keys = [self.lease_key(game), self.queue_key(game), self.outbox_key(game)]
        common = [instance, _now_ms(), _KEEP_FINISHED_SECONDS, self.ticket_prefix(game), self.player_prefix(game)]
        for attempt in range(2):
            async with self.redis.pipeline(transaction=False) as pipe:
                for i, part in enumerate(parts):
                    last = i == len(parts) - 1
                    pipe.evalsha(self._commit_part.sha, len(keys), *keys, *common, part, relayed if i == 0 else 0, EXPIRED, "1" if last else "0")
                try:
                    replies = await pipe.execute()
                    break
                except NoScriptError:
                    # Redis forgot the script (a restart): every call of the pipeline failed alike.
                    if attempt:
                        raise
                    await self.redis.script_load(_COMMIT_PART)
        refused: list[list[str]] = []
        outbox = b""
        for reply in replies:
            if reply[0] == b"lease":
                return TickCommit(True, refused, b"")
            outbox = reply[1] or outbox
            refused += [[i.decode() for i in ids] for ids in reply[2:]]
        return TickCommit(False, refused, outbox)

    async def relay(self, outbox: bytes) -> int:
        """Appends the outbox's matches to the ``match.found`` stream; returns how many (the next
        commit trims that many from the outbox)."""
        return int(await self._relay(keys=[stream_key(MATCH_FOUND)], args=[1_000_000, outbox])) if outbox else 0

    async def inbox_batch(self, game: str, cursor: str, *, count: int = 50_000) -> tuple[str, list[bytes], list[str]]:
        """Inbox events after ``cursor``: (new cursor, the added tickets still active as Ticket bytes,
        the ids of cancelled tickets). Repeats until the inbox is drained."""
        adds: list[bytes] = []
        cancels: list[str] = []
        while True:
            last, batch_adds, batch_cancels, read = await self._inbox(keys=[self.inbox_key(game)], args=[cursor, count, self.ticket_prefix(game)])
            adds += batch_adds
            cancels += [c.decode() for c in batch_cancels]
            if last:
                cursor = last.decode()
            if read < count:
                return cursor, adds, cancels

    async def active_tickets(self, game: str) -> list[bytes]:
        """Every active ticket of the game, as Ticket bytes."""
        return list(await self._snapshot(keys=[self.queue_key(game)], args=[self.ticket_prefix(game)]))

    async def mark_searching(self, game: str, ticket_ids: list[str]) -> None:
        if ticket_ids:
            await self._searching(keys=[self.ticket_key(game, t) for t in ticket_ids], args=[_now_ms(), *ticket_ids])

    async def hold_lease(self, game: str, instance: str, ttl_ms: int) -> bool:
        return bool(await self._lease(keys=[self.lease_key(game)], args=[instance, ttl_ms]))

    async def retire_if_empty(self, game: str) -> bool:
        """Drops a game with no queued ticket from the games set, in three steps that each touch one
        slot: if the queue is empty, remove; then, if a ticket arrived meanwhile, add the game back.
        A create adds the game after storing its ticket too, so a ticket stored before the second
        check is seen by it, and one stored after has its own add: no game with tickets stays out."""
        if await self.redis.zcard(self.queue_key(game)):
            return False
        await self.redis.srem(self.GAMES, game)
        if await self.redis.zcard(self.queue_key(game)):
            await self.redis.sadd(self.GAMES, game)
            return False
        return True

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
