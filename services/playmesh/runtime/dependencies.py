"""A service process watches its PostgreSQL and Redis, so its gRPC health says whether it can work.

Every ``PLAYMESH_DEPENDENCY_CHECK_INTERVAL_MS`` each dependency gets a cheap ping (``SELECT 1``, ``PING``)
on a connection of the probe's own, outside the request pools: a pool busy with a burst is not a dead
server, and the ping must not wait behind it. While one does not answer, the process reports
NOT_SERVING; Envoy's active health checks then take it out of rotation, and when every instance of a
service is out, Envoy's panic mode still sends calls to them, which answer UNAVAILABLE at once.

When the probe's own connection broke (the server died, however briefly it was gone), the request pools'
idle connections broke with it. Neither SQLAlchemy (no pre-ping: it would cost a round trip per
checkout on the hot paths) nor redis-py notices a dead socket before using it, so each stale connection
would fail one call after the server is back; the watch drops them as soon as it sees the server again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import asyncpg
from prometheus_client import Gauge
from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError

from playmesh.runtime.db import Database, async_url
from playmesh.runtime.logging import get_logger

__all__ = ["DependencyWatch", "PostgresProbe", "Probe", "RedisProbe"]

log = get_logger("playmesh.dependencies")
UP = Gauge("playmesh_dependency_up", "1 while the process reaches the dependency, 0 while it does not", ["dependency"])
# What a dead, restarting or unreachable server raises on either client (TimeoutError is an OSError).
_DOWN_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, RedisError)


class Probe(Protocol):
    name: str

    async def ping(self) -> None:
        """Raises when the server does not answer; (re)connects the probe's own connection as needed."""

    async def disconnect(self) -> None:
        """Drops the probe's own connection, so the next ping opens a fresh one."""

    async def drop_stale(self) -> None:
        """Drops the request pool's idle connections, which broke when the probe's did."""


class PostgresProbe:
    name = "postgresql"

    def __init__(self, url: str, db: Database, timeout: float) -> None:
        # Any form the settings accept, as asyncpg itself reads it (no SQLAlchemy dialect suffix).
        self._url = "postgresql://" + async_url(url).removeprefix("postgresql+asyncpg://")
        self._db = db
        self._timeout = timeout
        self._conn: asyncpg.Connection | None = None

    async def ping(self) -> None:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._url, timeout=self._timeout)
        await self._conn.fetchval("SELECT 1", timeout=self._timeout)

    async def disconnect(self) -> None:
        if self._conn is not None:
            self._conn.terminate()  # no goodbye round trip to a server that may be gone
            self._conn = None

    async def drop_stale(self) -> None:
        # Closes the idle connections and starts a new pool; connections in use finish their call and
        # are closed when returned.
        await self._db.engine.dispose()


class RedisProbe:
    name = "redis"

    def __init__(self, url: str, redis: Redis, timeout: float) -> None:
        self._requests = redis
        # A pool of one built from the URL: its connection does not retry, so a ping fails within `timeout`.
        self._client = Redis(connection_pool=ConnectionPool.from_url(url, max_connections=1, socket_timeout=timeout, socket_connect_timeout=timeout))

    async def ping(self) -> None:
        await self._client.ping()

    async def disconnect(self) -> None:
        await self._client.connection_pool.disconnect()

    async def drop_stale(self) -> None:
        await self._requests.connection_pool.disconnect(inuse_connections=False)


class DependencyWatch:
    """Pings every probe each ``interval`` seconds and calls ``on_change(serving)`` when the verdict
    (all of them answer) changes. A ping gets ``timeout`` seconds: a dead server refuses or resets at
    once, so the timeout only matters for a hung or unreachable one, and a generous one keeps a
    process whose event loop is busy for a moment from calling a healthy server down. Logs ``dependency_down``, ``dependency_up`` (with how long it was
    down) and ``dependency_reconnected`` (the server came back before a ping saw it gone)."""

    def __init__(self, probes: list[Probe], on_change: Callable[[bool], Awaitable[None]], *, interval: float, timeout: float) -> None:
        self._probes = probes
        self._on_change = on_change
        self._interval = interval
        self._timeout = timeout
        self._down_since: dict[str, float] = {}
        self.serving = True
        for probe in probes:
            UP.labels(probe.name).set(1)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.check()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._interval)
        finally:
            for probe in self._probes:
                await probe.disconnect()

    async def check(self) -> bool:
        """One round of pings; returns whether every dependency answered."""
        answers = await asyncio.gather(*(self._check(probe) for probe in self._probes))
        serving = all(answers)
        if serving != self.serving:
            self.serving = serving
            await self._on_change(serving)
        return serving

    async def _check(self, probe: Probe) -> bool:
        reconnected = False
        try:
            await asyncio.wait_for(probe.ping(), self._timeout)
        except _DOWN_ERRORS:
            # The probe's connection broke or timed out. The server may be gone, or already back after
            # a restart (the launcher restarts a dead one within a second): one more try on a fresh one.
            await probe.disconnect()
            try:
                await asyncio.wait_for(probe.ping(), self._timeout)
            except _DOWN_ERRORS as exc:
                await probe.disconnect()
                if probe.name not in self._down_since:
                    self._down_since[probe.name] = time.monotonic()
                    UP.labels(probe.name).set(0)
                    log.warning("dependency_down", dependency=probe.name, error=str(exc) or type(exc).__name__)
                return False
            reconnected = True
        since = self._down_since.pop(probe.name, None)
        if since is None and not reconnected:
            return True
        await probe.drop_stale()
        UP.labels(probe.name).set(1)
        if since is None:
            log.info("dependency_reconnected", dependency=probe.name)
        else:
            log.info("dependency_up", dependency=probe.name, down_seconds=round(time.monotonic() - since, 3))
        return True
