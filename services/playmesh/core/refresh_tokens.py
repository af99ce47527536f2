"""Refresh-token families in Redis.

A sign-in starts a family. Each refresh spends the presented token and issues its successor in the
same family; presenting a spent token again means it leaked, so the whole family is revoked (the
thief's and the owner's tokens alike), and access tokens carrying the family id (``sid``) stop working
too. Logout revokes the family. Tokens are stored by SHA-256 hash, never in clear.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets

from redis.asyncio import Redis

from playmesh.runtime.auth import family_revoked_key

__all__ = ["RefreshTokens", "Grant", "RotationRefused"]

# KEYS[1] presented token, KEYS[2] successor token; ARGV[1] ttl seconds,
# ARGV[2] revocation key prefix, ARGV[3] the caller's game (a token of another game is "unknown" and
# stays unspent). Returns the token's value on success, or an error tag.
_ROTATE = """
local v = redis.call('HGETALL', KEYS[1])
if #v == 0 then return {'unknown'} end
local t = {}
for i = 1, #v, 2 do t[v[i]] = v[i + 1] end
if t['game'] ~= ARGV[3] then return {'unknown'} end
local revoked = ARGV[2] .. t['family'] .. ':revoked'
if redis.call('EXISTS', revoked) == 1 then return {'revoked'} end
if t['spent'] == '1' then
  redis.call('SET', revoked, '1', 'EX', ARGV[1])
  return {'reused'}
end
redis.call('HSET', KEYS[1], 'spent', '1')
redis.call('HSET', KEYS[2], 'family', t['family'], 'player', t['player'], 'studio', t['studio'], 'game', t['game'], 'spent', '0')
redis.call('EXPIRE', KEYS[2], ARGV[1])
return {'ok', t['family'], t['player'], t['studio'], t['game']}
"""


class RotationRefused(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # unknown | revoked | reused


@dataclasses.dataclass(frozen=True, slots=True)
class Grant:
    token: str
    family: str
    player_id: str
    studio_id: str
    game_id: str


def _key(token: str) -> str:
    return "pm:rt:" + hashlib.sha256(token.encode()).hexdigest()


class RefreshTokens:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._rotate = redis.register_script(_ROTATE)

    async def start_family(self, *, player_id: str, studio_id: str, game_id: str) -> Grant:
        token, family = "rt_" + secrets.token_urlsafe(32), secrets.token_hex(16)
        key = _key(token)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"family": family, "player": player_id, "studio": studio_id, "game": game_id, "spent": "0"})
            pipe.expire(key, self._ttl)
            await pipe.execute()
        return Grant(token, family, player_id, studio_id, game_id)

    async def rotate(self, token: str, *, game_id: str) -> Grant:
        """Spends ``token`` and returns its successor, or raises RotationRefused."""
        successor = "rt_" + secrets.token_urlsafe(32)
        result = await self._rotate(keys=[_key(token), _key(successor)], args=[self._ttl, "pm:rtf:", game_id])
        tag = result[0].decode()
        if tag != "ok":
            raise RotationRefused(tag)
        family, player, studio, game = (x.decode() for x in result[1:])
        return Grant(successor, family, player, studio, game)

    async def family_of(self, token: str) -> tuple[str, str] | None:
        values = await self._redis.hmget(_key(token), ["family", "game"])
        if values[0] is None:
            return None
        return values[0].decode(), values[1].decode()

    async def revoke_family(self, family: str) -> None:
        await self._redis.set(family_revoked_key(family), "1", ex=self._ttl)
