"""Live ranks in Redis: one sorted set per leaderboard season, written only from PostgreSQL's state.

Ties go to whoever reached the score first. A sorted set orders equal scores by member, so the
member is ``<16-digit time>:<player id>`` with the time of the score's last change, in microseconds,
inverted for descending boards (``ZREVRANGE`` reads equal scores in reverse member order). A hash
keeps each player's member and row version: an update older than the stored version is skipped, so
changes applied out of order, twice, or by a rebuild racing live writes never move a score back.

Redis scores are doubles, so scores are exact up to ±2^53 (the API refuses larger ones). Keys of a
game share the hash tag ``{game id}``, so a board's keys stay on one Redis Cluster slot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from redis.asyncio import Redis

__all__ = ["MAX_EXACT_SCORE", "BoardKey", "Change", "Ranked", "Ranks"]

MAX_EXACT_SCORE = 2**53
_TIME_SPAN = 10**16  # microseconds since 1970 fit in 16 digits until the year 2286

_APPLY = """
local ranks = {}
local applied = 0
for i = 3, #ARGV, 4 do
  local player, score, version, member = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local stored = redis.call('HGET', KEYS[2], player)
  local current = nil
  if stored then
    local sep = string.find(stored, '|', 1, true)
    if tonumber(string.sub(stored, 1, sep - 1)) >= version then
      current = string.sub(stored, sep + 1)
    else
      redis.call('ZREM', KEYS[1], string.sub(stored, sep + 1))
    end
  end
  if not current then
    redis.call('ZADD', KEYS[1], score, member)
    redis.call('HSET', KEYS[2], player, version .. '|' .. member)
    current = member
    applied = applied + 1
  end
  local rank
  if ARGV[2] == '1' then rank = redis.call('ZREVRANK', KEYS[1], current) else rank = redis.call('ZRANK', KEYS[1], current) end
  ranks[#ranks + 1] = rank
end
if applied > 0 then
  redis.call('PUBLISH', ARGV[1], redis.call('INCR', KEYS[3]))
end
return ranks
"""


@dataclasses.dataclass(frozen=True, slots=True)
class BoardKey:
    """One season of one leaderboard of one game."""

    game_id: str
    board: str
    season: int
    descending: bool = True

    @property
    def _tag(self) -> str:
        return "{" + self.game_id + "}"

    @property
    def scores(self) -> str:
        return f"pm:lb:{self._tag}:{self.board}:{self.season}"

    @property
    def entries(self) -> str:
        return f"pm:lbe:{self._tag}:{self.board}:{self.season}"

    @property
    def built(self) -> str:
        return f"pm:lbb:{self._tag}:{self.board}:{self.season}"

    @property
    def version(self) -> str:
        """Counts changes of the board (all seasons): watchers see it grow, never shrink."""
        return f"pm:lbv:{self._tag}:{self.board}"

    @property
    def channel(self) -> str:
        return channel(self.game_id, self.board)

    def member(self, player_id: str, reach_time: dt.datetime) -> str:
        micros = int(reach_time.timestamp() * 1_000_000)
        stamp = _TIME_SPAN - 1 - micros if self.descending else micros
        return f"{stamp:016d}:{player_id}"

    def decode(self, member: bytes | str) -> tuple[str, dt.datetime]:
        text = member.decode() if isinstance(member, bytes) else member
        stamp, player_id = int(text[:16]), text[17:]
        micros = _TIME_SPAN - 1 - stamp if self.descending else stamp
        return player_id, dt.datetime.fromtimestamp(micros / 1_000_000, dt.UTC)


def channel(game_id: str, board: str) -> str:
    """The pub/sub channel that announces changes of a board (its payload is the board's version)."""
    return f"pm:lbc:{game_id}:{board}"


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """A player's row in PostgreSQL after a change: what Redis must show."""

    player_id: str
    score: int
    version: int
    reach_time: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Ranked:
    rank: int  # 1-based
    player_id: str
    score: int
    reach_time: dt.datetime


class Ranks:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._apply = redis.register_script(_APPLY)

    async def apply(self, key: BoardKey, changes: Sequence[Change]) -> list[int]:
        """Writes the rows (skipping any older than what Redis has); returns each player's 1-based rank."""
        if not changes:
            return []
        argv: list[str | int] = [key.channel, "1" if key.descending else "0"]
        for c in changes:
            argv += [c.player_id, c.score, c.version, key.member(c.player_id, c.reach_time)]
        ranks = await self._apply(keys=[key.scores, key.entries, key.version], args=argv)
        return [int(r) + 1 for r in ranks]

    async def mark_built(self, key: BoardKey) -> None:
        await self._redis.set(key.built, 1)

    async def is_built(self, key: BoardKey) -> bool:
        return bool(await self._redis.exists(key.built))

    async def page(self, key: BoardKey, offset: int, count: int) -> tuple[bool, list[Ranked], int, int]:
        """(built, entries from ``offset``, board version, players on the board), in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.exists(key.built)
            pipe.get(key.version)
            pipe.zcard(key.scores)
            if count > 0:  # a range of 0..-1 would be the whole board
                (pipe.zrevrange if key.descending else pipe.zrange)(key.scores, offset, offset + count - 1, withscores=True)
            built, version, players, *rows = await pipe.execute()
        return bool(built), self._ranked(key, rows[0] if rows else [], offset), int(version or 0), int(players)

    async def position(self, key: BoardKey, player_id: str) -> Ranked | None:
        """The player's rank and score, or None without a score."""
        stored = await self._redis.hget(key.entries, player_id)
        if stored is None:
            return None
        member = stored.split(b"|", 1)[1]
        async with self._redis.pipeline(transaction=False) as pipe:
            (pipe.zrevrank if key.descending else pipe.zrank)(key.scores, member)
            pipe.zscore(key.scores, member)
            rank, score = await pipe.execute()
        if rank is None or score is None:
            return None
        _, reach = key.decode(member)
        return Ranked(int(rank) + 1, player_id, int(score), reach)

    async def count(self, key: BoardKey) -> int:
        return int(await self._redis.zcard(key.scores))

    async def version(self, key: BoardKey) -> int:
        return int(await self._redis.get(key.version) or 0)

    @staticmethod
    def _ranked(key: BoardKey, rows: list[tuple[bytes, float]], offset: int) -> list[Ranked]:
        out = []
        for i, (member, score) in enumerate(rows):
            player_id, reach = key.decode(member)
            out.append(Ranked(offset + i + 1, player_id, int(score), reach))
        return out
