"""What every benchmark needs: a platform of its own, progress on stderr, percentiles, and a developer,
studio, game and API key created through the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing as mp
import pathlib
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import grpc
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess

__all__ = ["create_game", "in_processes", "percentile", "quiet_gc", "running_platform", "say"]

T = TypeVar("T")


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


def quiet_gc() -> None:
    """The load generator is the measuring instrument: keep its own garbage-collector pauses out of
    the figures, tuned as the services tune theirs (runtime/server.py)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def _run(worker: Callable[..., Awaitable[Any]], args: tuple[Any, ...], out: mp.Queue) -> None:  # type: ignore[type-arg]
    quiet_gc()
    out.put(asyncio.run(worker(*args)))


def in_processes(worker: Callable[..., Awaitable[T]], args_per_process: list[tuple[Any, ...]], timeout: float) -> tuple[list[T], float]:
    """Runs ``worker(*args)`` (an async function at module level) in one process per entry, so the load
    generator is not held back by one core's GIL; returns the results and the wall time taken."""
    out: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [mp.Process(target=_run, args=(worker, args, out)) for args in args_per_process]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(30)
    return results, time.perf_counter() - started


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
