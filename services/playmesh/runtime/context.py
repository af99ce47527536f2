"""``Runtime``: the connections and shared machinery of one service process, built once at start-up
and handed to the servicer's factory."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import secrets
import tempfile

from redis.asyncio import BlockingConnectionPool, Redis

from playmesh.runtime.auth import Authenticator
from playmesh.runtime.bus import BusPolicy, EventBus
from playmesh.runtime.db import Database
from playmesh.runtime.errors import ConfigError
from playmesh.runtime.idempotency import Idempotency
from playmesh.runtime.ratelimit import RateLimiter
from playmesh.runtime.settings import Settings
from playmesh.runtime.streams import StreamHub
from playmesh.runtime.tokens import KeyRing
from playmesh.runtime.validation import use_page_token_key

__all__ = ["Runtime", "resolve_secret"]


def resolve_secret(settings: Settings) -> str:
    """The key-encryption secret: the setting, else ``<data_dir>/secret.key`` (created once, mode 0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = pathlib.Path(settings.data_path, "secret.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then linked into place: a concurrent reader sees either
        # no file or the complete secret, and exactly one writer wins.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            os.write(fd, secrets.token_urlsafe(48).encode())
            os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


@dataclasses.dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    redis: Redis
    keyring: KeyRing
    authenticator: Authenticator
    limiter: RateLimiter
    idempotency: Idempotency
    bus: EventBus
    streams: StreamHub  # the process's one pub/sub subscriber, shared by every stream RPC

    @classmethod
    async def start(cls, settings: Settings) -> Runtime:
        if not settings.database_url or not settings.redis_url:
            raise ConfigError("PLAYMESH_DATABASE_URL and PLAYMESH_REDIS_URL must be set (`playmesh up` sets them for embedded servers)")
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        # A bounded pool that makes a burst wait for a free connection (up to 5 s) instead of failing.
        # Named so CLIENT LIST tells each process's request connections from its stream connection.
        pool = BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=settings.redis_pool_size, timeout=5, client_name=f"playmesh:{os.getpid()}:requests"
        )
        redis = Redis(connection_pool=pool)
        secret = resolve_secret(settings)
        use_page_token_key(secret)
        keyring = KeyRing(db, secret, retire_seconds=settings.signing_key_retire_seconds)
        await keyring.start()
        policy = BusPolicy(
            max_deliveries=settings.bus_max_deliveries,
            retry_base_ms=settings.bus_retry_base_ms,
            retry_max_ms=settings.bus_retry_max_ms,
            claim_idle_ms=settings.bus_claim_idle_ms,
        )
        return cls(
            settings=settings,
            db=db,
            redis=redis,
            keyring=keyring,
            authenticator=Authenticator(db, redis, keyring, api_key_cache_seconds=settings.api_key_cache_seconds),
            limiter=RateLimiter(redis),
            idempotency=Idempotency(redis, settings.idempotency_ttl_seconds, secret=secret),
            bus=EventBus(redis, policy=policy, max_len=settings.bus_stream_max_len),
            streams=StreamHub(settings.redis_url, client_name=f"playmesh:{os.getpid()}:streams"),
        )

    async def close(self) -> None:
        await self.streams.close()
        await self.redis.aclose()
        await self.db.close()
