"""One-time moves of the runtime's Redis keys to new names, run where PostgreSQL is migrated (`playmesh
up` before it starts the services, and `playmesh migrate`).

Each step finds keys of an old name with SCAN and moves each in one script, so a key is moved exactly
once even when two processes migrate at the same time (the second finds the old key gone). The version
reached is recorded in ``pm:migrations:redis`` (only ever raised), so a migrated deployment skips the
SCANs. A move is a RENAME when the new key does not exist yet: a stream keeps its entries and ids, its
consumer groups with their pending entries, and a key keeps its TTL.

When the new stream exists already (services of the new version started before the migration and
created it with their consumer groups), the old stream is merged into it and deleted:

- only entries some consumer group of the old stream had not acknowledged (pending, or not yet
  delivered) are copied, in order, at the end of the new stream, under new ids; an old stream without
  groups is copied whole;
- for each old group, every entry it had not acknowledged is in its pending list of the new stream:
  entries pending before under their consumer with their delivery count and idle time, entries never
  delivered (old ones and those of the new stream it had not read yet) under the consumer
  ``redis-migration``, idle long enough that any live consumer claims them at once (the bus claims
  messages of silent consumers); the group then reads new messages from the end of the stream. So no
  group loses an entry and none gets again an entry it had acknowledged;
- copies have new ids, and the bus's consumers key their effects by message id: an entry that was
  pending (delivered, its effect perhaps applied, not acknowledged) may take effect a second time.

Run it with the previous version's processes stopped: an old process publishing to an old stream after
the migration writes to a key nothing reads. On Redis Cluster an old and a new name may sit in different
slots, where RENAME and these scripts are refused: migrate on the single Redis the previous version ran
on (its scripts could not run on a cluster) before moving to a cluster.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from playmesh.runtime.auth import family_revoked_key
from playmesh.runtime.bus import dead_letter_key, stream_key
from playmesh.runtime.logging import get_logger

__all__ = ["MARKER_KEY", "STEPS", "Step", "migrate_redis"]

MARKER_KEY = "pm:migrations:redis"
PLACEHOLDER_CONSUMER = "redis-migration"
_HANDED_OVER_IDLE_MS = 2**31 - 1  # older than any claim threshold: claimed by the first live consumer
_SCAN_COUNT = 1000
log = get_logger(__name__)

# KEYS: old key, new key. Renames; when the new key exists, keeps it for as long as the longer-lived
# of the two (PTTL -1: no expiry) and deletes the old one. Returns what it did.
_MOVE_KEY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'absent' end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  return 'renamed'
end
local old, new = redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2])
if old == -1 and new ~= -1 then redis.call('PERSIST', KEYS[2])
elseif new ~= -1 and old > new then redis.call('PEXPIRE', KEYS[2], old) end
redis.call('DEL', KEYS[1])
return 'merged'
"""

# KEYS: old stream, new stream. ARGV: placeholder consumer, idle ms of handed-over entries. Renames, or
# merges as the module docstring says. Returns what it did.
_MOVE_STREAM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'absent' end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  return 'renamed'
end
local old, new, placeholder, idle = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local function fields(flat) local t = {} for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end return t end
local function id_parts(id) local ms, seq = string.match(id, '^(%d+)-(%d+)$') return tonumber(ms), tonumber(seq) end
local function after(a, b)  -- stream id a > b
  local am, as = id_parts(a)
  local bm, bs = id_parts(b)
  return am > bm or (am == bm and as > bs)
end

-- What each group of the old stream has not acknowledged: entries after its cursor, and its pending ones.
local groups, lower = {}, nil
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', old)) do
  local info = fields(raw)
  local group = {name = info['name'], last = info['last-delivered-id'], pending = {}}
  local first = group.last
  if tonumber(info['pending']) > 0 then
    for _, p in ipairs(redis.call('XPENDING', old, group.name, '-', '+', info['pending'])) do
      group.pending[p[1]] = {consumer = p[2], idle = p[3], count = p[4]}
      if after(first, p[1]) then first = p[1] end
    end
  end
  groups[#groups + 1] = group
  if lower == nil or after(lower, first) then lower = first end
end

-- The new stream before the copy: where its end is, where each of its groups has read to.
local before = fields(redis.call('XINFO', 'STREAM', new))['last-generated-id']
local new_groups = {}
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', new)) do
  local info = fields(raw)
  new_groups[info['name']] = info['last-delivered-id']
end

-- Copy, in order, every entry some group still needs (all of them when the old stream has no group).
local handed, kept = {}, {}
for _, group in ipairs(groups) do handed[group.name], kept[group.name] = {}, {} end
local copied, cursor = 0, lower or '-'
while true do
  local rows = redis.call('XRANGE', old, cursor, '+', 'COUNT', 500)
  if #rows == 0 then break end
  for _, row in ipairs(rows) do
    local id, needed = row[1], #groups == 0
    local targets = {}
    for _, group in ipairs(groups) do
      if group.pending[id] or after(id, group.last) then needed = true targets[#targets + 1] = group end
    end
    if needed then
      local new_id = redis.call('XADD', new, '*', unpack(row[2]))
      copied = copied + 1
      for _, group in ipairs(targets) do
        local p = group.pending[id]
        if p then kept[group.name][#kept[group.name] + 1] = {new_id, p}
        else handed[group.name][#handed[group.name] + 1] = new_id end
      end
    end
  end
  cursor = '(' .. rows[#rows][1]
end

for _, group in ipairs(groups) do
  -- Entries of the new stream the group has not read yet are handed over too, since its cursor moves
  -- to the end (past the copies, which it gets through its pending list).
  local unread = {}
  local read_to = new_groups[group.name]
  if read_to == nil then
    redis.call('XGROUP', 'CREATE', new, group.name, '$')
    read_to = '0-0'
  else
    redis.call('XGROUP', 'SETID', new, group.name, '$')
  end
  if after(before, read_to) then
    for _, row in ipairs(redis.call('XRANGE', new, '(' .. read_to, before)) do unread[#unread + 1] = row[1] end
  end
  for _, ids in ipairs({unread, handed[group.name]}) do
    for i = 1, #ids, 500 do
      local args = {'XCLAIM', new, group.name, placeholder, 0}
      for j = i, math.min(i + 499, #ids) do args[#args + 1] = ids[j] end
      for _, a in ipairs({'IDLE', idle, 'RETRYCOUNT', 0, 'FORCE', 'JUSTID'}) do args[#args + 1] = a end
      redis.call(unpack(args))
    end
  end
  for _, entry in ipairs(kept[group.name]) do
    local p = entry[2]
    redis.call('XCLAIM', new, group.name, p.consumer, 0, entry[1], 'IDLE', p.idle, 'RETRYCOUNT', p.count, 'FORCE', 'JUSTID')
  end
end
redis.call('DEL', old)
return 'merged'
"""

# KEYS: the marker. ARGV: a version reached. Never lowers it.
_RAISE_MARKER = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return tonumber(redis.call('GET', KEYS[1]))
"""


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    version: int
    description: str
    run: Callable[[Redis], Awaitable[int]]  # returns how many keys it moved


async def _old_keys(redis: Redis, pattern: str, type_: str) -> list[str]:
    found = []
    async for raw in redis.scan_iter(match=pattern, count=_SCAN_COUNT, _type=type_):
        key = raw.decode() if isinstance(raw, bytes) else raw
        if "{" not in key:  # the new names are hash-tagged
            found.append(key)
    return found


async def _hash_tag_bus_streams(redis: Redis) -> int:
    move = redis.register_script(_MOVE_STREAM)
    moved = 0
    for key in await _old_keys(redis, "pm:bus:*", "stream"):
        rest = key.removeprefix("pm:bus:")
        new = dead_letter_key(rest.removesuffix(":dead")) if rest.endswith(":dead") else stream_key(rest)
        outcome = (await move(keys=[key, new], args=[PLACEHOLDER_CONSUMER, _HANDED_OVER_IDLE_MS])).decode()
        if outcome != "absent":
            moved += 1
            log.info("redis_key_migrated", old=key, new=new, outcome=outcome)
    return moved


async def _hash_tag_revocation_markers(redis: Redis) -> int:
    move = redis.register_script(_MOVE_KEY)
    moved = 0
    for key in await _old_keys(redis, "pm:rtf:*:revoked", "string"):
        new = family_revoked_key(key.removeprefix("pm:rtf:").removesuffix(":revoked"))
        if (await move(keys=[key, new])).decode() != "absent":
            moved += 1
    log.info("redis_revocation_markers_migrated", count=moved)
    return moved


STEPS: tuple[Step, ...] = (
    Step(1, "bus streams pm:bus:<topic>[:dead] -> pm:bus:{<topic>}[:dead]", _hash_tag_bus_streams),
    Step(2, "refresh-token family revocation markers pm:rtf:<family>:revoked -> pm:rtf:{<family>}:revoked", _hash_tag_revocation_markers),
)


async def migrate_redis(redis: Redis, *, marker: str = MARKER_KEY) -> list[tuple[Step, int]]:
    """Runs the steps above the version recorded in ``marker``; returns each step run with the number
    of keys it moved (an empty list when Redis was up to date)."""
    raw = await redis.get(marker)
    current = int(raw) if raw is not None else 0
    raise_marker = redis.register_script(_RAISE_MARKER)
    done = []
    for step in STEPS:
        if step.version <= current:
            continue
        done.append((step, await step.run(redis)))
        current = int(await raise_marker(keys=[marker], args=[step.version]))
    return done
