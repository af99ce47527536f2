"""What every benchmark needs: progress on stderr, percentiles, and a developer, studio, game and API
key created through the gateway."""

from __future__ import annotations

import sys
import uuid

import grpc
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as pb

__all__ = ["create_game", "percentile", "say"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def create_game(gateway: str, config: core_pb2.GameConfig | None = None) -> tuple[str, str, str]:
    """(studio id, game id, API key secret) of a new studio and game."""
    with grpc.insecure_channel(gateway) as channel:
        stub = core_service_pb2_grpc.CoreServiceStub(channel)
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        dev = stub.RegisterDeveloper(pb.RegisterDeveloperRequest(email=email, password="benchmark password", display_name="bench"))
        md = (("authorization", f"Bearer {dev.tokens.access_token}"),)
        studio = stub.CreateStudio(pb.CreateStudioRequest(display_name="bench"), metadata=md).studio
        game = stub.CreateGame(pb.CreateGameRequest(studio_id=studio.id, display_name="bench", config=config), metadata=md).game
        key = stub.CreateApiKey(pb.CreateApiKeyRequest(studio_id=studio.id, game_id=game.id, display_name="bench"), metadata=md).secret
    return studio.id, game.id, key
