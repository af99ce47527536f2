"""The event bus on Redis Streams: at-least-once delivery with consumer groups, acknowledgement, retry
with exponential back-off, claim of messages stuck on dead consumers, and a dead-letter stream per
topic. Consumers make their effects idempotent (keyed by ``Message.id``), so at-least-once delivery has
exactly-once effect.

Streams: ``pm:bus:{<topic>}``; dead letters: ``pm:bus:{<topic>}:dead`` (fields of the message plus
``error``, ``attempts``, ``group`` and ``original_id``). Topics: match.found, session.allocated,
match.completed, score.updated, telemetry.event, game.updated, player.updated, player.rating_updated.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from playmesh.runtime.logging import get_logger

__all__ = ["BusPolicy", "EventBus", "Message", "dead_letter_key", "stream_key"]

log = get_logger(__name__)


def stream_key(topic: str) -> str:
    # Hash-tagged by topic: dead-lettering moves a message between a topic's two streams in one
    # transaction, which Redis Cluster allows only within one slot.
    return f"pm:bus:{{{topic}}}"


def dead_letter_key(topic: str) -> str:
    return f"pm:bus:{{{topic}}}:dead"


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    id: str
    topic: str
    payload: bytes
    headers: dict[str, str]
    deliveries: int


@dataclasses.dataclass(frozen=True, slots=True)
class BusPolicy:
    max_deliveries: int = 5
    retry_base_ms: int = 500
    retry_max_ms: int = 30000
    claim_idle_ms: int = 30000
    block_ms: int = 1000
    batch: int = 64

    def backoff_ms(self, deliveries: int) -> int:
        return min(self.retry_max_ms, self.retry_base_ms * 2 ** max(0, deliveries - 1))


Handler = Callable[[Message], Awaitable[None]]


class EventBus:
    def __init__(self, redis: Redis, *, policy: BusPolicy | None = None, max_len: int = 1_000_000) -> None:
        self._redis = redis
        self.policy = policy or BusPolicy()
        self._max_len = max_len

    async def publish(self, topic: str, payload: bytes, headers: dict[str, str] | None = None) -> str:
        fields: dict[bytes | str, bytes | str] = {"payload": payload}
        for k, v in (headers or {}).items():
            fields[f"h:{k}"] = v
        msg_id = await self._redis.xadd(stream_key(topic), fields, maxlen=self._max_len, approximate=True)
        return msg_id.decode() if isinstance(msg_id, bytes) else str(msg_id)

    async def ensure_group(self, topic: str, group: str) -> None:
        try:
            await self._redis.xgroup_create(stream_key(topic), group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def tail(self, topic: str, handler: Callable[[bytes], None], *, stop: asyncio.Event, on_gap: Callable[[], None]) -> None:
        """Hands every message published from now on to ``handler``, in every process that tails the
        topic (a broadcast, unlike a consumer group): for per-process caches that an event invalidates.
        Nothing is acknowledged or retried; after a Redis failure ``on_gap`` is called (messages may
        have been missed meanwhile) and the tail resumes from where it was. ``on_gap`` is also called
        once the starting point is fixed, since anything published before it was not seen."""
        last = ""
        while not stop.is_set():
            if not last:
                # A fixed id, never "$": re-issuing "$" after each empty block would skip what was
                # published between two reads.
                try:
                    newest = await self._redis.xrevrange(stream_key(topic), count=1)
                except (RedisError, OSError) as exc:
                    log.warning("bus_tail_failed", topic=topic, error=str(exc))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
                    continue
                last = (newest[0][0].decode() if isinstance(newest[0][0], bytes) else newest[0][0]) if newest else "0-0"
                on_gap()
            try:
                response = await self._redis.xread({stream_key(topic): last}, count=self.policy.batch, block=self.policy.block_ms)
            except (RedisError, OSError) as exc:
                log.warning("bus_tail_failed", topic=topic, error=str(exc))
                on_gap()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                continue
            for _stream, entries in response or []:
                for raw_id, fields in entries:
                    last = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
                    try:
                        handler(fields.get(b"payload", b""))
                    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the tail
                        log.warning("bus_tail_handler_failed", topic=topic, message_id=last, error=str(exc))

    async def consume(self, topic: str, group: str, consumer: str, handler: Handler, *, stop: asyncio.Event) -> None:
        """Delivers messages to ``handler`` until ``stop`` is set. A handler that returns acks its message;
        one that raises leaves it pending for a retry after back-off, or dead-letters it after
        ``max_deliveries``."""
        await self.ensure_group(topic, group)
        while not stop.is_set():
            handled = await self._retry_due(topic, group, consumer, handler)
            response = await self._redis.xreadgroup(group, consumer, {stream_key(topic): ">"}, count=self.policy.batch, block=self.policy.block_ms)
            for _stream, entries in response or []:
                for raw_id, fields in entries:
                    await self._deliver(topic, group, handler, raw_id, fields, 1)
                    handled += 1
            if not handled and not response:
                await asyncio.sleep(0)

    async def _retry_due(self, topic: str, group: str, consumer: str, handler: Handler) -> int:
        """Claims pending messages whose back-off has passed: our own failures, and messages of any
        consumer silent for ``claim_idle_ms`` (it died mid-message)."""
        pending = await self._redis.xpending_range(
            stream_key(topic), group, min="-", max="+", count=self.policy.batch, idle=min(self.policy.retry_base_ms, self.policy.claim_idle_ms)
        )
        count = 0
        for entry in pending:
            deliveries = int(entry["times_delivered"])
            idle = int(entry["time_since_delivered"])
            owner = entry["consumer"].decode() if isinstance(entry["consumer"], bytes) else entry["consumer"]
            due = self.policy.backoff_ms(deliveries) if owner == consumer else max(self.policy.claim_idle_ms, self.policy.backoff_ms(deliveries))
            if idle < due:
                continue
            claimed = await self._redis.xclaim(stream_key(topic), group, consumer, min_idle_time=due, message_ids=[entry["message_id"]])
            for raw_id, fields in claimed:
                if fields is None:  # trimmed from the stream meanwhile
                    await self._redis.xack(stream_key(topic), group, raw_id)
                    continue
                await self._deliver(topic, group, handler, raw_id, fields, deliveries + 1)
                count += 1
        return count

    async def _deliver(self, topic: str, group: str, handler: Handler, raw_id: bytes | str, fields: dict[bytes, bytes], deliveries: int) -> None:
        msg_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        headers = {k.decode()[2:]: v.decode() for k, v in fields.items() if k.startswith(b"h:")}
        message = Message(msg_id, topic, fields.get(b"payload", b""), headers, deliveries)
        try:
            await handler(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried or dead-lettered
            if deliveries >= self.policy.max_deliveries:
                await self._dead_letter(topic, group, msg_id, fields, f"{type(exc).__name__}: {exc}", deliveries)
                log.warning("bus_dead_lettered", topic=topic, group=group, message_id=msg_id, attempts=deliveries, error=str(exc))
            else:
                log.info("bus_retry", topic=topic, group=group, message_id=msg_id, attempts=deliveries, error=str(exc))
            return
        await self._redis.xack(stream_key(topic), group, msg_id)

    async def _dead_letter(self, topic: str, group: str, msg_id: str, fields: dict[bytes, bytes], error: str, attempts: int) -> None:
        dead = dict(fields)
        dead.update(
            {
                b"error": error.encode(),
                b"attempts": str(attempts).encode(),
                b"group": group.encode(),
                b"original_id": msg_id.encode(),
                b"dead_time_ms": str(int(time.time() * 1000)).encode(),
            }
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(dead_letter_key(topic), dead, maxlen=self._max_len, approximate=True)
            pipe.xack(stream_key(topic), group, msg_id)
            await pipe.execute()

    async def dead_letters(self, topic: str, count: int = 100, after: str = "-") -> list[tuple[str, dict[bytes, bytes]]]:
        rows = await self._redis.xrange(dead_letter_key(topic), min=after, max="+", count=count)
        return [(i.decode() if isinstance(i, bytes) else i, f) for i, f in rows]
