"""Server bootstrap shared by every service: grpc.aio server with the RPC pipeline, the standard health
service (NOT_SERVING while PostgreSQL or Redis does not answer), reflection, a Prometheus endpoint,
background tasks, and graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import start_http_server

from playmesh.runtime.context import Runtime
from playmesh.runtime.dependencies import DependencyWatch, PostgresProbe, RedisProbe
from playmesh.runtime.logging import configure_logging, get_logger
from playmesh.runtime.pipeline import Pipeline
from playmesh.runtime.registry import ServiceSpec
from playmesh.runtime.settings import Settings

__all__ = ["Service", "create_server", "serve"]

log = get_logger("playmesh.server")
_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class Service:
    """What a service's ``build(runtime)`` returns: the servicer and its background jobs."""

    def __init__(self, servicer: Any, background: list[Callable[[asyncio.Event], Awaitable[None]]] | None = None) -> None:
        self.servicer = servicer
        self.background = background or []


async def create_server(
    spec: ServiceSpec, runtime: Runtime, *, port: int | None = None, worker: int = 0
) -> tuple[grpc.aio.Server, int, Service, health.aio.HealthServicer]:
    """Builds and binds the server (``port=0`` picks a free one, for tests); returns it with its port."""
    settings = runtime.settings
    add, factory = spec.load()
    service = factory(runtime)
    if not isinstance(service, Service):
        service = Service(service)
    server = grpc.aio.server(
        interceptors=[Pipeline(service=spec.name, full_name=spec.full_name, authenticator=runtime.authenticator, limiter=runtime.limiter, settings=settings)],
        options=[
            ("grpc.so_reuseport", 0),  # one process per port: a stale process must not share it
            ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", 10000),
        ],
    )
    add(service.servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((spec.full_name, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    bound = server.add_insecure_port(f"{settings.host}:{spec.port(settings, worker) if port is None else port}")
    if bound == 0:
        raise RuntimeError(f"{spec.name}: could not bind port {port}")
    return server, bound, service, health_servicer


def _tune_garbage_collector() -> None:
    """Moves what start-up allocated (modules, descriptors, pools) out of the collector's sight and
    collects the young generation less often. With the defaults, a full collection walked every
    object of the process and stalled the event loop for 50-150 ms now and then; that was the tail
    latency of streams and calls alike."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def _dependency_watch(runtime: Runtime, on_change: Callable[[bool], Awaitable[None]]) -> DependencyWatch:
    settings = runtime.settings
    interval = settings.dependency_check_interval_ms / 1000
    timeout = 2 * interval
    probes = [PostgresProbe(settings.database_url, runtime.db, timeout), RedisProbe(settings.redis_url, runtime.redis, timeout)]
    return DependencyWatch(probes, on_change, interval=interval, timeout=timeout)


async def serve(spec: ServiceSpec, settings: Settings, *, worker: int = 0) -> None:
    """Runs one service process until SIGTERM/SIGINT."""
    configure_logging(settings.log_level, settings.log_format, service=spec.name)
    runtime = await Runtime.start(settings)
    server, port, service, health_servicer = await create_server(spec, runtime, worker=worker)
    metrics_port = spec.metrics_port(settings, worker)
    if metrics_port:
        start_http_server(metrics_port, addr=settings.host)
    await server.start()
    _tune_garbage_collector()

    async def set_health(serving: bool) -> None:
        # Ignored by the servicer once graceful shutdown began: a stopping process stays NOT_SERVING.
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", spec.full_name):
            await health_servicer.set(name, status)

    await set_health(True)
    watch = _dependency_watch(runtime, set_health)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    jobs = [asyncio.create_task(job(stop), name=f"{spec.name}-background") for job in service.background]
    jobs.append(asyncio.create_task(runtime.keyring.reload_every(settings.signing_key_reload_seconds, stop), name="signing-keys"))
    jobs.append(asyncio.create_task(watch.run(stop), name="dependency-watch"))
    log.info("service_started", port=port, metrics_port=metrics_port, worker=worker)
    await stop.wait()
    log.info("service_stopping", grace_seconds=settings.shutdown_grace_seconds)
    await health_servicer.enter_graceful_shutdown()
    await server.stop(settings.shutdown_grace_seconds)
    for job in jobs:
        job.cancel()
    for job in jobs:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await job
    await runtime.close()
    log.info("service_stopped")
