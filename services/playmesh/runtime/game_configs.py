"""Reads a game's configuration (owned by the core service) for the services that act on it, with a
short per-process cache: configuration changes reach matchmaking, scoreboard and telemetry within
``ttl_seconds``."""

from __future__ import annotations

import time

import sqlalchemy as sa
from google.protobuf import json_format

from playmesh.core.v1 import core_pb2
from playmesh.runtime.db import Database
from playmesh.runtime.errors import NotFound
from playmesh.runtime.tables import games, tenant_schema

__all__ = ["GameConfigs"]


class GameConfigs:
    def __init__(self, db: Database, *, ttl_seconds: float = 5.0) -> None:
        self._db = db
        self._ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, core_pb2.GameConfig]] = {}

    async def get(self, studio_id: str, game_id: str) -> core_pb2.GameConfig:
        key = (studio_id, game_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self._db.begin(tenant_schema(studio_id)) as conn:
            row = (await conn.execute(sa.select(games.c.config).where(games.c.id == game_id))).first()
        if row is None:
            raise NotFound("game not found", reason="GAME_NOT_FOUND")
        config = json_format.ParseDict(row.config, core_pb2.GameConfig(), ignore_unknown_fields=True)
        self._cache[key] = (time.monotonic() + self._ttl, config)
        return config
