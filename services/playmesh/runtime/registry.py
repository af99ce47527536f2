"""The service registry: every Playmesh service, its contract, its ports and its implementation.
The launcher, the gateway renderer and the tests all read this one table."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from playmesh.runtime.settings import Settings

__all__ = ["SERVICES", "WORKER_PORT_STRIDE", "ServiceSpec", "service"]

WORKER_PORT_STRIDE = 10  # worker k of service n listens on port_base + n + 10k


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    index: int
    full_name: str  # the gRPC service, e.g. playmesh.core.v1.CoreService
    grpc_module: str  # generated *_pb2_grpc module
    factory: str  # "module:function" building the servicer from a Runtime

    def port(self, settings: Settings, worker: int = 0) -> int:
        """Each worker process has its own port, so the gateway balances requests across processes
        (with one shared SO_REUSEPORT port, Envoy's few HTTP/2 connections may all land on one)."""
        return settings.port_base + self.index + WORKER_PORT_STRIDE * worker

    def upstream_host(self, settings: Settings) -> str:
        """Where the gateway finds this service (``upstream_host`` may name it per service)."""
        return settings.upstream_host.format(service=self.name) if settings.upstream_host else settings.host

    def ports(self, settings: Settings) -> list[int]:
        return [self.port(settings, worker) for worker in range(settings.service_processes)]

    def metrics_port(self, settings: Settings, worker: int = 0) -> int:
        if not settings.metrics_port_base:
            return 0
        return settings.metrics_port_base + self.index + WORKER_PORT_STRIDE * worker

    @property
    def short_name(self) -> str:
        return self.full_name.rsplit(".", 1)[-1]

    def load(self) -> tuple[Callable[[Any, Any], None], Callable[..., Any]]:
        """(add_XServicer_to_server, servicer factory)."""
        module = importlib.import_module(self.grpc_module)
        add = getattr(module, f"add_{self.short_name}Servicer_to_server")
        mod_name, _, func = self.factory.partition(":")
        return add, getattr(importlib.import_module(mod_name), func)


def _spec(name: str, index: int, service: str) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        index=index,
        full_name=f"playmesh.{name}.v1.{service}",
        grpc_module=f"playmesh.{name}.v1.{name}_service_pb2_grpc",
        factory=f"playmesh.{name}.service:build",
    )


SERVICES: tuple[ServiceSpec, ...] = (
    _spec("core", 1, "CoreService"),
    _spec("matchmaking", 2, "MatchmakingService"),
    _spec("lobby", 3, "LobbyService"),
    _spec("session", 4, "SessionService"),
    _spec("scoreboard", 5, "ScoreboardService"),
    _spec("telemetry", 6, "TelemetryService"),
)


def service(name: str) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown service {name!r}; known: {', '.join(s.name for s in SERVICES)}")
