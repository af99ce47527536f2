"""What every benchmark needs: a platform of its own, progress on stderr, percentiles, and a developer,
studio, game and API key created through the gateway."""

from __future__ import annotations

import contextlib
import pathlib
import sys
import tempfile
import uuid
from collections.abc import Iterator

import grpc
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess

__all__ = ["create_game", "percentile", "running_platform", "say"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def running_platform(**settings: object) -> Iterator[PlatformProcess]:
    """`playmesh up` on free ports with a temporary data dir, stopped at the end. Keyword arguments are
    settings (``service_processes=2`` is PLAYMESH_SERVICE_PROCESSES=2); logs are kept to warnings."""
    env = {"PLAYMESH_LOG_LEVEL": "warning", **{f"PLAYMESH_{k.upper()}": str(v) for k, v in settings.items()}}
    with tempfile.TemporaryDirectory(prefix="playmesh-bench-") as tmp:
        platform = PlatformProcess(pathlib.Path(tmp), extra_env=env)
        say("starting a platform" + (f" ({', '.join(f'{k}={v}' for k, v in settings.items())})" if settings else "") + " …")
        platform.start()
        try:
            yield platform
        finally:
            platform.stop()


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
