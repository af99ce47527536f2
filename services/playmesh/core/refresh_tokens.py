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

__all__ = ["Grant", "RefreshTokens", "RotationRefused"]

# A token is one string key, "<state>|<family>|<player>|<studio>|<game>", state A (active) or S (spent):
# one SET to issue, one script to rotate.
# KEYS[1] presented token, KEYS[2] successor token; ARGV[1] ttl seconds, ARGV[2] revocation key prefix,
# ARGV[3] the caller's game (a token of another game is "unknown" and stays unspent).
_ROTATE = """
local v = redis.call('GET', KEYS[1])
if not v then return {'unknown'} end
local state, family, player, studio, game = string.match(v, '^(%a)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
if game ~= ARGV[3] then return {'unknown'} end
local revoked = ARGV[2] .. family .. ':revoked'
if redis.call('EXISTS', revoked) == 1 then return {'revoked'} end
if state == 'S' then
  redis.call('SET', revoked, '1', 'EX', ARGV[1])
  return {'reused'}
end
redis.call('SET', KEYS[1], 'S' .. string.sub(v, 2), 'KEEPTTL')
redis.call('SET', KEYS[2], 'A|' .. family .. '|' .. player .. '|' .. studio .. '|' .. game, 'EX', ARGV[1])
return {'ok', family, player, studio, game}
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
        await self._redis.set(_key(token), f"A|{family}|{player_id}|{studio_id}|{game_id}", ex=self._ttl)
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
        value = await self._redis.get(_key(token))
        if value is None:
            return None
        _, family, _, _, game = value.decode().split("|")
        return family, game

    async def revoke_family(self, family: str) -> None:
        await self._redis.set(family_revoked_key(family), "1", ex=self._ttl)
