"""Players' ratings as matchmaking reads them. Core owns ratings (on the player account, computed from
``match.completed`` with OpenSkill); matchmaking keeps a read model in its own Redis keys, fed by core's
``player.rating_updated`` events and filled from core's ``BatchGetPlayers`` the first time a player
is seen. CreateTicket reads one key: no call to core on its hot path once a player is known.

The model is one string key per player, ``pm:mm:{<studio>:<game>}:rating:<player>`` (in the game's
hash slot, beside its tickets), holding ``<version>|<JSON {mode: display rating}>``, the version being
the account's update time in ms. A key per player, not one hash per game, so no key grows with the
game's players and each expires on its own: every write and fill keeps it for
``PLAYMESH_MATCHMAKING_RATING_TTL_SECONDS`` (7 days), after which a player who comes back is read from
core again. A write that is not newer than what is stored is ignored (one script per write), so a late
event or a fill racing an event never puts an older rating back while the key lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket

from redis.asyncio import Redis
from redis.exceptions import RedisError

from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.runtime.bus import EventBus, Message
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.logging import get_logger

__all__ = ["PLAYER_RATING_UPDATED", "RatingReadModel", "rating_key"]

PLAYER_RATING_UPDATED = "player.rating_updated"  # core's topic; payload: core.v1.PlayerUpdatedEvent
_GROUP = "matchmaking.ratings"
log = get_logger(__name__)

# KEYS: the player's rating key. ARGV: version, ratings JSON, ttl seconds. Returns 1 if stored; an
# older or equal version only renews the key's life (the player is still active).
_STORE = """
local old = redis.call('GET', KEYS[1])
if old then
  local version = tonumber(string.match(old, '^(%d+)|'))
  if version and version >= tonumber(ARGV[1]) then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1
"""


def rating_key(studio_id: str, game_id: str, player_id: str) -> str:
    return f"pm:mm:{{{studio_id}:{game_id}}}:rating:{player_id}"


class RatingReadModel:
    def __init__(self, redis: Redis, internal: InternalClient, bus: EventBus, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._internal = internal
        self._core = internal.stub("core", core_service_pb2_grpc.CoreServiceStub)
        self._bus = bus
        self._store = redis.register_script(_STORE)

    async def display_rating(self, studio_id: str, game_id: str, player_id: str, mode: str, default: float) -> float:
        """The player's rating in ``mode``; ``default`` (the game's initial rating) before any rated match."""
        raw = await self._redis.get(rating_key(studio_id, game_id, player_id))
        ratings = json.loads(raw.split(b"|", 1)[1]) if raw is not None else await self._fill(studio_id, game_id, player_id)
        return float(ratings.get(mode, default))

    async def _fill(self, studio_id: str, game_id: str, player_id: str) -> dict[str, float]:
        found = await self._internal.call(
            self._core.BatchGetPlayers, core_pb.BatchGetPlayersRequest(studio_id=studio_id, game_id=game_id, player_ids=[player_id])
        )
        if not found.players:
            return {}
        return await self._put(studio_id, found.players[0])

    async def _put(self, studio_id: str, player: core_pb2.Player) -> dict[str, float]:
        ratings = {r.mode: r.display_rating for r in player.ratings}
        version = player.update_time.ToMilliseconds()
        await self._store(keys=[rating_key(studio_id, player.game_id, player.id)], args=[version, json.dumps(ratings, separators=(",", ":")), self._ttl])
        return ratings

    async def _on_event(self, message: Message) -> None:
        event = core_pb2.PlayerUpdatedEvent.FromString(message.payload)
        await self._put(event.studio_id, event.player)

    async def run(self, stop: asyncio.Event) -> None:
        """Background job: applies core's rating changes (the processes of matchmaking share the work)."""
        consumer = f"{socket.gethostname()}-{os.getpid()}"
        while not stop.is_set():
            try:
                await self._bus.consume(PLAYER_RATING_UPDATED, _GROUP, consumer, self._on_event, stop=stop)
            except (RedisError, OSError) as exc:  # Redis down: events wait in the stream meanwhile
                log.warning("rating_events_unavailable", error=str(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
