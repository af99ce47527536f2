"""Token-bucket rate limiting in Redis: one bucket per caller (player, developer or server) and one per
client IP, per access kind (reads and writes have separate budgets). The buckets of one ``acquire``
are checked and drawn from atomically in one round trip; a refused call draws from none of them.

A refused bucket is remembered in the process until it has a token again (another process drawing from
it can only push that time later), so a flood from one address over its budget is refused without a
Redis round trip."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from playmesh.runtime.errors import ResourceExhausted

__all__ = ["Budget", "RateLimiter"]

# KEYS: bucket keys. ARGV[1]: now (ms); then capacity and refill per ms for each key.
# Returns {} when allowed, else for each key the milliseconds until it has a token again (0: it has one).
_SCRIPT = """
local now = tonumber(ARGV[1])
local refused = false
local tokens = {}
local waits = {}
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 't', 'ts')
  local t = tonumber(state[1])
  local ts = tonumber(state[2])
  if t == nil then t = cap; ts = now end
  t = math.min(cap, t + math.max(0, now - ts) * rate)
  tokens[i] = t
  waits[i] = 0
  if t < 1 then waits[i] = math.ceil((1 - t) / rate); refused = true end
end
if refused then return waits end
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  redis.call('HSET', key, 't', tostring(tokens[i] - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(cap / rate) + 1000)
end
return {}
"""
_MAX_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class Budget:
    """Calls per minute; the bucket holds as many tokens as a minute's budget (the burst)."""

    per_minute: int

    @property
    def refill_per_ms(self) -> float:
        return self.per_minute / 60000.0


class RateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_SCRIPT)
        self._empty_until: dict[str, float] = {}  # bucket key → monotonic time it has a token again

    async def acquire(self, buckets: list[tuple[str, Budget]]) -> None:
        """Draws one token from every bucket, or raises ResourceExhausted with the time to wait."""
        live = [(f"pm:rl:{key}", b) for key, b in buckets if b.per_minute > 0]
        if not live:
            return
        now = time.monotonic()
        if self._empty_until:
            self._refuse_known_empty(live, now)
        args: list[float | int] = [int(time.time() * 1000)]
        for _, budget in live:
            args += [budget.per_minute, budget.refill_per_ms]
        waits_ms = await self._script(keys=[key for key, _ in live], args=args)
        if waits_ms:
            for (key, _), wait_ms in zip(live, waits_ms, strict=True):
                if int(wait_ms) > 0:
                    self._remember(key, now + int(wait_ms) / 1000)
            raise _refusal(max(int(w) for w in waits_ms) / 1000)

    def _refuse_known_empty(self, live: list[tuple[str, Budget]], now: float) -> None:
        known_wait = 0.0
        for key, _ in live:
            until = self._empty_until.get(key)
            if until is not None:
                if until > now:
                    known_wait = max(known_wait, until - now)
                else:
                    del self._empty_until[key]
        if known_wait > 0:
            raise _refusal(known_wait)

    def _remember(self, key: str, until: float) -> None:
        if len(self._empty_until) >= _MAX_REMEMBERED:
            now = time.monotonic()
            self._empty_until = {k: t for k, t in self._empty_until.items() if t > now}
            if len(self._empty_until) >= _MAX_REMEMBERED:  # a flood from that many addresses: forget, Redis still decides
                self._empty_until.clear()
        self._empty_until[key] = until


def _refusal(wait_seconds: float) -> ResourceExhausted:
    wait_ms = max(1, round(wait_seconds * 1000))
    return ResourceExhausted(
        f"rate limit reached; retry in {wait_ms / 1000:.1f} s", retry_after_seconds=wait_ms / 1000, metadata={"retry_after_ms": str(wait_ms)}
    )
