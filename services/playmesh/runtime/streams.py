"""Live streams: one Redis pub/sub subscriber per process, shared by every stream RPC.

A stream RPC (WatchTicket, WatchLeaderboard, WatchParty, …) listens to the channel its state changes
are announced on, reads the state, and re-reads it on every event::

    async with runtime.streams.listen(f"pm:mm:ticket:{ticket_id}") as inbox:
        state = await read()                   # after listen(): no later change is missed
        while True:
            event = await inbox.next(wait_seconds=1.0)  # None: nothing happened meanwhile
            if event is not None:              # a message, or RESYNC: re-read either way
                state = await read()

Why one subscriber: a stream that holds a connection of the request pool for its whole life starves
the process (64 watchers made every Redis call of a matchmaking process wait and fail). The hub holds
one dedicated connection, never from the pool, named ``playmesh:<pid>:streams`` in CLIENT LIST,
whatever the number of streams; it is opened on the first ``listen()``.

- **Multiplexed channels**: any number of local listeners per channel. The first listener subscribes,
  the last one to leave unsubscribes; what changed meanwhile goes to Redis as one command per kind.
- **Confirmed subscriptions**: ``listen()`` returns once Redis has confirmed the subscription, so a
  state read after it misses no change. If Redis is unreachable for ``subscribe_timeout_seconds``, it
  raises ``Unavailable`` (the stream ends UNAVAILABLE rather than hang).
- **Bounded queues**: each listener keeps at most ``queue_limit`` events; one that falls behind has
  its queue replaced by a single RESYNC ("changed, re-read"), so memory stays bounded.
- **Reconnects**: when the connection fails (or stops answering pings), the hub reconnects with
  jittered exponential back-off, re-subscribes every channel that has listeners, and hands each of
  their listeners RESYNC once the channel is live again: messages published in between were lost.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import math
import random
import time
from collections.abc import AsyncIterator, Iterable

from redis.asyncio import ConnectionPool
from redis.asyncio.connection import AbstractConnection
from redis.backoff import NoBackoff
from redis.retry import Retry

from playmesh.runtime.errors import Unavailable
from playmesh.runtime.logging import get_logger

__all__ = ["RESYNC", "Event", "Inbox", "StreamHub", "StreamsClosed"]

log = get_logger("playmesh.runtime.streams")

_BATCH = 1000  # channels per SUBSCRIBE/UNSUBSCRIBE command


class StreamsClosed(Unavailable):
    """The hub has closed (the process is stopping): every stream ends with UNAVAILABLE."""

    default_reason = "STREAMS_CLOSED"

    def __init__(self) -> None:
        super().__init__("the server is shutting down; reconnect")


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One delivery to a listener: a published message, or RESYNC (messages may have been lost)."""

    data: bytes
    resync: bool = False


RESYNC = Event(b"", resync=True)


class Inbox:
    """One listener's bounded queue of events on one channel."""

    __slots__ = ("_closed", "_limit", "_queue", "_waiter", "channel")

    def __init__(self, channel: str, limit: int) -> None:
        self.channel = channel
        self._limit = limit
        self._queue: collections.deque[Event] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed: StreamsClosed | None = None

    def _deliver(self, event: Event) -> None:
        if event.resync or len(self._queue) >= self._limit:
            # Re-reading the state covers every event before it: drop them rather than grow.
            self._queue.clear()
            event = RESYNC
        self._queue.append(event)
        self._wake()

    def _close(self, error: StreamsClosed) -> None:
        self._closed = error
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def pending(self) -> int:
        return len(self._queue)

    def drain(self) -> int:
        """Forgets the events received so far (a state read about to happen covers them); returns how many."""
        count = len(self._queue)
        self._queue.clear()
        return count

    async def next(self, wait_seconds: float | None = None) -> Event | None:
        """The next event; None when ``wait_seconds`` pass without one (a timer, not a cancellation:
        cheap enough for thousands of streams that refresh every second). Raises ``StreamsClosed``
        once the hub has closed."""
        if not self._queue:
            if self._closed is not None:
                raise self._closed
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(wait_seconds, _expire, waiter) if wait_seconds is not None else None
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
            if not self._queue:
                if self._closed is not None:
                    raise self._closed
                return None
        return self._queue.popleft()

    def __aiter__(self) -> Inbox:
        return self

    async def __anext__(self) -> Event:
        event = await self.next()
        assert event is not None  # no timeout: only an event or the hub's closing ends the wait
        return event


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _Channel:
    __slots__ = ("inboxes", "ready", "resync")

    def __init__(self, ready: asyncio.Future[None]) -> None:
        self.inboxes: set[Inbox] = set()
        self.ready = ready  # done once Redis has confirmed the subscription on the current connection
        self.resync = False  # the subscription was lost: listeners re-read once it is live again


def _chunks(items: list[str]) -> Iterable[list[str]]:
    return (items[i : i + _BATCH] for i in range(0, len(items), _BATCH))


class StreamHub:
    """The process's subscriber. Create one per process (``Runtime.streams``); close it at shutdown."""

    def __init__(
        self,
        redis_url: str,
        *,
        client_name: str,
        queue_limit: int = 64,
        subscribe_timeout_seconds: float = 5.0,
        backoff_base_seconds: float = 0.05,
        backoff_max_seconds: float = 5.0,
        ping_interval_seconds: float = 5.0,
    ) -> None:
        # Only the pool's connection settings are used: the hub makes its connections itself, one at a
        # time, and never retries inside redis-py (a silent reconnect would lose messages unnoticed).
        # RESP2: pub/sub replies are plain arrays. No socket timeout: reads wait for messages as long as
        # it takes (the pings watch the connection), and redis-py's timed send (asyncio.wait_for) can
        # swallow a cancellation on Python 3.11, which would keep a dead connection's writer running.
        self._factory = ConnectionPool.from_url(
            redis_url, client_name=client_name, protocol=2, retry=Retry(NoBackoff(), 0), socket_timeout=None, socket_connect_timeout=5, socket_keepalive=True
        )
        self.client_name = client_name
        self._limit = queue_limit
        self._subscribe_timeout = subscribe_timeout_seconds
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._ping_interval = ping_interval_seconds
        self._channels: dict[str, _Channel] = {}
        self._sent: set[str] = set()  # SUBSCRIBE sent on the current connection, no UNSUBSCRIBE since
        # (UN)SUBSCRIBE commands per channel not yet confirmed: a channel is live when it is in ``_sent``
        # with none in flight (a quick unsubscribe-subscribe must not look live after its first reply).
        self._inflight: collections.Counter[str] = collections.Counter()
        self._changed = asyncio.Event()  # the wanted channels differ from what was sent
        self._last_reply = 0.0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.connects = 0  # connections made so far (the first one included)

    def channels(self) -> int:
        """Channels with listeners in this process."""
        return len(self._channels)

    def listeners(self) -> int:
        return sum(len(c.inboxes) for c in self._channels.values())

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Inbox]:
        """An inbox of the events published on ``channel`` from the moment this returns."""
        if self._closed:
            raise StreamsClosed
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="stream-hub")
        entry = self._channels.get(channel)
        if entry is None:
            entry = self._channels[channel] = _Channel(asyncio.get_running_loop().create_future())
            if channel in self._sent and not self._inflight[channel]:
                entry.ready.set_result(None)  # Redis is still subscribed: the last listener just left
            else:
                self._changed.set()
        inbox = Inbox(channel, self._limit)
        entry.inboxes.add(inbox)
        try:
            if not entry.ready.done():
                try:
                    # asyncio.timeout, not wait_for: on 3.11, wait_for loses a cancellation that
                    # arrives as the awaited future completes.
                    async with asyncio.timeout(self._subscribe_timeout):
                        await asyncio.shield(entry.ready)
                except TimeoutError:
                    raise Unavailable("live updates are unavailable: Redis pub/sub cannot be reached", reason="STREAMS_UNAVAILABLE") from None
            yield inbox
        finally:
            entry.inboxes.discard(inbox)
            if not entry.inboxes and self._channels.get(channel) is entry:
                del self._channels[channel]
                self._changed.set()

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])  # (not ``await task``: that would swallow our own cancellation)
        error = StreamsClosed()
        for entry in self._channels.values():
            for inbox in entry.inboxes:
                inbox._close(error)

    # --- the connection ------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            conn = self._factory.make_connection()
            started = time.monotonic()
            try:
                await conn.connect()
                self.connects += 1
                if failures:
                    log.info("stream_hub_reconnected", after_failures=failures, channels=len(self._channels))
                async with asyncio.TaskGroup() as group:
                    group.create_task(self._read(conn))
                    group.create_task(self._write(conn))
            except* Exception as failure:  # noqa: BLE001 - Redis or the network failed; anything else is logged too: the hub must not die
                failures = 1 if time.monotonic() - started > self._backoff_max else failures + 1
                error = failure.exceptions[0]
                log.warning("stream_hub_connection_lost", error=f"{type(error).__name__}: {error}", channels=len(self._channels), failures=failures)
            finally:
                await conn.disconnect(nowait=True)
                self._lost()
            delay = min(self._backoff_max, self._backoff_base * 2 ** (failures - 1))
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    def _lost(self) -> None:
        """The connection is gone with its subscriptions: every channel waits to be live again."""
        self._sent.clear()
        self._inflight.clear()
        loop = asyncio.get_running_loop()
        for entry in self._channels.values():
            if entry.ready.done():
                entry.ready = loop.create_future()
                entry.resync = True
        self._changed.set()

    async def _write(self, conn: AbstractConnection) -> None:
        """Brings Redis's subscriptions in line with the channels that have listeners; pings."""
        self._last_reply = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping_interval):
                    await self._changed.wait()
            if time.monotonic() - self._last_reply > 3 * self._ping_interval:
                raise TimeoutError("Redis stopped answering the stream hub's pings")
            if not self._changed.is_set():
                await conn.send_command("PING")
                continue
            self._changed.clear()
            subscribe = [c for c in self._channels if c not in self._sent]
            unsubscribe = [c for c in self._sent if c not in self._channels]
            for batch in _chunks(subscribe):
                self._sent.update(batch)
                self._inflight.update(batch)
                await conn.send_command("SUBSCRIBE", *batch)
            for batch in _chunks(unsubscribe):
                self._sent.difference_update(batch)
                self._inflight.update(batch)
                await conn.send_command("UNSUBSCRIBE", *batch)

    async def _read(self, conn: AbstractConnection) -> None:
        while True:
            reply = await conn.read_response(timeout=math.inf, disconnect_on_error=False)
            self._last_reply = time.monotonic()
            kind = reply[0]
            if kind == b"message":
                entry = self._channels.get(reply[1].decode())
                if entry is not None:
                    event = Event(reply[2])
                    for inbox in entry.inboxes:
                        inbox._deliver(event)
            elif kind in (b"subscribe", b"unsubscribe"):
                name = reply[1].decode()
                self._confirmed(name)
                entry = self._channels.get(name)
                if entry is not None and name in self._sent and not self._inflight[name] and not entry.ready.done():
                    entry.ready.set_result(None)
                    if entry.resync:
                        entry.resync = False
                        for inbox in entry.inboxes:
                            inbox._deliver(RESYNC)

    def _confirmed(self, channel: str) -> None:
        left = self._inflight[channel] - 1
        if left > 0:
            self._inflight[channel] = left
        else:
            del self._inflight[channel]
