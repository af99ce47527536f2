"""A game's configuration as the services that act on it see it. Core owns games; this asks core's
``GetInternalGameConfig`` (as a service principal) and keeps the answer per process. Core announces
every change on the bus (``game.updated``); ``run`` tails that topic in every process and drops the
changed game's copy, so a change is seen everywhere within moments. ``ttl_seconds`` is only the safety
net for an announcement missed while Redis was unreachable (the whole cache is dropped then too)."""

from __future__ import annotations

import asyncio
import time

from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.runtime.bus import EventBus
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.logging import get_logger
from playmesh.runtime.single_flight import SingleFlight

__all__ = ["GAME_UPDATED", "GameConfigs"]

GAME_UPDATED = "game.updated"  # payload: core.v1.GameUpdatedEvent
log = get_logger(__name__)

_Key = tuple[str, str]


class GameConfigs:
    def __init__(self, internal: InternalClient, bus: EventBus, *, ttl_seconds: float = 60.0) -> None:
        self._internal = internal
        self._core = internal.stub("core", core_service_pb2_grpc.CoreServiceStub)
        self._bus = bus
        self._ttl = ttl_seconds
        self._cache: dict[_Key, tuple[float, core_pb2.GameConfig]] = {}
        self._loading: SingleFlight[_Key, core_pb2.GameConfig] = SingleFlight()  # one read of core per game however many calls miss at once
        # Bumped by every invalidation: a read that was in flight across one must not store what it read.
        self._generation = 0

    async def get(self, studio_id: str, game_id: str) -> core_pb2.GameConfig:
        key = (studio_id, game_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return await self._loading.run(key, lambda: self._load(key))

    async def _load(self, key: _Key) -> core_pb2.GameConfig:
        generation = self._generation
        response = await self._internal.call(self._core.GetInternalGameConfig, core_pb.GetInternalGameConfigRequest(studio_id=key[0], game_id=key[1]))
        if generation == self._generation:
            self._cache[key] = (time.monotonic() + self._ttl, response.config)
        return response.config

    def invalidate(self, studio_id: str, game_id: str) -> None:
        self._generation += 1
        self._cache.pop((studio_id, game_id), None)
        self._loading.forget((studio_id, game_id))  # later callers start a read of the new config

    def invalidate_all(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._loading.forget_all()

    def _on_event(self, payload: bytes) -> None:
        event = core_pb2.GameUpdatedEvent.FromString(payload)
        self.invalidate(event.studio_id, event.game_id)

    async def run(self, stop: asyncio.Event) -> None:
        """Background job of every process that uses this: drops copies as core announces changes."""
        # The tail calls invalidate_all once it has fixed its starting point: anything cached before
        # then may have missed an announcement.
        await self._bus.tail(GAME_UPDATED, self._on_event, stop=stop, on_gap=self.invalidate_all)
