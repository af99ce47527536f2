"""Idempotent mutations (AIP-155): the first answer to a ``request_id`` is stored in Redis and a retry
gets it back unchanged. A ``request_id`` reused with a different request is INVALID_ARGUMENT; a retry
that arrives while the first attempt is still running is ABORTED (retry shortly).

Requests can hold passwords, so the stored fingerprint is an HMAC keyed with the platform secret, not a
plain hash that could be brute-forced from a Redis dump. Answers that hold credentials (tokens) must
not be stored at all: such methods store the answer without them and issue fresh ones per call."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import TypeVar

from google.protobuf.message import Message
from redis.asyncio import Redis

from playmesh.runtime.errors import Aborted, InvalidArgument

__all__ = ["Idempotency"]

M = TypeVar("M", bound=Message)
_PENDING = b"pending"


class Idempotency:
    def __init__(self, redis: Redis, ttl_seconds: int, *, secret: str) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._key = hmac.new(secret.encode(), b"playmesh idempotency v1", hashlib.sha256).digest()

    async def run(
        self,
        *,
        scope: str,
        request_id: str,
        request: Message,
        response_type: type[M],
        action: Callable[[], Awaitable[M]],
        ttl_seconds: int | None = None,
    ) -> M:
        """Runs ``action`` once per (scope, request_id); without a request id it just runs it."""
        if not request_id:
            return await action()
        key = f"pm:idem:{scope}:{request_id}"
        fingerprint = hmac.new(self._key, request.SerializeToString(deterministic=True), hashlib.sha256).hexdigest()[:32].encode()
        if not await self._redis.set(key, _PENDING + b":" + fingerprint, nx=True, ex=60):
            stored = await self._redis.get(key)
            if stored is None:  # expired between the two calls: treat as new
                return await self.run(scope=scope, request_id=request_id, request=request, response_type=response_type, action=action, ttl_seconds=ttl_seconds)
            head, _, rest = stored.partition(b":")
            if head == _PENDING:
                if rest != fingerprint:
                    raise InvalidArgument.single("request_id", "was already used for a different request")
                raise Aborted("a request with this request_id is still in progress; retry shortly", reason="REQUEST_IN_PROGRESS")
            seen_fp, _, body = rest.partition(b":")
            if seen_fp != fingerprint:
                raise InvalidArgument.single("request_id", "was already used for a different request")
            return response_type.FromString(body)
        try:
            response = await action()
        except BaseException:
            await self._redis.delete(key)
            raise
        await self._redis.set(key, b"done:" + fingerprint + b":" + response.SerializeToString(), ex=ttl_seconds or self._ttl)
        return response
