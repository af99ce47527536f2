"""One run of an async computation per key at a time. Callers that arrive while it runs share its
result (or its error) instead of starting their own, and a caller that goes away does not cancel it for
the others. Used where a miss is expensive and misses come in crowds: a cached game configuration,
signing keys for an unknown ``kid``, a leaderboard Redis has lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    def running(self, key: K) -> bool:
        return key in self._running

    async def run(self, key: K, start: Callable[[], Awaitable[V]]) -> V:
        """The result of the run for ``key`` in progress, or of a new one made by ``start()``."""
        run = self._running.get(key)
        if run is None:
            run = self._running[key] = asyncio.ensure_future(start())
            # Only this run's own entry: a run started after a ``forget`` keeps its place.
            run.add_done_callback(lambda done: self._running.pop(key) if self._running.get(key) is done else None)
        return await asyncio.shield(run)

    def forget(self, key: K) -> None:
        """Callers from now on start a new run (what the one in progress reads may be out of date)."""
        self._running.pop(key, None)

    def forget_all(self) -> None:
        self._running.clear()
