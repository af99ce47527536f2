"""Developer access checks for services other than core: a developer reaches a game's data only as a
member of the studio that owns it, and anything of another studio is NOT_FOUND (ids of other tenants
cannot be probed). Core owns studios, members and games, so this asks core's ``CheckGameAccess`` as a
service principal, and remembers a granted access for ``ttl_seconds`` (a removed member keeps it that
long at most). Refusals are not remembered."""

from __future__ import annotations

import time

from playmesh.core.v1 import core_service_pb2 as core_pb
from playmesh.core.v1 import core_service_pb2_grpc
from playmesh.runtime.errors import NotFound
from playmesh.runtime.internal import InternalClient
from playmesh.runtime.validation import is_uuid

__all__ = ["DeveloperAccess"]

_MAX_REMEMBERED = 100_000


class DeveloperAccess:
    def __init__(self, internal: InternalClient, *, ttl_seconds: float = 5.0) -> None:
        self._internal = internal
        self._core = internal.stub("core", core_service_pb2_grpc.CoreServiceStub)
        self._ttl = ttl_seconds
        self._granted: dict[tuple[str, str, str], float] = {}

    async def require_game(self, developer_id: str, studio_id: str, game_id: str) -> None:
        """Proves the developer's studio owns the game; NOT_FOUND otherwise."""
        if not is_uuid(studio_id):
            raise NotFound("studio not found", reason="STUDIO_NOT_FOUND")
        if not is_uuid(game_id):
            raise NotFound("game not found", reason="GAME_NOT_FOUND")
        key = (developer_id, studio_id, game_id)
        if self._granted.get(key, 0.0) > time.monotonic():
            return
        await self._internal.call(self._core.CheckGameAccess, core_pb.CheckGameAccessRequest(developer_id=developer_id, studio_id=studio_id, game_id=game_id))
        if len(self._granted) > _MAX_REMEMBERED:
            self._granted.clear()
        self._granted[key] = time.monotonic() + self._ttl
