"""Players as the scoreboard sees them: which ids are players of a game, and their display names. Core
owns player accounts; this asks core's ``BatchGetPlayers`` as a service principal. ``Scoreboard``
keeps the answers for a while (``name_ttl_seconds``), so a board read or a player's action costs a
call to core only for players it has not seen lately."""

from __future__ import annotations

from collections.abc import Sequence

from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.core.v1 import core_service_pb2_grpc
from playmesh.runtime.internal import InternalClient

__all__ = ["PlayerNames"]

_BATCH = 1000  # BatchGetPlayers' limit


class PlayerNames:
    def __init__(self, internal: InternalClient) -> None:
        self._internal = internal
        self._core = internal.stub("core", core_service_pb2_grpc.CoreServiceStub)

    async def display_names(self, studio_id: str, game_id: str, player_ids: Sequence[str]) -> dict[str, str]:
        """Display name by player id, for the ids that are players of the game (others are left out)."""
        out: dict[str, str] = {}
        ids = list(dict.fromkeys(player_ids))
        for start in range(0, len(ids), _BATCH):
            request = core_pb.BatchGetPlayersRequest(studio_id=studio_id, game_id=game_id, player_ids=ids[start : start + _BATCH])
            found = await self._internal.call(self._core.BatchGetPlayers, request)
            out.update((p.id, p.display_name) for p in found.players)
        return out
