"""What core announces on the event bus for the services that keep copies of its data: ``game.updated``
(they drop their cached game configuration) and ``player.updated`` (an account was created or
renamed). ``player.rating_updated`` is core's too: it is published with the ratings core computes from
``match.completed`` (OpenSkill), which arrive with the session service. A lost announcement costs only
freshness (copies expire by themselves), so a Redis failure here is logged, not raised: the change is
already committed."""

from __future__ import annotations

from redis.exceptions import RedisError

from playmesh.core.v1 import core_pb2
from playmesh.runtime.bus import EventBus
from playmesh.runtime.game_configs import GAME_UPDATED
from playmesh.runtime.logging import get_logger

__all__ = ["PLAYER_RATING_UPDATED", "PLAYER_UPDATED", "CoreEvents"]

PLAYER_UPDATED = "player.updated"  # payload: core.v1.PlayerUpdatedEvent
PLAYER_RATING_UPDATED = "player.rating_updated"  # payload: core.v1.PlayerUpdatedEvent
log = get_logger(__name__)


class CoreEvents:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def game_updated(self, studio_id: str, game: core_pb2.Game) -> None:
        await self._publish(GAME_UPDATED, core_pb2.GameUpdatedEvent(studio_id=studio_id, game_id=game.id, etag=game.etag).SerializeToString())

    async def player_updated(self, studio_id: str, player: core_pb2.Player, *, topic: str = PLAYER_UPDATED) -> None:
        shared = core_pb2.Player()
        shared.CopyFrom(player)
        shared.ClearField("email")  # other services need names and ratings, not contact details
        await self._publish(topic, core_pb2.PlayerUpdatedEvent(studio_id=studio_id, player=shared).SerializeToString())

    async def _publish(self, topic: str, payload: bytes) -> None:
        try:
            await self._bus.publish(topic, payload)
        except (RedisError, OSError) as exc:
            log.warning("event_not_published", topic=topic, error=str(exc))
