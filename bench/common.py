"""What every benchmark needs: a platform of its own, progress on stderr, percentiles, a developer,
studio, game and API key created through the gateway, the no-op call every figure is compared with,
and the settings (rate limits above all) the platform was started with."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import multiprocessing as mp
import pathlib
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import grpc
from playmesh.core.v1 import core_pb2, core_service_pb2_grpc
from playmesh.core.v1 import core_service_pb2 as pb
from playmesh.launcher.child import PlatformProcess
from playmesh.runtime.settings import Settings

__all__ = [
    "Noop",
    "create_game",
    "gateway_connections",
    "in_processes",
    "measure_noop",
    "percentile",
    "platform_settings",
    "quiet_gc",
    "running_platform",
    "say",
    "versus_noop",
]

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


# --- the no-op call ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Noop:
    """Core's GetJwks through Envoy (no authentication, database or Redis) at full load: what the
    machine's gRPC stack does in the same run as the figures compared with it. Measured before and
    after the figures (``and_then``), since the speed of a shared machine drifts within a run too."""

    rps: float  # the mean of the samples' rates
    rps_samples: tuple[float, ...]
    latencies: tuple[float, ...] = dataclasses.field(repr=False)
    errors: int
    in_flight: int

    @property
    def call_ms(self) -> float:
        """Machine time per no-op call at saturation (the inverse of its rate)."""
        return 1000 / self.rps

    def and_then(self, later: Noop) -> Noop:
        samples = self.rps_samples + later.rps_samples
        return Noop(sum(samples) / len(samples), samples, self.latencies + later.latencies, self.errors + later.errors, self.in_flight)

    def as_json(self) -> dict[str, object]:
        return {
            "noop_rps": round(self.rps, 1),
            "noop_rps_samples": [round(r, 1) for r in self.rps_samples],
            "noop_p50_ms": round(percentile(list(self.latencies), 0.5) * 1000, 2),
            "noop_p99_ms": round(percentile(list(self.latencies), 0.99) * 1000, 2),
            "noop_errors": self.errors,
            "noop_in_flight": self.in_flight,
        }


async def _noop_worker(gateway: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    async with grpc.aio.insecure_channel(gateway) as channel:
        stub = core_service_pb2_grpc.CoreServiceStub(channel)
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def loop() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await stub.GetJwks(pb.GetJwksRequest(), timeout=10)
                    latencies.append(time.perf_counter() - started)
                except grpc.aio.AioRpcError:
                    errors += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return errors, latencies


def measure_noop(gateway: str, *, seconds: float = 5, workers: int = 2, concurrency: int = 12) -> Noop:
    """GetJwks from ``workers`` load processes with ``concurrency`` calls in flight each, for ``seconds``."""
    say(f"no-op (GetJwks through Envoy): {seconds:.0f} s, {workers}x{concurrency} in flight …")
    results, elapsed = in_processes(_noop_worker, [(gateway, seconds, concurrency)] * workers, timeout=seconds + 60)
    latencies = tuple(lat for r in results for lat in r[1])
    rps = len(latencies) / min(elapsed, seconds + 0.5)
    noop = Noop(rps, (rps,), latencies, sum(r[0] for r in results), workers * concurrency)
    say(f"  {rps:.0f}/s, p50 {percentile(list(latencies), 0.5) * 1000:.1f} ms, p99 {percentile(list(latencies), 0.99) * 1000:.1f} ms, errors {noop.errors}")
    return noop


def versus_noop(noop: Noop, *, rates: dict[str, float], latencies_ms: dict[str, float]) -> dict[str, float]:
    """Each figure divided by the no-op's: a rate by the no-op's rate, a latency by the no-op's machine
    time per call (1000 / its rate). The machine's speed drifts up to 2x between days; these ratios
    hold where the figure is bound by CPU (not where it is bound by a fixed interval)."""
    out = {f"{name}_per_noop": round(value / noop.rps, 4) for name, value in rates.items()}
    out |= {f"{name}_in_noop_calls": round(value / noop.call_ms, 2) for name, value in latencies_ms.items()}
    return out


# --- what the platform ran with ---------------------------------------------------------------------

# Where things live and how they log: not a property of what is measured.
_PLUMBING = {
    "database_url",
    "redis_url",
    "data_dir",
    "gateway_port",
    "gateway_admin_port",
    "port_base",
    "metrics_port_base",
    "redis_port",
    "log_level",
    "log_format",
    "shutdown_grace_seconds",
}


def platform_settings(platform: PlatformProcess) -> dict[str, dict[str, dict[str, object]]]:
    """The settings the platform ran with that differ from their defaults, rate limits apart from the
    rest: ``{"rate_limits_raised": {env name: {"default": …, "set": …}}, "settings_changed": {…}}``.
    PlatformProcess lifts the per-IP limits itself, since every load client shares 127.0.0.1."""
    limits: dict[str, dict[str, object]] = {}
    others: dict[str, dict[str, object]] = {}
    for field in dataclasses.fields(Settings):
        env = f"PLAYMESH_{field.name.upper()}"
        if field.name in _PLUMBING or env not in platform.env:
            continue
        raw = platform.env[env]
        value: object = type(field.default)(raw) if isinstance(field.default, int | float) and not isinstance(field.default, bool) else raw
        if value == field.default:
            continue
        is_limit = "rate_limit" in field.name or field.name.endswith(("_per_minute", "_per_second"))
        (limits if is_limit else others)[env] = {"default": field.default, "set": value}
    return {"rate_limits_raised": limits, "settings_changed": others}


def gateway_connections(platform: PlatformProcess) -> int | None:
    """Client connections Envoy holds open now, from its admin interface (None if it cannot be read)."""
    query = urllib.parse.urlencode({"filter": r"^http\.gateway\.downstream_cx_active$"})
    url = f"http://127.0.0.1:{platform.env['PLAYMESH_GATEWAY_ADMIN_PORT']}/stats?{query}"
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            text = reply.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "http.gateway.downstream_cx_active":
            return int(value)
    return None
