"""Leaderboards of a game, split by concern: ``seasons`` (boards from the game's configuration and
their seasons), ``writes`` (score changes with their outbox, and the relay), ``reads`` (pages, ranks,
names, and the rebuild of a board Redis has lost). ``Scoreboard`` builds the three over one store,
one Redis and one clock. Knows nothing of gRPC: the servicer validates requests and converts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from redis.asyncio import Redis

from playmesh.runtime.bus import EventBus
from playmesh.runtime.game_configs import GameConfigs
from playmesh.scoreboard.player_names import PlayerNames
from playmesh.scoreboard.ranks import Ranks
from playmesh.scoreboard.reads import ScoreReader
from playmesh.scoreboard.seasons import Seasons, utc_now
from playmesh.scoreboard.store import ScoreStore
from playmesh.scoreboard.writes import ScoreWriter

__all__ = ["Scoreboard"]


class Scoreboard:
    def __init__(
        self,
        redis: Redis,
        store: ScoreStore,
        configs: GameConfigs,
        *,
        players: PlayerNames,
        bus: EventBus | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        outbox_delay_seconds: float = 5.0,
        name_ttl_seconds: float = 30.0,
    ) -> None:
        self.store = store
        self.ranks = Ranks(redis)
        self.seasons = Seasons(store, configs, clock=clock)
        self.reads = ScoreReader(store, self.ranks, self.seasons, players, name_ttl_seconds=name_ttl_seconds)
        self.writes = ScoreWriter(
            redis, store, self.ranks, configs, self.seasons, self.reads, bus or EventBus(redis), outbox_delay_seconds=outbox_delay_seconds
        )
