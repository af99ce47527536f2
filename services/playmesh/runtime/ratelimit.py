"""Token-bucket rate limiting in Redis: one bucket per caller (player, developer or server) and one per
client IP, per access kind (reads and writes have separate budgets). Both buckets are checked and
drawn from atomically in one round trip; a refused call draws from neither."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from playmesh.runtime.errors import ResourceExhausted

__all__ = ["Budget", "RateLimiter"]

# KEYS: bucket keys. ARGV[1]: now (ms); then capacity and refill per ms for each key.
# Returns 0 when allowed, else the milliseconds until every bucket has a token again.
_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
local tokens = {}
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 't', 'ts')
  local t = tonumber(state[1])
  local ts = tonumber(state[2])
  if t == nil then t = cap; ts = now end
  t = math.min(cap, t + math.max(0, now - ts) * rate)
  tokens[i] = t
  if t < 1 then wait = math.max(wait, math.ceil((1 - t) / rate)) end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  redis.call('HSET', key, 't', tostring(tokens[i] - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(cap / rate) + 1000)
end
return 0
"""


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

    async def acquire(self, buckets: list[tuple[str, Budget]]) -> None:
        """Draws one token from every bucket, or raises ResourceExhausted with the time to wait."""
        live = [(key, b) for key, b in buckets if b.per_minute > 0]
        if not live:
            return
        args: list[float | int] = [int(time.time() * 1000)]
        for _, budget in live:
            args += [budget.per_minute, budget.refill_per_ms]
        wait_ms = int(await self._script(keys=[f"pm:rl:{key}" for key, _ in live], args=args))
        if wait_ms > 0:
            raise ResourceExhausted(
                f"rate limit reached; retry in {wait_ms / 1000:.1f} s",
                retry_after_seconds=wait_ms / 1000,
                metadata={"retry_after_ms": str(wait_ms)},
            )
