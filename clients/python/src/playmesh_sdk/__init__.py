"""Python SDK of Playmesh.

``playmesh_sdk.core``, ``.matchmaking``, ``.lobby``, ``.session``, ``.scoreboard``, ``.telemetry`` are the
generated messages and async stubs (betterproto2 + grpclib); ``PlaymeshClient`` is the hand-written
convenience layer a game client or bot starts from.
"""

from playmesh_sdk._generated.playmesh.core import v1 as core
from playmesh_sdk._generated.playmesh.lobby import v1 as lobby
from playmesh_sdk._generated.playmesh.matchmaking import v1 as matchmaking
from playmesh_sdk._generated.playmesh.scoreboard import v1 as scoreboard
from playmesh_sdk._generated.playmesh.session import v1 as session
from playmesh_sdk._generated.playmesh.telemetry import v1 as telemetry
from playmesh_sdk.client import PlaymeshClient

__all__ = ["PlaymeshClient", "core", "lobby", "matchmaking", "scoreboard", "session", "telemetry"]
