"""Who is calling: credentials → ``Caller``, checked against the RPC's ``MethodPolicy``.

Credentials: ``x-api-key`` (a game's API key) and ``authorization: Bearer <JWT>`` (player, developer or
game-server token). A player call needs both, for the same game. The authenticated caller is available
to servicers through ``current_caller()``. API keys are looked up by hash and cached for
``api_key_cache_seconds`` (< 1 s), so a revoked key fails on every instance within a second.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import time
from collections.abc import Mapping

import sqlalchemy as sa
from redis.asyncio import Redis

from playmesh.options.v1 import options_pb2
from playmesh.runtime.db import Database
from playmesh.runtime.errors import PermissionDenied, Unauthenticated
from playmesh.runtime.tables import api_keys, tenant_schema
from playmesh.runtime.tokens import AUD_DEVELOPER, AUD_PLAYER, AUD_SERVER, AUD_SERVICE, KeyRing

__all__ = [
    "ANONYMOUS",
    "DEVELOPER",
    "GAME_CLIENT",
    "GAME_SERVER",
    "PLAYER",
    "SERVICE",
    "ApiKeyRecord",
    "Authenticator",
    "Caller",
    "bind_caller",
    "current_caller",
    "family_revoked_key",
    "hash_api_key",
]

ANONYMOUS = options_pb2.PRINCIPAL_ANONYMOUS
GAME_CLIENT = options_pb2.PRINCIPAL_GAME_CLIENT
PLAYER = options_pb2.PRINCIPAL_PLAYER
DEVELOPER = options_pb2.PRINCIPAL_DEVELOPER
GAME_SERVER = options_pb2.PRINCIPAL_GAME_SERVER
SERVICE = options_pb2.PRINCIPAL_SERVICE
_BEARER_AUDIENCE = {PLAYER: AUD_PLAYER, DEVELOPER: AUD_DEVELOPER, GAME_SERVER: AUD_SERVER, SERVICE: AUD_SERVICE}
_MAX_CREDENTIAL_LEN = 4096
# The API key kinds (core's ApiKeyKind: 0 unspecified = client, 1 client, 2 server) each use allows.
_KEY_KINDS_FOR_USE = {options_pb2.API_KEY_USE_CLIENT: frozenset({0, 1}), options_pb2.API_KEY_USE_SERVER: frozenset({2})}
_KEY_PRINCIPALS = frozenset({GAME_CLIENT, PLAYER})  # the callers that present a game's API key
_MISSING_KEYS_CACHED = 10_000
_KEY_USE_HINT = {options_pb2.API_KEY_USE_CLIENT: "a client key", options_pb2.API_KEY_USE_SERVER: "a server key"}


@dataclasses.dataclass(frozen=True, slots=True)
class Caller:
    principal: int
    ip: str
    studio_id: str = ""
    game_id: str = ""
    player_id: str = ""
    developer_id: str = ""
    server_id: str = ""
    api_key_id: str = ""
    api_key_kind: int = 0
    token_family: str = ""
    service: str = ""  # the calling Playmesh service, for internal RPCs

    @property
    def schema(self) -> str:
        return tenant_schema(self.studio_id)

    @property
    def subject(self) -> str:
        """The id the per-caller rate-limit bucket is keyed by; empty for anonymous and key-only calls."""
        return self.player_id or self.developer_id or self.server_id


_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("playmesh_caller")


def current_caller() -> Caller:
    return _caller.get()


def bind_caller(caller: Caller) -> contextvars.Token[Caller]:
    return _caller.set(caller)


def hash_api_key(secret: str) -> bytes:
    # API key secrets carry 256 bits of randomness, so a fast hash is safe (unlike passwords).
    return hashlib.sha256(secret.encode()).digest()


def family_revoked_key(family: str) -> str:
    # In the family's hash slot, beside its tokens: rotation checks it in the same script.
    return f"pm:rtf:{{{family}}}:revoked"


@dataclasses.dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: str
    studio_id: str
    game_id: str
    kind: int
    revoked: bool


class Authenticator:
    def __init__(self, db: Database, redis: Redis, keyring: KeyRing, *, api_key_cache_seconds: float) -> None:
        self._db = db
        self._redis = redis
        self._keyring = keyring
        self._ttl = api_key_cache_seconds
        self._cache: dict[bytes, tuple[float, ApiKeyRecord | None]] = {}
        self._missing: dict[bytes, tuple[float, ApiKeyRecord | None]] = {}

    async def authenticate(self, metadata: Mapping[str, str], policy: options_pb2.MethodPolicy, ip: str) -> Caller:
        caller = await self._identify(metadata, policy, ip)
        if caller.api_key_id and policy.api_key_use and caller.api_key_kind not in _KEY_KINDS_FOR_USE[policy.api_key_use]:
            # Stated per method in the contract (MethodPolicy.api_key_use), checked here for every service.
            raise PermissionDenied(f"this call takes {_KEY_USE_HINT[policy.api_key_use]} of the game", reason="WRONG_KEY_KIND")
        return caller

    async def _identify(self, metadata: Mapping[str, str], policy: options_pb2.MethodPolicy, ip: str) -> Caller:
        allowed = set(policy.principals)
        if ANONYMOUS in allowed:
            return Caller(ANONYMOUS, ip)
        api_key = metadata.get("x-api-key", "")
        bearer = _bearer(metadata.get("authorization", ""))
        # A key is looked up only where the method takes one: made-up keys sent to other methods cost
        # nothing (they are ignored), not a database read each.
        key = await self._api_key(api_key) if api_key and allowed & _KEY_PRINCIPALS else None

        if bearer and allowed & _BEARER_AUDIENCE.keys():
            return await self._bearer_caller(bearer, allowed, key, ip)
        if key is not None and GAME_CLIENT in allowed:
            return Caller(GAME_CLIENT, ip, studio_id=key.studio_id, game_id=key.game_id, api_key_id=key.id, api_key_kind=key.kind)
        if PLAYER in allowed and key is not None:
            raise Unauthenticated("this call needs the player's access token (authorization: Bearer)", reason="PLAYER_TOKEN_REQUIRED")
        if GAME_CLIENT in allowed or PLAYER in allowed:
            raise Unauthenticated("this call needs the game's API key (x-api-key)", reason="API_KEY_REQUIRED")
        raise Unauthenticated("this call needs a bearer token (authorization: Bearer)", reason="TOKEN_REQUIRED")

    async def _bearer_caller(self, token: str, allowed: set[int], key: ApiKeyRecord | None, ip: str) -> Caller:
        # The token's audience says which kind of caller it is; try the accepted kinds in a fixed order.
        last: Unauthenticated | None = None
        for principal in (PLAYER, DEVELOPER, GAME_SERVER, SERVICE):
            if principal not in allowed:
                continue
            try:
                claims = await self._keyring.verify(token, _BEARER_AUDIENCE[principal])
            except Unauthenticated as exc:
                last = exc
                if exc.reason != "TOKEN_WRONG_AUDIENCE":
                    raise
                continue
            return await self._caller_from_claims(principal, claims, key, ip)
        assert last is not None
        raise PermissionDenied("this kind of token may not make this call", reason="WRONG_PRINCIPAL")

    async def _caller_from_claims(self, principal: int, claims: dict[str, object], key: ApiKeyRecord | None, ip: str) -> Caller:
        sub = str(claims["sub"])
        if principal == DEVELOPER:
            return Caller(DEVELOPER, ip, developer_id=sub)
        if principal == SERVICE:
            return Caller(SERVICE, ip, service=sub)
        studio_id, game_id = str(claims.get("tid", "")), str(claims.get("gid", ""))
        if principal == GAME_SERVER:
            return Caller(GAME_SERVER, ip, studio_id=studio_id, game_id=game_id, server_id=sub)
        if key is None:
            raise Unauthenticated("player calls need the game's API key (x-api-key) too", reason="API_KEY_REQUIRED")
        if key.game_id != game_id:
            raise Unauthenticated("the player token belongs to another game than the API key", reason="TOKEN_GAME_MISMATCH")
        family = str(claims.get("sid", ""))
        if family and await self._redis.exists(family_revoked_key(family)):
            raise Unauthenticated("this sign-in has ended (logged out or revoked)", reason="SESSION_REVOKED")
        return Caller(PLAYER, ip, studio_id=studio_id, game_id=game_id, player_id=sub, api_key_id=key.id, api_key_kind=key.kind, token_family=family)

    async def _api_key(self, secret: str) -> ApiKeyRecord:
        if len(secret) > _MAX_CREDENTIAL_LEN:
            raise Unauthenticated("the API key is not valid", reason="API_KEY_INVALID")
        digest = hash_api_key(secret)
        now = time.monotonic()
        hit = self._cache.get(digest) or self._missing.get(digest)
        if hit is not None and hit[0] > now:
            record = hit[1]
        else:
            async with self._db.begin() as conn:
                row = (await conn.execute(sa.select(api_keys).where(api_keys.c.key_hash == digest))).first()
            record = ApiKeyRecord(row.id, row.studio_id, row.game_id, row.kind, row.revoke_time is not None) if row is not None else None
            # Unknown keys are remembered apart, in a smaller table: a flood of made-up keys must not
            # push the real ones out of the cache.
            cache = self._cache if record is not None else self._missing
            if len(cache) > (100_000 if record is not None else _MISSING_KEYS_CACHED):
                cache.clear()
            cache[digest] = (now + self._ttl, record)
        if record is None:
            raise Unauthenticated("the API key is not valid", reason="API_KEY_INVALID")
        if record.revoked:
            raise Unauthenticated("the API key has been revoked", reason="API_KEY_REVOKED")
        return record


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    token = token.strip()
    if len(token) > _MAX_CREDENTIAL_LEN:
        raise Unauthenticated("the bearer token is too long", reason="TOKEN_MALFORMED")
    return token
