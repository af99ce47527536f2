"""Refresh-token families in Redis.

A sign-in starts a family. Each refresh spends the presented token and issues its successor in the
same family; presenting a spent token again means it leaked, so the whole family is revoked (the
thief's and the owner's tokens alike), and access tokens carrying the family id (``sid``) stop working
too. Logout revokes the family. Tokens are stored by SHA-256 hash, never in clear.

A token reads ``rt_<family>.<secret>``: the family names the hash slot of every key the rotation
touches (``pm:rt:{<family>}:<hash>`` and ``pm:rtf:{<family>}:revoked``), so the script runs on one
Redis Cluster slot. The family is not a secret (access tokens carry it too); a made-up or altered token
hashes to a key that does not exist. Tokens of the earlier form (no family) are unknown: their
players sign in again.
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
# KEYS[1] presented token, KEYS[2] successor token, KEYS[3] the family's revocation marker (one slot);
# ARGV[1] ttl seconds, ARGV[2] the caller's game (a token of another game is "unknown" and stays
# unspent), ARGV[3] the family named by the presented token.
_ROTATE = """
local v = redis.call('GET', KEYS[1])
if not v then return {'unknown'} end
local state, family, player, studio, game = string.match(v, '^(%a)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
if game ~= ARGV[2] or family ~= ARGV[3] then return {'unknown'} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'revoked'} end
if state == 'S' then
  redis.call('SET', KEYS[3], '1', 'EX', ARGV[1])
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


def _new_token(family: str) -> str:
    return f"rt_{family}.{secrets.token_urlsafe(32)}"


def _family(token: str) -> str | None:
    """The family a token names, or None for a token not of this form."""
    family, dot, _ = token.removeprefix("rt_").partition(".")
    return family if token.startswith("rt_") and dot and len(family) == 32 and family.isalnum() else None


def _key(family: str, token: str) -> str:
    return f"pm:rt:{{{family}}}:" + hashlib.sha256(token.encode()).hexdigest()


class RefreshTokens:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._rotate = redis.register_script(_ROTATE)

    async def start_family(self, *, player_id: str, studio_id: str, game_id: str) -> Grant:
        family = secrets.token_hex(16)
        token = _new_token(family)
        await self._redis.set(_key(family, token), f"A|{family}|{player_id}|{studio_id}|{game_id}", ex=self._ttl)
        return Grant(token, family, player_id, studio_id, game_id)

    async def rotate(self, token: str, *, game_id: str) -> Grant:
        """Spends ``token`` and returns its successor, or raises RotationRefused."""
        family = _family(token)
        if family is None:
            raise RotationRefused("unknown")
        successor = _new_token(family)
        result = await self._rotate(keys=[_key(family, token), _key(family, successor), family_revoked_key(family)], args=[self._ttl, game_id, family])
        tag = result[0].decode()
        if tag != "ok":
            raise RotationRefused(tag)
        family, player, studio, game = (x.decode() for x in result[1:])
        return Grant(successor, family, player, studio, game)

    async def family_of(self, token: str) -> tuple[str, str] | None:
        family = _family(token)
        if family is None:
            return None
        value = await self._redis.get(_key(family, token))
        if value is None:
            return None
        _, family, _, _, game = value.decode().split("|")
        return family, game

    async def revoke_family(self, family: str) -> None:
        await self._redis.set(family_revoked_key(family), "1", ex=self._ttl)
